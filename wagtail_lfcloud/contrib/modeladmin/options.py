"""ModelAdmin classes for orders and invoices, scoped like the package's own viewsets.

Their scope is not restated here: the listing, inspect, history, edit and delete views read the
model's brand path and capabilities from :data:`~wagtail_lfcloud.access.MODEL_ACCESS`, the same
table the snippet viewsets, Wagtail's permission policies and the API read.
"""

from __future__ import annotations

from django.contrib.admin.utils import unquote
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup
from wagtail_modeladmin.views import IndexView

from ...access import get_for_user_or_404
from ...access.policies import MODEL_ACCESS
from ...access.scoping import not_found_message
from ...delivery.exports import SafeCSVExportMixin
from ...models import Invoice, Order
from ...viewsets.base import viewable


class SafeIndexView(SafeCSVExportMixin, IndexView):
    """modeladmin's listing, whose CSV export neutralises formulas like the package's viewsets."""


class BrandScopedModelAdmin(ModelAdmin):
    """A ModelAdmin whose listing only holds rows of brands where the user may ``view`` the model,
    and whose inspect and history views (``view``), edit view (``change``) and delete view
    (``delete``) answer 404 for a row of any other brand, all as ``MODEL_ACCESS`` says."""

    index_view_class = SafeIndexView

    def get_queryset(self, request):
        return viewable(super().get_queryset(request), request.user)

    def _reach(self, request, instance_pk, action: str) -> None:
        # modeladmin fetches the row from the default manager: scope it first (404, like
        # everywhere else in the package, for another brand's row and for an unknown id alike).
        access = MODEL_ACCESS[self.model.__name__]
        for capability in sorted(access.actions.get(action, ())):
            try:
                get_for_user_or_404(
                    request.user,
                    self.model,
                    unquote(instance_pk),
                    capability,
                    brand_path=access.brand_path,
                )
            except Http404:
                continue
            return
        if not request.user.is_superuser:
            raise Http404(not_found_message(self.model))

    def inspect_view(self, request, instance_pk):
        self._reach(request, instance_pk, "view")
        return super().inspect_view(request, instance_pk)

    def history_view(self, request, instance_pk):
        self._reach(request, instance_pk, "view")
        return super().history_view(request, instance_pk)

    def edit_view(self, request, instance_pk):
        self._reach(request, instance_pk, "change")
        return super().edit_view(request, instance_pk)

    def delete_view(self, request, instance_pk):
        self._reach(request, instance_pk, "delete")
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
