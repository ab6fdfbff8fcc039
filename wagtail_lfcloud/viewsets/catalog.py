"""Admin screens for brands, catalogs, seasons and products."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.admin.widgets import HeaderButton
from wagtail.snippets.views.snippets import IndexView

from ..access.capabilities import brand_ids_with
from ..models import Brand, Catalog, Product, Season
from .base import BrandScopedViewSet, scoped_panels


class BrandViewSet(BrandScopedViewSet):
    model = Brand
    icon = "site"
    menu_label = _("Brands")
    menu_order = 900
    list_display = ["name", "slug", "contact_email", "created_at"]
    list_export = ["name", "slug", "contact_email", "created_at"]
    export_filename = "brands"
    inspect_view_enabled = True
    edit_handler = scoped_panels(
        [FieldPanel("name"), FieldPanel("slug"), FieldPanel("contact_email")]
    )


class CatalogViewSet(BrandScopedViewSet):
    model = Catalog
    icon = "folder-open-inverse"
    menu_label = _("Catalogs")
    menu_order = 910
    list_display = ["name", "brand", "slug"]
    list_filter = ["brand"]
    list_export = ["brand", "name", "slug"]
    export_filename = "catalogs"
    edit_handler = scoped_panels([FieldPanel("brand"), FieldPanel("name"), FieldPanel("slug")])


class SeasonViewSet(BrandScopedViewSet):
    model = Season
    icon = "date"
    menu_label = _("Seasons")
    menu_order = 920
    list_display = ["code", "name", "brand", "starts_on", "ends_on"]
    list_filter = ["brand"]
    list_export = ["brand", "code", "name", "starts_on", "ends_on"]
    export_filename = "seasons"
    edit_handler = scoped_panels(
        [
            FieldPanel("brand"),
            FieldRowPanel([FieldPanel("code"), FieldPanel("name")]),
            FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
        ]
    )


class ProductIndexView(IndexView):
    @property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if brand_ids_with(self.request.user, "manage_catalog") != set():
            buttons.append(
                HeaderButton(
                    _("Import CSV or XLSX"),
                    url=reverse("wagtail_lfcloud_admin:product_import"),
                    icon_name="upload",
                )
            )
        return buttons


class ProductViewSet(BrandScopedViewSet):
    model = Product
    icon = "tag"
    menu_label = _("Products")
    menu_order = 930
    index_view_class = ProductIndexView
    list_display = ["sku", "name", "brand", "catalog", "season", "colour", "updated_at"]
    list_filter = ["brand", "catalog", "season"]
    list_export = ["brand", "sku", "name", "style", "colour", "catalog", "season", "asin", "gtin"]
    export_filename = "products"
    inspect_view_enabled = True
    edit_handler = scoped_panels(
        [
            FieldPanel("brand"),
            FieldRowPanel([FieldPanel("sku"), FieldPanel("name")]),
            FieldRowPanel([FieldPanel("style"), FieldPanel("colour")]),
            FieldRowPanel([FieldPanel("catalog"), FieldPanel("season")]),
            MultiFieldPanel(
                [FieldRowPanel([FieldPanel("asin"), FieldPanel("gtin")])],
                heading=_("Marketplace ids"),
            ),
        ]
    )
