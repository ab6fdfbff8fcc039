"""Editing usage rights: an asset's rights, one version's override, and an order's default rights.

Brand admins (``manage_rights``) edit the rights of assets and versions; brand admins and studios
(``produce_orders``) set an order's default rights, which every asset the order produces inherits
at its first upload (:func:`wagtail_lfcloud.delivery.rights.inherit_order_rights`). Each change is
written to the audit log as ``wagtail_lfcloud.rights_changed`` with the fields before and after.
"""

from __future__ import annotations

import re

from django import forms
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from laces.components import Component
from wagtail.admin import messages
from wagtail.admin.widgets import AdminDateTimeInput
from wagtail.documents import get_document_model
from wagtail.models import Collection

from ..access.capabilities import brand_ids_with
from ..access.scoping import get_for_user_or_404
from ..channels.registry import get_presets
from ..delivery.rights import log_rights_change, snapshot
from ..models import Asset, BrandCollection, Order, UsageRights
from ..models.rights import RELEASE_FIELDS
from ..notifications import warning_window
from .base import LFCloudPageMixin

TERRITORY_RE = re.compile(r"^[A-Z]{2}$")


def brand_documents(brand_id: int):
    """Documents in the brand's collection tree (the only releases its rights may point to)."""
    tops = BrandCollection.objects.filter(brand_id=brand_id, stage="").values_list(
        "collection__path", flat=True
    )
    collections = Collection.objects.none()
    for path in tops:
        collections = collections | Collection.objects.filter(path__startswith=path)
    return get_document_model().objects.filter(collection__in=collections).order_by("title")


class RightsForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("Allowed channels"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every channel."),
    )
    territories = forms.CharField(
        label=gettext_lazy("Territories"),
        required=False,
        help_text=gettext_lazy(
            "ISO country codes separated by commas (DE, AT, CH); empty: worldwide."
        ),
    )

    class Meta:
        model = UsageRights
        fields = [
            "channels",
            "territories",
            "starts_at",
            "expires_at",
            "licensor",
            "reference",
            *RELEASE_FIELDS,
            "notes",
        ]
        widgets = {
            "starts_at": AdminDateTimeInput,
            "expires_at": AdminDateTimeInput,
            "notes": forms.Textarea(attrs={"rows": 3}),
            **dict.fromkeys(RELEASE_FIELDS, forms.CheckboxSelectMultiple),
        }

    def __init__(self, *args, brand_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channels"].choices = [
            (key, f"{preset.label} ({key})") for key, preset in sorted(get_presets().items())
        ]
        self.initial["territories"] = ", ".join(self.instance.territories or [])
        documents = brand_documents(brand_id)
        for name in RELEASE_FIELDS:
            self.fields[name].queryset = documents
            self.fields[name].help_text = _("Documents of the brand's collections.")

    def clean_territories(self) -> list[str]:
        raw = self.cleaned_data.get("territories") or ""
        codes = [c.strip().upper() for c in re.split(r"[,\s]+", raw) if c.strip()]
        bad = [c for c in codes if not TERRITORY_RE.match(c)]
        if bad:
            raise forms.ValidationError(
                _("Not an ISO country code: %(codes)s.") % {"codes": ", ".join(bad)}
            )
        return sorted(set(codes))

    def clean(self):
        cleaned = super().clean()
        starts, expires = cleaned.get("starts_at"), cleaned.get("expires_at")
        if starts and expires and starts >= expires:
            self.add_error("expires_at", _("The rights must expire after they start."))
        return cleaned


class _RightsEditView(LFCloudPageMixin, FormView):
    template_name = "wagtail_lfcloud/rights/edit.html"
    form_class = RightsForm
    header_icon = "doc-full"

    #: Set by dispatch: the brand, the owner kwargs of the row, the object the log line goes on.
    brand_id: int
    owner: dict
    log_target: object
    scope: str

    def get_rights(self) -> UsageRights | None:
        return UsageRights.objects.filter(**self.owner).first()

    def get_form_kwargs(self):
        self.rights = self.get_rights()
        # Before the form binds: validation writes the posted values onto the instance.
        self.before = snapshot(self.rights)
        instance = self.rights or UsageRights(brand_id=self.brand_id, **self.owner)
        return {**super().get_form_kwargs(), "instance": instance, "brand_id": self.brand_id}

    def form_valid(self, form):
        with transaction.atomic():
            if self.request.POST.get("remove") and self.rights is not None:
                self.rights.delete()
                after = {}
                messages.success(self.request, _("The usage rights were removed."))
            else:
                rights = form.save(commit=False)
                rights.updated_by = self.request.user
                rights.save()
                form.save_m2m()
                after = snapshot(rights)
                messages.success(self.request, _("The usage rights were saved."))
            log_rights_change(self.log_target, self.scope, self.before, after, self.request.user)
        return redirect(self.get_success_url())

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "rights": self.rights, "scope": self.scope}


class AssetRightsView(_RightsEditView):
    """The rights of an asset, or with ``?version=N`` the override of its version N."""

    def dispatch(self, request, *args, **kwargs):
        self.asset = get_for_user_or_404(
            request.user,
            Asset.objects.select_related("product", "brand"),
            kwargs["pk"],
            "manage_rights",
        )
        self.brand_id = self.asset.brand_id
        self.log_target = self.asset
        self.version = None
        number = request.GET.get("version", "")
        if number:
            self.version = (
                self.asset.versions.filter(number=number).first() if number.isdigit() else None
            )
            if self.version is None:
                raise Http404(_("No such version."))
            self.owner = {"version": self.version}
            self.scope = f"version {self.version.number}"
        else:
            self.owner = {"asset": self.asset}
            self.scope = "asset"
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        if self.version is not None:
            return _("Usage rights of %(asset)s v%(n)s") % {
                "asset": self.asset,
                "n": self.version.number,
            }
        return _("Usage rights of %(asset)s") % {"asset": self.asset}

    def get_success_url(self):
        return reverse("wagtail_lfcloud_admin:asset_review", args=[self.asset.pk]) + (
            f"?version={self.version.number}" if self.version else ""
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.version is not None:
            context["inherited"] = UsageRights.objects.filter(asset=self.asset).first()
        return context


class OrderRightsView(_RightsEditView):
    """The default rights of an order: what every asset it produces inherits at its first upload."""

    def dispatch(self, request, *args, **kwargs):
        self.order = get_for_user_or_404(
            request.user, Order.objects.select_related("brand"), kwargs["pk"], "produce_orders"
        )
        self.brand_id = self.order.brand_id
        self.log_target = self.order
        self.owner = {"order": self.order}
        self.scope = "order defaults"
        return super().dispatch(request, *args, **kwargs)

    def get_page_title(self):
        return _("Default usage rights of order %(order)s") % {
            "order": self.order.number or self.order.pk
        }

    def get_success_url(self):
        return reverse("wagtail_lfcloud_admin:order_detail", args=[self.order.pk])


class RightsExpiringPanel(Component):
    """Dashboard: usage rights of the user's brands that expire soon (or just did)."""

    name = "lfcloud_rights_expiring"
    template_name = "wagtail_lfcloud/rights/panel_expiring.html"
    order = 95
    #: How many rows the panel lists.
    limit = 10

    def __init__(self, request, rows: list[UsageRights], total: int):
        self.request = request
        self.rows = rows
        self.total = total

    def get_context_data(self, parent_context=None) -> dict:

        now = timezone.now()
        drafts = brand_ids_with(self.request.user, "view_drafts")
        items = []
        for rights in self.rows:
            asset = rights.version.asset if rights.version_id else rights.asset
            items.append(
                {
                    "rights": rights,
                    "asset": asset,
                    "version": rights.version,
                    "expired": rights.expires_at <= now,
                    "url": reverse("wagtail_lfcloud_admin:asset_review", args=[asset.pk])
                    if drafts is None or asset.brand_id in drafts
                    else "",
                }
            )
        return {"items": items, "total": self.total, "days": warning_window().days}


def expiring_rights(user, now=None):
    """Rights of assets and versions of ``user``'s brands expiring within the warning window or
    expired within the same number of days, soonest first."""

    now = now or timezone.now()
    window = warning_window()
    rows = UsageRights.objects.filter(
        order__isnull=True,
        expires_at__gt=now - window,
        expires_at__lte=now + window,
    )
    finals = brand_ids_with(user, "view_finals")
    if finals is not None:
        rows = rows.filter(brand_id__in=finals)
    return rows.select_related(
        "asset__product", "asset__brand", "version__asset__product", "version__asset__brand"
    ).order_by("expires_at", "pk")


def dashboard_panels(request, panels: list) -> None:
    """``construct_homepage_panels`` hook body: the rights expiring soon, for people who see finals."""
    if brand_ids_with(request.user, "view_finals") == set():
        return
    rows = expiring_rights(request.user)
    total = rows.count()
    if total:
        panels.append(RightsExpiringPanel(request, list(rows[: RightsExpiringPanel.limit]), total))
