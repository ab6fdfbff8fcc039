"""``/orders`` (``view_orders``) and ``/invoices`` (``view_invoices``, e.g. finance tokens)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Lower
from django.http import HttpRequest
from django.utils.html import escape
from ninja import Query, Router, Status
from wagtail.log_actions import log

from ..access import get_for_user_or_404
from ..conf import lfcloud_settings
from ..models import Brand, Brief, Invoice, Order, OrderLine, OrderStatus, Payment, Product
from ..models.orders import validate_currency
from ..orders.status import TransitionError, line_errors, transition
from .errors import ERROR_RESPONSES, ApiError, ErrorOut
from .responses import Page, conditional_json, latest, paginate
from .schemas import Id, InvoiceOut, OrderIn, OrderOut, PageNumber, Text
from .scoping import brand_filter, require_any, require_scope, scoped, write_brand

router = Router(tags=["orders and invoices"])

FINANCE_RESPONSES = {**ERROR_RESPONSES, 403: ErrorOut}
_MONEY = DecimalField(max_digits=14, decimal_places=2)
CENT = Decimal("0.01")


def _money(value) -> str:
    return str(Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP))


def _orders(request: HttpRequest):
    lines = OrderLine.objects.filter(order=OuterRef("pk")).values("order")
    total = lines.annotate(
        t=Sum(ExpressionWrapper(F("unit_price") * F("quantity"), output_field=_MONEY))
    ).values("t")
    count = lines.annotate(c=Count("pk")).values("c")
    qs = Order.objects.select_related("brand").annotate(
        api_total=Coalesce(
            Subquery(total[:1], output_field=_MONEY), Value(Decimal(0)), output_field=_MONEY
        ),
        api_line_count=Coalesce(Subquery(count[:1], output_field=IntegerField()), Value(0)),
    )
    return scoped(request, qs, "view_orders")


def order_out(order: Order) -> dict:
    return {
        "id": order.pk,
        "number": order.number,
        "brand": order.brand.slug,
        "title": order.title,
        "status": order.status,
        "due_date": order.due_date,
        "currency": order.currency,
        "total": _money(order.api_total),
        "line_count": order.api_line_count,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
    }


@router.get(
    "/orders",
    response={200: Page[OrderOut], 304: None, **FINANCE_RESPONSES},
    summary="List orders",
    operation_id="list_orders",
)
def list_orders(
    request: HttpRequest,
    brand: Text | None = Query(None, description="Brand slug."),
    status: Text | None = Query(None),
    limit: PageNumber | None = Query(None),
    offset: PageNumber = Query(0),
    cursor: Text | None = Query(
        None, description="next_cursor of the previous page (instead of offset, for syncs)."
    ),
):
    """Orders of the brands where the token's user may view orders, newest first."""
    require_any(request, "view_orders", "view orders")
    qs = _orders(request)
    if (b := brand_filter(request, brand, "view_orders")) is not None:
        qs = qs.filter(brand=b)
    if status is not None:
        qs = qs.filter(status=status)
    qs = qs.order_by("-created_at", "-pk")
    page, rows = paginate(
        request, qs, limit, offset, lambda rows: [order_out(o) for o in rows], cursor=cursor
    )
    return conditional_json(
        request,
        page,
        last_modified=latest(o.updated_at for o in rows),
        honour_if_modified_since=False,
    )


@router.get(
    "/orders/{order_id}",
    response={200: OrderOut, 304: None, **FINANCE_RESPONSES},
    summary="One order",
    operation_id="get_order",
)
def get_order(request: HttpRequest, order_id: Id):
    require_any(request, "view_orders", "view orders")
    order = get_for_user_or_404(
        request.user,
        _orders(request),
        order_id,
        "view_orders",
        message=f"No order {order_id} that this token may see.",
    )
    return conditional_json(request, order_out(order), last_modified=order.updated_at)


def _invoices(request: HttpRequest):
    paid = (
        Payment.objects.filter(invoice=OuterRef("pk"))
        .values("invoice")
        .annotate(t=Sum("amount"))
        .values("t")[:1]
    )
    qs = Invoice.objects.select_related("order__brand").annotate(
        api_paid=Coalesce(
            Subquery(paid, output_field=_MONEY), Value(Decimal(0)), output_field=_MONEY
        )
    )
    return scoped(request, qs, "view_invoices", "order__brand")


def invoice_out(invoice: Invoice) -> dict:
    net = Decimal(invoice.net_amount)
    tax = (net * Decimal(invoice.tax_rate) / 100).quantize(CENT, rounding=ROUND_HALF_UP)
    return {
        "id": invoice.pk,
        "number": invoice.number,
        "brand": invoice.order.brand.slug,
        "order_id": invoice.order_id,
        "order_number": invoice.order.number,
        "status": invoice.status,
        "currency": invoice.currency,
        "net_amount": _money(net),
        "tax_rate": str(invoice.tax_rate),
        "tax_amount": _money(tax),
        "total": _money(net + tax),
        "paid_amount": _money(invoice.api_paid),
        "issued_on": invoice.issued_on,
        "due_on": invoice.due_on,
        "paid_on": invoice.paid_on,
        "created_at": invoice.created_at,
    }


@router.get(
    "/invoices",
    response={200: Page[InvoiceOut], 304: None, **FINANCE_RESPONSES},
    summary="List invoices",
    operation_id="list_invoices",
)
def list_invoices(
    request: HttpRequest,
    brand: Text | None = Query(None, description="Brand slug."),
    status: Text | None = Query(None, description="draft, issued, paid or void."),
    order: Id | None = Query(None, description="Order id."),
    limit: PageNumber | None = Query(None),
    offset: PageNumber = Query(0),
    cursor: Text | None = Query(
        None, description="next_cursor of the previous page (instead of offset, for syncs)."
    ),
):
    """Invoices of the brands where the token's user may view invoices (brand admin, finance)."""
    require_any(request, "view_invoices", "view invoices")
    qs = _invoices(request)
    if (b := brand_filter(request, brand, "view_invoices")) is not None:
        qs = qs.filter(order__brand=b)
    if status is not None:
        qs = qs.filter(status=status)
    if order is not None:
        qs = qs.filter(order_id=order)
    qs = qs.order_by("-created_at", "-pk")
    page, rows = paginate(
        request, qs, limit, offset, lambda rows: [invoice_out(i) for i in rows], cursor=cursor
    )
    return conditional_json(
        request,
        page,
        last_modified=latest(i.created_at for i in rows),
        honour_if_modified_since=False,
    )


@router.get(
    "/invoices/{invoice_id}",
    response={200: InvoiceOut, 304: None, **FINANCE_RESPONSES},
    summary="One invoice",
    operation_id="get_invoice",
)
def get_invoice(request: HttpRequest, invoice_id: Id):
    require_any(request, "view_invoices", "view invoices")
    invoice = get_for_user_or_404(
        request.user,
        _invoices(request),
        invoice_id,
        "view_invoices",
        message=f"No invoice {invoice_id} that this token may see.",
    )
    return conditional_json(request, invoice_out(invoice), last_modified=invoice.created_at)


# --- writes ---------------------------------------------------------------------------------------


def _order_errors(brand: Brand, payload: OrderIn) -> tuple[list[OrderLine], list[dict]]:
    """The order's lines built from ``payload`` and every problem found (line-numbered)."""
    skus = {line.sku.lower() for line in payload.lines}
    products = {
        p.sku.lower(): p
        for p in Product.objects.annotate(sku_lower=Lower("sku")).filter(
            brand=brand, sku_lower__in=skus
        )
    }
    problems: list[dict] = []
    if payload.currency is not None:
        try:
            validate_currency(payload.currency)
        except ValidationError as exc:
            problems.append({"line": None, "field": "currency", "messages": exc.messages})
    lines, seen = [], {}
    for index, row in enumerate(payload.lines):
        product = products.get(row.sku.lower())
        if product is None:
            problems.append(
                {
                    "line": index,
                    "field": "sku",
                    "messages": [f"{brand.name} has no product with SKU {row.sku}."],
                }
            )
            continue
        if product.pk in seen:
            problems.append(
                {
                    "line": index,
                    "field": "sku",
                    "messages": [f"{product.sku} is also line {seen[product.pk]}: merge them."],
                }
            )
        seen.setdefault(product.pk, index)
        line = OrderLine(
            product=product,
            angles=list(row.angles),
            channels=list(row.channels),
            unit_price=row.unit_price,
            quantity=row.quantity,
            sort_order=index,
        )
        for field, messages in line_errors(line, brand.pk).items():
            problems.append({"line": index, "field": field, "messages": [str(m) for m in messages]})
        lines.append(line)
    return lines, problems


@router.post(
    "/orders",
    response={201: OrderOut, **ERROR_RESPONSES, 409: ErrorOut},
    summary="Create an order with lines and a brief",
    operation_id="create_order",
    url_name="create_order",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "example": {
                        "brand": "acme",
                        "title": "Summer 2026 shoes",
                        "due_date": "2026-03-31",
                        "lines": [
                            {
                                "sku": "SKU12345",
                                "angles": ["front", "back"],
                                "channels": ["amazon_main"],
                                "unit_price": "25.00",
                            }
                        ],
                        "brief": {"instructions": "White background, laces tied."},
                        "submit": True,
                    }
                }
            }
        }
    },
)
def create_order(request: HttpRequest, payload: OrderIn):
    """A draft order (or a submitted one with ``submit``: its deliverables are created), as the
    token's user. Every problem is reported at once (``422 invalid_order``, ``errors`` lists each
    with its line index); nothing is created unless the whole order is valid. Needs the
    ``orders:write`` scope."""
    require_scope(request, "orders:write")
    brand = write_brand(request, payload.brand, "manage_orders", "order photography")
    lines, problems = _order_errors(brand, payload)
    if problems:
        raise ApiError(
            422,
            "invalid_order",
            "The order was not created: "
            + "; ".join(
                f"{'line ' + str(p['line']) + ' ' if p['line'] is not None else ''}"
                f"{p['field']}: {' '.join(p['messages'])}"
                for p in problems[:10]
            ),
            errors=problems,
        )
    user = request.user
    with transaction.atomic():
        order = Order(
            brand=brand,
            title=payload.title,
            due_date=payload.due_date,
            currency=payload.currency or lfcloud_settings.DEFAULT_CURRENCY,
            notes=payload.notes,
            created_by=user,
        )
        order.save()
        for line in lines:
            line.order = order
        OrderLine.objects.bulk_create(lines)
        if payload.brief is not None:
            Brief.objects.create(
                order=order,
                instructions=_paragraphs(payload.brief.instructions),
                guidelines=_paragraphs(payload.brief.guidelines),
                shoot_date=payload.brief.shoot_date,
                first_drafts_due=payload.brief.first_drafts_due,
                finals_due=payload.brief.finals_due,
            )
        log(order, "wagtail.create", user=user, data={"via": "api", "lines": len(lines)})
        if payload.submit:
            try:
                transition(order, OrderStatus.SUBMITTED, user)
            except TransitionError as exc:
                # Raised inside the transaction: nothing of the order is kept.
                raise ApiError(409, "transition_refused", str(exc)) from None
    return Status(201, order_out(_orders(request).get(pk=order.pk)))


def _paragraphs(text: str) -> str:
    """Plain text as the rich text of a brief: one paragraph per block, HTML escaped."""
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return "".join(f"<p>{escape(b).replace(chr(10), '<br/>')}</p>" for b in blocks)
