"""ModelAdmin classes for orders and invoices, scoped by brand capability."""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.utils.translation import gettext_lazy as _
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup
from wagtail_modeladmin.views import IndexView

from ...access import get_for_user_or_404, scope
from ...delivery.exports import SafeCSVExportMixin
from ...models import Invoice, Order


class SafeIndexView(SafeCSVExportMixin, IndexView):
    """modeladmin's listing, whose CSV export neutralises formulas like the package's viewsets."""


class BrandScopedModelAdmin(ModelAdmin):
    """A ModelAdmin whose listing only holds rows of brands where the user has ``view_capability``,
    and whose inspect, history, edit and delete views answer 404 for any other row."""

    index_view_class = SafeIndexView
    view_capability = "view_orders"
    #: Capability needed to edit or delete a row.
    manage_capability = "manage_orders"
    brand_path = "brand"

    def get_queryset(self, request):
        return scope(
            super().get_queryset(request), request.user, self.view_capability, self.brand_path
        )

    def _reach(self, request, instance_pk, capability: str) -> None:
        # modeladmin fetches the row from the default manager: scope it first (404, like
        # everywhere else in the package, for another brand's row and for an unknown id alike).
        get_for_user_or_404(
            request.user, self.model, unquote(instance_pk), capability, brand_path=self.brand_path
        )

    def inspect_view(self, request, instance_pk):
        self._reach(request, instance_pk, self.view_capability)
        return super().inspect_view(request, instance_pk)

    def history_view(self, request, instance_pk):
        self._reach(request, instance_pk, self.view_capability)
        return super().history_view(request, instance_pk)

    def edit_view(self, request, instance_pk):
        self._reach(request, instance_pk, self.manage_capability)
        return super().edit_view(request, instance_pk)

    def delete_view(self, request, instance_pk):
        self._reach(request, instance_pk, self.manage_capability)
        return super().delete_view(request, instance_pk)


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
    manage_capability = "manage_invoices"
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
