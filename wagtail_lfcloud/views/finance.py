"""Finance listings: invoice history with payments, and spreadsheet exports safe to open
(CSV injection is neutralised as described in :mod:`wagtail_lfcloud.delivery.exports`)."""

from __future__ import annotations

from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from wagtail.snippets.views.snippets import IndexView

from ..delivery.exports import SafeCSVExportMixin
from ..models.orders import ZERO


class SafeExportIndexView(SafeCSVExportMixin, IndexView):
    """A snippet listing whose CSV export cannot smuggle formulas into a spreadsheet."""


class FinanceIndexView(SafeExportIndexView):
    """Invoices with their order and brand, and the sum of payments, in one query per page."""

    def get_base_queryset(self):
        return (
            super()
            .get_base_queryset()
            .select_related("order__brand")
            .annotate(
                paid_total=Coalesce(
                    Sum("payments__amount"),
                    Value(ZERO),
                    output_field=DecimalField(max_digits=14, decimal_places=2),
                )
            )
        )
