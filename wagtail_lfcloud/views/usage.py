"""The Usage view: how a brand's (or one asset's) files went out, with charts and exports.

``/admin/lfcloud/usage/`` shows one brand (``?brand=<slug>``, among the brands the user holds
``view_usage`` on), ``/admin/lfcloud/assets/<pk>/usage/`` one asset; ``?days=`` sets the period
(7 to 366, default 30) and ``?export=csv`` / ``?export=xlsx`` downloads the daily counts. The charts
are drawn by Chart.js, vendored under ``static/wagtail_lfcloud/vendor/chartjs/`` (no CDN).
"""

from __future__ import annotations

import csv
import io

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from openpyxl import Workbook
from wagtail.admin.menu import MenuItem

from ..access.capabilities import brand_ids_with, brands_with
from ..access.scoping import get_for_user_or_404
from ..delivery.exports import neutralise
from ..delivery.insights import build_report, report_data
from ..models import Asset, UsageKind
from .base import LFCloudPageMixin

CAPABILITY = "view_usage"
EXPORT_COLUMNS = ["day", "sku", "angle", "version", "channel", "kind", "count"]


def period_days(value: str | None) -> int:
    try:
        days = int(value or 30)
    except ValueError:
        days = 30
    return min(max(days, 7), 366)


def export_response(report, export: str) -> HttpResponse:
    """The report's daily counts as CSV or XLSX."""
    rows = report.rows()
    what = (
        report.asset.product.sku + "-" + report.asset.angle if report.asset else report.brand.slug
    )
    name = f"usage-{what}-{report.since}-{report.until}"
    if export == "xlsx":
        book = Workbook()
        sheet = book.active
        sheet.title = "Usage"
        sheet.append(EXPORT_COLUMNS)
        for row in rows:
            sheet.append([row[c] for c in EXPORT_COLUMNS])
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow([neutralise(row[c]) for c in EXPORT_COLUMNS])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


class _UsageView(LFCloudPageMixin, TemplateView):
    template_name = "wagtail_lfcloud/usage/index.html"
    header_icon = "view"

    def get(self, request, *args, **kwargs):
        self.report = build_report(
            self.brand, days=period_days(request.GET.get("days")), asset=self.asset
        )
        export = request.GET.get("export")
        if export in ("csv", "xlsx"):
            return export_response(self.report, export)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = report_data(self.report)
        context.update(
            report=self.report,
            chart_data={
                **data,
                "labels": dict(UsageKind.choices),
            },
            kinds=[
                (kind, label, self.report.by_kind.get(kind, 0)) for kind, label in UsageKind.choices
            ],
            days=(self.report.until - self.report.since).days + 1,
            day_choices=[7, 30, 90, 365],
            brands=brands_with(self.request.user, CAPABILITY),
        )
        return context


class BrandUsageView(_UsageView):
    page_title = gettext_lazy("Usage")

    def dispatch(self, request, *args, **kwargs):
        brands = brands_with(request.user, CAPABILITY).order_by("name")
        slug = request.GET.get("brand")
        self.brand = brands.filter(slug=slug).first() if slug else brands.first()
        if self.brand is None:
            raise Http404(_("No brand whose usage you may see."))
        self.asset = None
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.brand)


class AssetUsageView(_UsageView):
    def dispatch(self, request, *args, **kwargs):
        self.asset = get_for_user_or_404(
            request.user,
            Asset.objects.select_related("product", "brand"),
            kwargs["pk"],
            CAPABILITY,
        )
        self.brand = self.asset.brand
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Usage of %(asset)s") % {"asset": self.asset}


class UsageMenuItem(MenuItem):
    """Shown to anyone who may see some brand's usage."""

    def is_shown(self, request):
        return brand_ids_with(request.user, CAPABILITY) != set()


def usage_menu_item() -> MenuItem:
    return UsageMenuItem(
        gettext_lazy("Usage"),
        reverse("wagtail_lfcloud_admin:usage"),
        icon_name="view",
        order=152,
        name="lfcloud-usage",
    )
