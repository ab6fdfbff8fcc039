"""ModelAdmin classes for orders and invoices, scoped by brand capability."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup

from ...access.capabilities import scope
from ...models import Invoice, Order


class BrandScopedModelAdmin(ModelAdmin):
    """A ModelAdmin whose listing only holds rows of brands where the user has ``view_capability``."""

    view_capability = "view_orders"
    brand_path = "brand"

    def get_queryset(self, request):
        return scope(
            super().get_queryset(request), request.user, self.view_capability, self.brand_path
        )


class OrderModelAdmin(BrandScopedModelAdmin):
    model = Order
    menu_label = _("Orders")
    menu_icon = "clipboard-list"
    list_display = ("number", "title", "brand", "status", "due_date", "currency")
    list_filter = ("status", "brand")
    search_fields = ("number", "title")
    inspect_view_enabled = True
    list_export = ("number", "title", "brand", "status", "due_date", "currency", "subtotal")


class InvoiceModelAdmin(BrandScopedModelAdmin):
    model = Invoice
    menu_label = _("Invoices")
    menu_icon = "form"
    view_capability = "view_invoices"
    brand_path = "order__brand"
    list_display = (
        "number",
        "order",
        "status",
        "net_amount",
        "tax_amount",
        "gross_amount",
        "currency",
        "due_on",
    )
    list_filter = ("status", "issued_on")
    search_fields = ("number",)
    inspect_view_enabled = True
    list_export = (
        "number",
        "order",
        "status",
        "net_amount",
        "tax_rate",
        "tax_amount",
        "gross_amount",
        "currency",
    )


class LFCloudModelAdminGroup(ModelAdminGroup):
    menu_label = _("LF Cloud (classic)")
    menu_icon = "folder-open-inverse"
    menu_order = 160
    items = (OrderModelAdmin, InvoiceModelAdmin)
