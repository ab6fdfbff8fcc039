"""Spreadsheet exports that cannot smuggle formulas into Excel or LibreOffice (CSV injection).

Wagtail 8's XLSX export stores formula-looking text as text, but its CSV export writes each
cell as it is: a product named ``=HYPERLINK("http://evil.example","Click")`` (typed in the
admin or imported from a supplier's CSV) would run as a formula when someone opens the export.
Every package viewset mixes in :class:`SafeExportViewSetMixin`, so each listing it builds
prefixes such cells with an apostrophe, as OWASP recommends; the apostrophe is what a
spreadsheet itself uses to mean "this is text".
"""

from __future__ import annotations

from typing import Any

from wagtail.admin.views.mixins import SpreadsheetExportMixin

#: A cell starting with one of these is read as a formula by spreadsheet programs.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value: Any) -> Any:
    """``value`` made safe for a CSV cell: text a spreadsheet would run as a formula gets a leading ``'``.

    Numbers, dates and other non-text values are returned unchanged (``-5`` stays a number).
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class SafeCSVExportMixin:
    """For a view with Wagtail's :class:`SpreadsheetExportMixin`: neutralise formula cells in CSV."""

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        # XLSX cells are typed: Wagtail already stores formula-looking text as a string there.
        return neutralise(value) if export_format == self.FORMAT_CSV else value


class SafeExportViewSetMixin:
    """Mix into a ``ModelViewSet``/``SnippetViewSet``: every exporting view it builds is made safe.

    It wraps whatever ``index_view_class`` (or other view class) the viewset uses, so subclasses
    that bring their own index view stay covered without remembering to inherit anything.
    """

    def construct_view(self, view_class, **kwargs):
        if issubclass(view_class, SpreadsheetExportMixin) and not issubclass(
            view_class, SafeCSVExportMixin
        ):
            view_class = _safe_class(view_class)
        return super().construct_view(view_class, **kwargs)


_SAFE_CLASSES: dict[type, type] = {}


def _safe_class(view_class: type) -> type:
    if view_class not in _SAFE_CLASSES:
        _SAFE_CLASSES[view_class] = type(
            view_class.__name__,
            (SafeCSVExportMixin, view_class),
            {"__module__": view_class.__module__},
        )
    return _SAFE_CLASSES[view_class]
