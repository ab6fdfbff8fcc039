"""Admin form bases shared by the package's viewsets."""

from __future__ import annotations

from wagtail.admin.forms import WagtailAdminModelForm

from .models import Brand


class BrandScopedForm(WagtailAdminModelForm):
    """A form whose ``catalog`` and ``season`` must belong to its ``brand``.

    Its choices are narrowed by the viewset (:func:`wagtail_lfcloud.access.guards.narrow_choices`:
    rows of brands where the user may do the form's action, per ``MODEL_ACCESS``); a subclass
    that asks more than the model's action sets ``brand_capability``.
    """

    def clean(self):
        cleaned = super().clean()
        brand: Brand | None = cleaned.get("brand") or getattr(self.instance, "brand", None)
        if brand is not None:
            for name in ("catalog", "season"):
                related = cleaned.get(name)
                if related is not None and related.brand_id != brand.pk:
                    self.add_error(name, f"This {name} belongs to another brand.")
        return cleaned
