"""Admin form bases shared by the package's viewsets."""

from __future__ import annotations

from wagtail.admin.forms import WagtailAdminModelForm

from .access.capabilities import brands_with
from .models import Brand, Catalog, Season


class BrandScopedForm(WagtailAdminModelForm):
    """Limits every brand-bearing choice to brands the editing user may manage.

    Subclasses set ``brand_capability``; fields named ``brand``, ``catalog`` and ``season`` are narrowed.
    """

    brand_capability = "manage_catalog"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self, "for_user", None)
        if user is None:
            return
        brands = brands_with(user, self.brand_capability)
        if "brand" in self.fields:
            self.fields["brand"].queryset = brands
            if brands.count() == 1 and not self.instance.pk:
                self.fields["brand"].initial = brands.first().pk
        if "catalog" in self.fields:
            self.fields["catalog"].queryset = Catalog.objects.filter(brand__in=brands)
        if "season" in self.fields:
            self.fields["season"].queryset = Season.objects.filter(brand__in=brands)

    def clean(self):
        cleaned = super().clean()
        brand: Brand | None = cleaned.get("brand") or getattr(self.instance, "brand", None)
        if brand is not None:
            for name in ("catalog", "season"):
                related = cleaned.get(name)
                if related is not None and related.brand_id != brand.pk:
                    self.add_error(name, f"This {name} belongs to another brand.")
        return cleaned
