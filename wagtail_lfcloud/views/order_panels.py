"""The dashboard panels about orders: orders in production and overdue deliverables."""

from __future__ import annotations

from typing import Any

from django.db.models import F
from django.template.loader import get_template
from django.urls import reverse
from laces.components import Component

from ..access import brand_ids_with, scope
from ..models import (
    Asset,
    Order,
    OrderStatus,
    VersionStatus,
)

#: Statuses in which the studio is working on an order.
ACTIVE_STATUSES = [OrderStatus.SUBMITTED, OrderStatus.IN_PRODUCTION, OrderStatus.IN_REVIEW]


class _DashboardPanel(Component):
    """A dashboard panel that shows nothing when it has nothing to list."""

    #: Context key of the rows; an empty list hides the panel.
    rows_key = "rows"

    def __init__(self, user):
        self.user = user

    def render_html(self, parent_context: Any = None) -> str:
        context = self.get_context_data(parent_context)
        if not context[self.rows_key]:
            return ""
        return get_template(self.template_name).render(context)


class OrdersInProductionPanel(_DashboardPanel):
    """Dashboard: the user's brands' orders the studio is working on, soonest due first."""

    name = "lfcloud_orders_in_production"
    template_name = "wagtail_lfcloud/orders/panel_in_production.html"
    order = 110
    limit = 10
    rows_key = "orders"

    def get_orders(self):
        return (
            scope(Order.objects.select_related("brand"), self.user, "view_orders")
            .filter(status__in=ACTIVE_STATUSES)
            .order_by(F("due_date").asc(nulls_last=True), "pk")
        )

    def get_context_data(self, parent_context: Any = None) -> dict:
        return {
            "orders": list(self.get_orders()[: self.limit]),
            "listing_url": reverse("wagtailsnippets_wagtail_lfcloud_order:list"),
        }


class OverdueDeliverablesPanel(_DashboardPanel):
    """Dashboard: deliverables of overdue orders that have no approved version yet."""

    name = "lfcloud_overdue_deliverables"
    template_name = "wagtail_lfcloud/orders/panel_overdue.html"
    order = 120
    limit = 20
    rows_key = "assets"

    def get_assets(self):
        orders = scope(Order.objects.overdue(), self.user, "view_orders")
        return (
            Asset.objects.filter(order__in=orders)
            .exclude(versions__status=VersionStatus.CURRENT)
            .select_related("product", "order")
            .order_by("order__due_date", "product__sku", "angle")
        )

    def get_context_data(self, parent_context: Any = None) -> dict:
        assets = self.get_assets()
        rows = list(assets[: self.limit])
        return {"assets": rows, "total": assets.count() if len(rows) == self.limit else len(rows)}


def dashboard_panels(request, panels: list) -> None:
    """``construct_homepage_panels`` hook body: add the panels for users who work on orders."""
    if brand_ids_with(request.user, "view_orders") == set():
        return
    panels.append(OrdersInProductionPanel(request.user))
    panels.append(OverdueDeliverablesPanel(request.user))
