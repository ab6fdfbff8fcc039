"""``/orders`` (``view_orders``) and ``/invoices`` (``view_invoices``, e.g. finance tokens)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

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
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from ninja import Query, Router

from ..access import get_for_user_or_404
from ..access.api import brand_filter, require_any, scoped
from ..models import Invoice, Order, OrderLine, Payment
from .errors import ERROR_RESPONSES, ErrorOut
from .responses import Page, conditional_json, latest, paginate
from .schemas import Id, InvoiceOut, OrderOut, PageNumber, Text

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
