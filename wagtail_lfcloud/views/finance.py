"""Finance listings: invoice history with payments, and spreadsheet exports safe to open.

Wagtail's XLSX export already stores formula-looking text as text, but its CSV export writes
cells as they are, so a value such as ``=HYPERLINK(...)`` typed into an order title would run
as a formula when finance opens the file (CSV injection). :class:`SafeExportIndexView`
prefixes such cells with an apostrophe, as OWASP recommends.
"""

from __future__ import annotations

from typing import Any

from django.db.models import DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from wagtail.snippets.views.snippets import IndexView

from ..models.orders import ZERO

#: A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """``value`` made safe for a CSV cell: text that a spreadsheet would run as a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class SafeExportIndexView(IndexView):
    """A snippet listing whose CSV export cannot smuggle formulas into a spreadsheet."""

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        # XLSX cells are typed: Wagtail already stores formula-looking text as a string there.
        return neutralise(value) if export_format == self.FORMAT_CSV else value


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
