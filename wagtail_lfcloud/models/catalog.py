"""The catalog: brands (tenants), catalogs, seasons and products."""

from __future__ import annotations

import re
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from wagtail.search import index

#: What a SKU may contain: letters, digits and hyphens (the underscore separates name parts).
SKU_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")
sku_validator = RegexValidator(
    SKU_RE,
    _(
        "A SKU is 1-64 letters, digits or hyphens, starting with a letter or digit (no underscores, spaces or slashes)."
    ),
)


def new_public_url_key() -> str:
    """A fresh secret for signing a brand's public rendition URLs (256 random bits)."""
    return secrets.token_urlsafe(32)


class Brand(index.Indexed, models.Model):
    """A tenant: one company whose products are photographed. Users of one brand never see another's."""

    name = models.CharField(_("name"), max_length=255, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    #: HMAC key of the brand's public (CDN-cacheable) rendition URLs
    #: (:mod:`wagtail_lfcloud.delivery.public_urls`); rotating it revokes every link signed with it.
    public_url_key = models.CharField(
        _("public URL signing key"), max_length=64, default=new_public_url_key, editable=False
    )
    public_url_key_rotated_at = models.DateTimeField(
        _("public URL key rotated at"), null=True, blank=True, editable=False
    )

    #: Filter and sort fields: what the admin's brand scoping and sortable columns use while searching.
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.FilterField("id"),
        index.FilterField("name"),
        index.FilterField("slug"),
        index.FilterField("contact_email"),
        index.FilterField("created_at"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("brand")
        verbose_name_plural = _("brands")

    def __str__(self) -> str:
        return self.name


class Catalog(index.Indexed, models.Model):
    """A product line or range within a brand (e.g. "Footwear")."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="catalogs")
    name = models.CharField(_("name"), max_length=255)
    slug = models.SlugField(_("slug"), max_length=80)

    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.FilterField("brand"),
        index.FilterField("name"),
        index.FilterField("slug"),
    ]

    class Meta:
        ordering = ["brand__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "slug"], name="lfcloud_catalog_unique_slug"),
            models.UniqueConstraint(fields=["brand", "name"], name="lfcloud_catalog_unique_name"),
        ]
        verbose_name = _("catalog")
        verbose_name_plural = _("catalogs")

    def __str__(self) -> str:
        return self.name


class Season(index.Indexed, models.Model):
    """A selling season within a brand, e.g. ``SS26`` running from January to June 2026."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="seasons")
    code = models.CharField(
        _("code"),
        max_length=16,
        validators=[
            RegexValidator(r"^[A-Za-z0-9-]+$", _("Use letters, digits and hyphens, e.g. SS26."))
        ],
        help_text=_("Short code such as SS26 or FW25."),
    )
    name = models.CharField(_("name"), max_length=255, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    search_fields = [
        index.SearchField("code"),
        index.SearchField("name"),
        index.AutocompleteField("code"),
        index.AutocompleteField("name"),
        index.FilterField("brand"),
        index.FilterField("code"),
        index.FilterField("name"),
        index.FilterField("starts_on"),
        index.FilterField("ends_on"),
    ]

    class Meta:
        ordering = ["brand__name", "-starts_on", "code"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "code"], name="lfcloud_season_unique_code"),
        ]
        verbose_name = _("season")
        verbose_name_plural = _("seasons")

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The season cannot end before it starts.")})


class Product(index.Indexed, models.Model):
    """A sellable item, identified by its SKU within a brand. Products are how people find assets."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="products")
    sku = models.CharField(_("SKU"), max_length=64, validators=[sku_validator])
    name = models.CharField(_("name"), max_length=255)
    style = models.CharField(_("style"), max_length=128, blank=True)
    colour = models.CharField(_("colour"), max_length=128, blank=True)
    catalog = models.ForeignKey(
        Catalog, on_delete=models.SET_NULL, null=True, blank=True, related_name="products"
    )
    season = models.ForeignKey(
        Season, on_delete=models.SET_NULL, null=True, blank=True, related_name="products"
    )
    asin = models.CharField(
        _("ASIN"),
        max_length=10,
        blank=True,
        validators=[
            RegexValidator(r"^[A-Z0-9]{10}$", _("An ASIN is 10 capital letters or digits."))
        ],
    )
    gtin = models.CharField(
        _("GTIN"),
        max_length=14,
        blank=True,
        validators=[RegexValidator(r"^\d{8}(\d{4,6})?$", _("A GTIN is 8, 12, 13 or 14 digits."))],
    )
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    search_fields = [
        index.SearchField("sku"),
        index.AutocompleteField("sku"),
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("style"),
        index.FilterField("brand"),
        index.FilterField("catalog"),
        index.FilterField("season"),
        # Sortable columns of the product listing.
        index.FilterField("sku"),
        index.FilterField("name"),
        index.FilterField("colour"),
        index.FilterField("updated_at"),
    ]

    class Meta:
        ordering = ["brand__name", "sku"]
        constraints = [
            models.UniqueConstraint("brand", Lower("sku"), name="lfcloud_product_unique_sku_ci"),
        ]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    def clean(self) -> None:
        errors = {}
        if self.catalog_id and self.brand_id and self.catalog.brand_id != self.brand_id:
            errors["catalog"] = _("This catalog belongs to another brand.")
        if self.season_id and self.brand_id and self.season.brand_id != self.brand_id:
            errors["season"] = _("This season belongs to another brand.")
        if self.brand_id and self.sku:
            clash = Product.objects.filter(brand_id=self.brand_id, sku__iexact=self.sku).exclude(
                pk=self.pk
            )
            if clash.exists():
                errors["sku"] = _("This brand already has a product with SKU %(sku)s.") % {
                    "sku": self.sku
                }
        if errors:
            raise ValidationError(errors)
