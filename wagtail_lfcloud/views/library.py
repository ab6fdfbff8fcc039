"""The asset library: every deliverable's file, by brand, catalog, season, SKU, angle, status and
channel readiness, with thumbnails.

By default it shows current (approved) versions only; superseded and in-review files appear only
when asked for, and only to people who may see drafts. The page runs the same number of queries
whatever the number of assets on it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.images import get_image_model

from ..conf import lfcloud_settings
from ..models import AssetVersion, Catalog, ChannelRendition, Season, VersionStatus
from ..permissions import brand_ids_with, brands_with
from ..previews import THUMBNAIL_SPEC, existing_preview
from .base import LFCloudPageMixin

#: Thumbnail spec of the library (the same Wagtail's image listing uses, pre-generated on upload).
PAGE_SIZE = 48

STATUS_CHOICES = [
    ("current", _("Current (approved)")),
    ("in_review", _("In review")),
    ("changes_requested", _("Changes requested")),
    ("superseded", _("Superseded (archive)")),
    ("all", _("All versions")),
]
READINESS_CHOICES = [("", _("Any")), ("ready", _("All channel files ready")), ("missing", _("Channel files missing"))]


class LibraryFilterForm(forms.Form):
    brand = forms.ModelChoiceField(queryset=None, required=False, label=_("Brand"))
    catalog = forms.ModelChoiceField(queryset=None, required=False, label=_("Catalog"))
    season = forms.ModelChoiceField(queryset=None, required=False, label=_("Season"))
    sku = forms.CharField(required=False, label=_("SKU"))
    angle = forms.ChoiceField(required=False, label=_("Angle"))
    status = forms.ChoiceField(required=False, label=_("Status"), choices=STATUS_CHOICES)
    channel_readiness = forms.ChoiceField(required=False, label=_("Channel files"), choices=READINESS_CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        brands = brands_with(user, "view_finals")
        self.fields["brand"].queryset = brands
        self.fields["catalog"].queryset = Catalog.objects.filter(brand__in=brands)
        self.fields["season"].queryset = Season.objects.filter(brand__in=brands)
        self.fields["angle"].choices = [("", _("Any"))] + [(a, a) for a in lfcloud_settings.ANGLES]
        if brand_ids_with(user, "view_drafts") == set():
            # Marketers see approved finals only.
            self.fields["status"].choices = STATUS_CHOICES[:1]


def library_queryset(user, data: dict):
    """The versions the library lists for ``user`` and the filter values in ``data``."""
    status = data.get("status") or "current"
    finals = brand_ids_with(user, "view_finals")
    drafts = brand_ids_with(user, "view_drafts")
    queryset = AssetVersion.objects.all()
    if status == "current":
        queryset = queryset.filter(status=VersionStatus.CURRENT)
        allowed = finals
    else:
        if status != "all":
            queryset = queryset.filter(status=status)
        allowed = drafts
    if allowed is not None:
        queryset = queryset.filter(asset__brand_id__in=allowed)
    if data.get("brand"):
        queryset = queryset.filter(asset__brand=data["brand"])
    if data.get("catalog"):
        queryset = queryset.filter(asset__product__catalog=data["catalog"])
    if data.get("season"):
        queryset = queryset.filter(asset__product__season=data["season"])
    if data.get("sku"):
        queryset = queryset.filter(asset__product__sku__icontains=data["sku"].strip())
    if data.get("angle"):
        queryset = queryset.filter(asset__angle=data["angle"])
    readiness = data.get("channel_readiness")
    if readiness:
        rows = queryset.annotate(
            ready=Count("channel_renditions", filter=Q(channel_renditions__status=ChannelRendition.Status.READY))
        ).values_list("pk", "ready", "asset__channels")
        ready_ids = [pk for pk, ready, channels in rows if ready >= len(channels or [])]
        queryset = queryset.filter(pk__in=ready_ids) if readiness == "ready" else queryset.exclude(pk__in=ready_ids)
    return queryset.order_by("asset__product__sku", "asset__angle", "-number")


def attach_thumbnails(versions) -> None:
    """Set ``version.thumbnail`` to its existing thumbnail, or ``None`` while a task makes it
    (:func:`wagtail_lfcloud.previews.existing_preview`; the page shows a placeholder)."""
    for version in versions:
        version.thumbnail = existing_preview(version.image, THUMBNAIL_SPEC)


class LibraryView(LFCloudPageMixin, TemplateView):
    template_name = "wagtail_lfcloud/library/index.html"
    page_title = _("Asset library")
    header_icon = "image"

    def dispatch(self, request, *args, **kwargs):
        if brand_ids_with(request.user, "view_finals") == set():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = LibraryFilterForm(self.request.GET or None, user=self.request.user)
        data = form.cleaned_data if form.is_bound and form.is_valid() else {}
        queryset = library_queryset(self.request.user, data).select_related(
            "asset__product__catalog", "asset__product__season", "asset__brand", "approved_task_state__finished_by"
        ).prefetch_related(
            Prefetch("image", queryset=get_image_model().objects.prefetch_renditions(THUMBNAIL_SPEC)),
            Prefetch("channel_renditions", queryset=ChannelRendition.objects.only(
                "pk", "version_id", "channel", "status", "compliance_status", "error")),
        )
        page = Paginator(queryset, PAGE_SIZE).get_page(self.request.GET.get("p"))
        drafts = brand_ids_with(self.request.user, "view_drafts")
        attach_thumbnails(page.object_list)
        for version in page.object_list:
            channels = list(version.asset.channels or [])
            ready = {r.channel for r in version.channel_renditions.all() if r.status == ChannelRendition.Status.READY}
            version.channels_ready = [c for c in channels if c in ready]
            failed = {r.channel: r.error for r in version.channel_renditions.all()
                      if r.status == ChannelRendition.Status.FAILED}
            version.channels_failed = [(c, failed[c]) for c in channels if c in failed]
            retrying = {r.channel: r.error for r in version.channel_renditions.all()
                        if r.status == ChannelRendition.Status.PENDING and r.error}
            version.channels_retrying = [(c, retrying[c]) for c in channels if c in retrying]
            version.channels_missing = [c for c in channels if c not in ready and c not in failed and c not in retrying]
            version.can_review = drafts is None or version.asset.brand_id in drafts
        query = self.request.GET.copy()
        query.pop("p", None)
        context.update(form=form, page=page, versions=page.object_list, query=query.urlencode())
        context["bundle_url"] = self.bundle_url(page.object_list)
        return context

    def bundle_url(self, versions) -> str | None:
        """A link to a channel bundle of the approved files shown, for people who may download bundles."""
        allowed = brand_ids_with(self.request.user, "download_bundles")
        ids = sorted({
            v.asset_id for v in versions
            if v.status == VersionStatus.CURRENT and (allowed is None or v.asset.brand_id in allowed)
        })
        if not ids:
            return None
        return reverse("wagtail_lfcloud_admin:bundle_selection") + "?" + urlencode([("asset", i) for i in ids])


class LibraryMenuItem(MenuItem):
    """Shown to anyone who may see some brand's finals."""

    def is_shown(self, request):
        return brand_ids_with(request.user, "view_finals") != set()


def library_menu_item() -> MenuItem:
    return LibraryMenuItem(_("Asset library"), reverse("wagtail_lfcloud_admin:library"), icon_name="image",
                           order=151, name="lfcloud-library")
