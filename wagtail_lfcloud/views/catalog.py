"""The product import screen (CSV or XLSX)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin import messages
from wagtail.log_actions import log

from ..access.capabilities import brand_ids_with, brands_with
from ..catalog.importers import ImportFailed, import_products
from .base import LFCloudPageMixin


class ProductImportForm(forms.Form):
    brand = forms.ModelChoiceField(queryset=None, label=_("Brand"))
    file = forms.FileField(
        label=_("CSV or XLSX file"),
        help_text=_(
            "Columns: sku, name, style, colour, catalog, season, asin, gtin. A workbook is read "
            "from its first worksheet."
        ),
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".csv,.xlsx,text/csv,"
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = brands_with(user, "manage_catalog")


class ProductImportView(LFCloudPageMixin, FormView):
    template_name = "wagtail_lfcloud/products/import.html"
    form_class = ProductImportForm
    page_title = _("Import products")
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        if brand_ids_with(request.user, "manage_catalog") == set():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        brand = form.cleaned_data["brand"]
        try:
            result = import_products(form.cleaned_data["file"], brand)
        except ImportFailed as exc:
            return self.render_to_response(
                self.get_context_data(form=form, import_errors=exc.errors)
            )
        log(
            brand,
            "wagtail_lfcloud.products_imported",
            user=self.request.user,
            data={"created": len(result.created), "updated": len(result.updated)},
        )
        messages.success(
            self.request,
            _("Imported %(created)d new and %(updated)d updated products into %(brand)s.")
            % {"created": len(result.created), "updated": len(result.updated), "brand": brand},
        )
        return redirect("wagtailsnippets_wagtail_lfcloud_product:list")
