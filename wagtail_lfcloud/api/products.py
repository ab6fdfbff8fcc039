"""``/products``: the catalog, with filters for brand, catalog, season, SKU and changes since a time;
``PUT /products`` creates or updates a batch by SKU."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router
from wagtail.log_actions import log

from ..access import get_for_user_or_404
from ..catalog.tasks import index_products
from ..models import Brand, Catalog, Product, Season
from .errors import ERROR_RESPONSES, ApiError, ErrorOut
from .responses import Page, conditional_json, latest, paginate
from .schemas import (
    Id,
    PageNumber,
    ProductBatchIn,
    ProductBatchOut,
    ProductIn,
    ProductOut,
    Text,
)
from .scoping import brand_filter, require_scope, scoped, write_brand

router = Router(tags=["products"])


def product_out(product: Product) -> dict:
    return {
        "id": product.pk,
        "brand": product.brand.slug,
        "sku": product.sku,
        "name": product.name,
        "style": product.style,
        "colour": product.colour,
        "catalog": product.catalog.slug if product.catalog_id else None,
        "season": product.season.code if product.season_id else None,
        "asin": product.asin,
        "gtin": product.gtin,
        "updated_at": product.updated_at,
    }


def _queryset(request: HttpRequest):
    fields = (
        "id",
        "brand_id",
        "brand__slug",
        "sku",
        "name",
        "style",
        "colour",
        "catalog_id",
        "catalog__slug",
        "season_id",
        "season__code",
        "asin",
        "gtin",
        "updated_at",
    )
    qs = Product.objects.select_related("brand", "catalog", "season").only(*fields)
    return scoped(request, qs, "view_catalog")


@router.get(
    "/products",
    response={200: Page[ProductOut], 304: None, **ERROR_RESPONSES},
    summary="List products",
    operation_id="list_products",
)
def list_products(
    request: HttpRequest,
    brand: Text | None = Query(None, description="Brand slug."),
    catalog: Text | None = Query(None, description="Catalog slug."),
    season: Text | None = Query(None, description="Season code."),
    sku: Text | None = Query(None, description="Exact SKU (case-insensitive)."),
    updated_since: dt.datetime | None = Query(
        None, description="Only products changed at or after this time (ISO 8601)."
    ),
    limit: PageNumber | None = Query(
        None, description="Page size (default and maximum are settings)."
    ),
    offset: PageNumber = Query(0),
    cursor: Text | None = Query(
        None, description="next_cursor of the previous page (instead of offset, for syncs)."
    ),
):
    """Products of the brands the token may see, oldest change first (stable for incremental syncs)."""
    qs = _queryset(request)
    if (b := brand_filter(request, brand, "view_catalog")) is not None:
        qs = qs.filter(brand=b)
    if catalog is not None:
        qs = qs.filter(catalog__slug=catalog)
    if season is not None:
        qs = qs.filter(season__code__iexact=season)
    if sku is not None:
        qs = qs.filter(sku__iexact=sku)
    if updated_since is not None:
        if updated_since.tzinfo is None:
            raise ApiError(
                400, "naive_datetime", "updated_since needs a time zone, e.g. 2026-01-31T12:00:00Z."
            )
        qs = qs.filter(updated_at__gte=updated_since)
    qs = qs.order_by("updated_at", "pk")
    page, rows = paginate(
        request, qs, limit, offset, lambda rows: [product_out(p) for p in rows], cursor=cursor
    )
    return conditional_json(
        request,
        page,
        last_modified=latest(p.updated_at for p in rows),
        honour_if_modified_since=False,
    )


@router.get(
    "/products/{product_id}",
    response={200: ProductOut, 304: None, **ERROR_RESPONSES},
    summary="One product",
    operation_id="get_product",
)
def get_product(request: HttpRequest, product_id: Id):
    product = get_for_user_or_404(
        request.user,
        _queryset(request),
        product_id,
        "view_catalog",
        message=f"No product {product_id} that this token may access.",
    )
    return conditional_json(request, product_out(product), last_modified=product.updated_at)


# --- writes ---------------------------------------------------------------------------------------

#: Product fields a row may set directly (catalog and season are looked up by slug / code).
PLAIN_FIELDS = ("sku", "name", "style", "colour", "asin", "gtin")


def _row_errors(exc: ValidationError) -> dict[str, list[str]]:
    return {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}


def upsert_products(brand: Brand, rows: list[ProductIn], user) -> dict:
    """Create or update ``rows`` in ``brand`` by SKU, in a constant number of queries.

    Rows that fail validation are reported and skipped; the others are written. A row that
    changes nothing is ``unchanged`` and not written (so a repeated batch writes nothing). One
    audit log entry records the batch; the search index is updated in the background.
    """
    keys = [row.sku.lower() for row in rows]
    existing = {
        p.sku.lower(): p
        for p in Product.objects.annotate(sku_lower=Lower("sku")).filter(
            brand=brand, sku_lower__in=set(keys)
        )
    }
    catalogs = {c.slug.lower(): c for c in Catalog.objects.filter(brand=brand)}
    seasons = {s.code.lower(): s for s in Season.objects.filter(brand=brand)}
    now = timezone.now()
    results: list[dict] = []
    to_create: list[tuple[int, Product]] = []
    to_update: list[tuple[int, Product]] = []
    first_seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        errors: dict[str, list[str]] = {}
        key = row.sku.lower()
        if key in first_seen:
            errors["sku"] = [f"SKU {row.sku} is also row {first_seen[key]} of this batch."]
        first_seen.setdefault(key, index)
        product = existing.get(key)
        is_new = product is None
        if is_new:
            product = Product(brand=brand, created_at=now)
            if not row.name:
                errors.setdefault("name", []).append("A new product needs a name.")
        before = {f: getattr(product, f) for f in (*PLAIN_FIELDS, "catalog_id", "season_id")}
        for field in PLAIN_FIELDS:
            value = getattr(row, field)
            # An existing product keeps its SKU's spelling: SKUs match case-insensitively.
            if value is not None and not (field == "sku" and not is_new):
                setattr(product, field, value)
        for field, lookup, label in (
            ("catalog", catalogs, "catalog slug"),
            ("season", seasons, "season code"),
        ):
            value = getattr(row, field)
            if value is None:
                continue
            if value == "":
                setattr(product, field, None)
            elif value.lower() in lookup:
                setattr(product, field, lookup[value.lower()])
            else:
                errors.setdefault(field, []).append(f"{brand.name} has no {label} {value!r}.")
        try:
            # Field validators only: Product.clean() queries per row; uniqueness is checked above.
            product.clean_fields(exclude=["brand", "catalog", "season", "created_at", "updated_at"])
        except ValidationError as exc:
            for field, messages in _row_errors(exc).items():
                errors.setdefault(field, []).extend(messages)
        if errors:
            results.append(
                {"index": index, "sku": row.sku, "status": "error", "id": None, "errors": errors}
            )
            continue
        after = {f: getattr(product, f) for f in (*PLAIN_FIELDS, "catalog_id", "season_id")}
        if is_new:
            product.updated_at = now
            to_create.append((index, product))
            status = "created"
        elif after != before:
            product.updated_at = now
            to_update.append((index, product))
            status = "updated"
        else:
            status = "unchanged"
        results.append(
            {"index": index, "sku": row.sku, "status": status, "id": product.pk, "errors": None}
        )

    with transaction.atomic():
        try:
            Product.objects.bulk_create([p for _, p in to_create])
        except IntegrityError:
            raise ApiError(
                409,
                "conflict",
                "Another request created one of these SKUs at the same time; send the batch again.",
            ) from None
        if to_update:
            Product.objects.bulk_update(
                [p for _, p in to_update], [*PLAIN_FIELDS, "catalog", "season", "updated_at"]
            )
        for index, product in to_create:
            results[index]["id"] = product.pk
        counts = {s: sum(r["status"] == s for r in results) for s in ("created", "updated")}
        counts["unchanged"] = sum(r["status"] == "unchanged" for r in results)
        counts["failed"] = sum(r["status"] == "error" for r in results)
        if to_create or to_update:
            log(
                brand,
                "wagtail_lfcloud.products_upserted",
                user=user,
                data={
                    **counts,
                    "created_skus": [p.sku for _, p in to_create][:50],
                    "updated_skus": [p.sku for _, p in to_update][:50],
                    "via": "api",
                },
            )
            changed = [p.pk for _, p in (*to_create, *to_update)]
            transaction.on_commit(lambda: index_products.enqueue(changed))
    return {**counts, "results": results}


@router.put(
    "/products",
    response={200: ProductBatchOut, **ERROR_RESPONSES, 409: ErrorOut},
    summary="Create or update products by SKU (batch)",
    operation_id="upsert_products",
    url_name="upsert_products",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": {
                        "brand": "acme",
                        "products": [
                            {"sku": "SKU12345", "name": "Runner", "colour": "red"},
                            {"sku": "SKU12346", "name": "Runner", "season": "SS26"},
                        ],
                    }
                }
            }
        }
    },
)
def upsert(request: HttpRequest, payload: ProductBatchIn):
    """Up to 1,000 products per request, matched by SKU (case-insensitive) within the brand.

    Idempotent: sending the same batch again changes nothing. Each row answers ``created``,
    ``updated``, ``unchanged`` or ``error`` (with the field errors); good rows are written even
    when others are refused. Needs the ``products:write`` scope.
    """
    require_scope(request, "products:write")
    brand = write_brand(request, payload.brand, "manage_catalog", "manage the catalog")
    return upsert_products(brand, payload.products, request.user)
