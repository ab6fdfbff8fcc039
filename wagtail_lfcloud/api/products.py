"""``/products``: the catalog, with filters for brand, catalog, season, SKU and changes since a time."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router

from ..access import get_for_user_or_404
from ..access.api import brand_filter, scoped
from ..models import Product
from .errors import ERROR_RESPONSES, ApiError
from .responses import Page, conditional_json, latest, paginate
from .schemas import Id, PageNumber, ProductOut, Text

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
