"""The asset library: every deliverable's file, by brand, catalog, season, SKU, angle, status and
channel readiness, with thumbnails.

By default it shows current (approved) versions only; superseded and in-review files appear only
when asked for, and only to people who may see drafts. The page runs the same number of queries
whatever the number of assets on it.
"""

from __future__ import annotations

from urllib.parse import urlencode

import django_filters
from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import BaseListingView
from wagtail.images import get_image_model

from ..access.capabilities import brand_ids_with, brands_with
from ..assets.previews import THUMBNAIL_SPEC, existing_preview
from ..conf import lfcloud_settings
from ..delivery.rights import deliverable, rights_for
from ..models import AssetVersion, Catalog, ChannelRendition, Season, VersionStatus

PAGE_SIZE = 48

STATUS_CHOICES = [
    ("current", _("Current (approved)")),
    ("in_review", _("In review")),
    ("changes_requested", _("Changes requested")),
    ("superseded", _("Superseded (archive)")),
    ("all", _("All versions")),
]
READINESS_CHOICES = [
    ("ready", _("All channel files ready")),
    ("missing", _("Channel files missing")),
]


def _angle_choices():
    return [(a, a) for a in lfcloud_settings.ANGLES]


class LibraryFilterSet(WagtailFilterSet):
    """The library's filters, shown in the filter drawer of Wagtail's listings (with active-filter pills).

    Choices are narrowed to what the user may see; people who may not see drafts get no status
    filter (the view says so when a URL asks for one). The filtering itself is
    :func:`library_queryset`, which also scopes by brand whatever the filters.
    """

    brand = django_filters.ModelMultipleChoiceFilter(
        label=_("Brand"),
        queryset=lambda request: brands_with(request.user, "view_finals"),
        widget=forms.CheckboxSelectMultiple,
    )
    catalog = django_filters.ModelMultipleChoiceFilter(
        label=_("Catalog"),
        queryset=lambda request: Catalog.objects.filter(
            brand__in=brands_with(request.user, "view_finals")
        ),
        widget=forms.CheckboxSelectMultiple,
    )
    season = django_filters.ModelMultipleChoiceFilter(
        label=_("Season"),
        queryset=lambda request: Season.objects.filter(
            brand__in=brands_with(request.user, "view_finals")
        ),
        widget=forms.CheckboxSelectMultiple,
    )
    sku = django_filters.CharFilter(label=_("SKU"), help_text=_("Part of a SKU, e.g. NW-20"))
    angle = django_filters.MultipleChoiceFilter(
        label=_("Angle"), choices=_angle_choices, widget=forms.CheckboxSelectMultiple
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=STATUS_CHOICES,
        empty_label=None,
        initial="current",
        widget=forms.RadioSelect,
    )
    channel_readiness = django_filters.ChoiceFilter(
        label=_("Channel files"),
        choices=READINESS_CHOICES,
        empty_label=_("Any"),
        widget=forms.RadioSelect,
    )

    class Meta:
        model = AssetVersion
        fields = ()

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        if not may_see_drafts(request.user):
            del self.filters["status"]
        if brands_with(request.user, "view_finals").count() < 2:
            del self.filters["brand"]  # one brand: nothing to choose

    def filter_queryset(self, queryset):
        # library_queryset() applies the values (and the brand scope) in one place.
        return queryset


def may_see_drafts(user) -> bool:
    return brand_ids_with(user, "view_drafts") != set()


def library_queryset(user, data: dict, queryset=None):
    """The versions the library lists for ``user`` and the filter values in ``data``.

    ``data`` holds cleaned filter values (a brand, catalog or season may be one object or several).
    Whatever ``data`` says, only versions the user may see are listed: current versions of brands
    where they see finals, other statuses only of brands where they see drafts.
    """
    status = data.get("status") or "current"
    if status != "current" and not may_see_drafts(user):
        status = "current"
    finals = brand_ids_with(user, "view_finals")
    drafts = brand_ids_with(user, "view_drafts")
    queryset = AssetVersion.objects.all() if queryset is None else queryset
    if status == "current":
        queryset = queryset.filter(status=VersionStatus.CURRENT)
        allowed = finals
    else:
        if status != "all":
            queryset = queryset.filter(status=status)
        allowed = drafts
    if allowed is not None:
        queryset = queryset.filter(asset__brand_id__in=allowed)
    for name, lookup in (
        ("brand", "asset__brand__in"),
        ("catalog", "asset__product__catalog__in"),
        ("season", "asset__product__season__in"),
        ("angle", "asset__angle__in"),
    ):
        value = data.get(name)
        if value:
            many = (
                value
                if isinstance(value, (list, tuple, set)) or hasattr(value, "model")
                else [value]
            )
            queryset = queryset.filter(**{lookup: many})
    if data.get("sku"):
        queryset = queryset.filter(asset__product__sku__icontains=data["sku"].strip())
    readiness = data.get("channel_readiness")
    if readiness:
        rows = queryset.annotate(
            ready=Count(
                "channel_renditions",
                filter=Q(channel_renditions__status=ChannelRendition.Status.READY),
            )
        ).values_list("pk", "ready", "asset__channels")
        ready_ids = [pk for pk, ready, channels in rows if ready >= len(channels or [])]
        queryset = (
            queryset.filter(pk__in=ready_ids)
            if readiness == "ready"
            else queryset.exclude(pk__in=ready_ids)
        )
    return queryset.order_by("asset__product__sku", "asset__angle", "-number")


def attach_thumbnails(versions) -> None:
    """Set ``version.thumbnail`` to its existing thumbnail, or ``None`` while a task makes it
    (:func:`wagtail_lfcloud.assets.previews.existing_preview`; the page shows a placeholder)."""
    for version in versions:
        version.thumbnail = existing_preview(version.image, THUMBNAIL_SPEC)


class LibraryView(BaseListingView):
    """The library as one of Wagtail's listings: filter drawer, active-filter pills, AJAX results.

    A filter value the user may not use (a status a marketer may not see, a brand they have no role
    on) is not applied, and the page says so; the other filters still apply.
    """

    template_name = "wagtail_lfcloud/library/index.html"
    results_template_name = "wagtail_lfcloud/library/index_results.html"
    page_title = _("Asset library")
    header_icon = "image"
    index_url_name = "wagtail_lfcloud_admin:library"
    index_results_url_name = "wagtail_lfcloud_admin:library_results"
    filterset_class = LibraryFilterSet
    paginate_by = PAGE_SIZE
    verbose_name_plural = _("files")
    context_object_name = "versions"

    def dispatch(self, request, *args, **kwargs):
        if brand_ids_with(request.user, "view_finals") == set():
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    @cached_property
    def refused_filters(self) -> list[str]:
        """Messages for the filter values in the URL that were not applied."""
        return self._filter_data[1]

    @cached_property
    def _filter_data(self):
        data = self.request.GET.copy()
        refused = []
        status = data.get("status")
        if status and status != "current" and not may_see_drafts(self.request.user):
            label = dict(STATUS_CHOICES).get(status, status)
            refused.append(
                _("You see approved files only: the status filter “%(status)s” was not applied.")
                % {"status": label}
            )
            data.pop("status")
        if not data.get("status") and may_see_drafts(self.request.user):
            data["status"] = "current"
        # Any other value that is not one of the user's choices is dropped and named, not silently
        # emptying the whole filter form (which would list everything unfiltered).
        probe = self.filterset_class(data=data, request=self.request)
        if not probe.is_valid():
            for name in list(probe.form.errors):
                label = probe.filters[name].label if name in probe.filters else name
                refused.append(
                    _("The %(filter)s filter was not applied: %(error)s")
                    % {"filter": label, "error": " ".join(probe.form.errors[name])}
                )
                data.pop(name, None)
        return data, refused

    def get_filterset_kwargs(self):
        return {"data": self._filter_data[0], "request": self.request}

    def get_base_queryset(self):
        return AssetVersion.objects.select_related(
            "asset__product__catalog",
            "asset__product__season",
            "asset__brand",
            "approved_task_state__finished_by",
        ).prefetch_related(
            Prefetch(
                "image", queryset=get_image_model().objects.prefetch_renditions(THUMBNAIL_SPEC)
            ),
            Prefetch(
                "channel_renditions",
                queryset=ChannelRendition.objects.only(
                    "pk", "version_id", "channel", "status", "compliance_status", "error"
                ),
            ),
        )

    def filter_queryset(self, queryset):
        filters = self.filters
        data = filters.form.cleaned_data if filters is not None and filters.is_valid() else {}
        return library_queryset(self.request.user, data, queryset)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        versions = context["object_list"]
        drafts = brand_ids_with(self.request.user, "view_drafts")
        attach_thumbnails(versions)
        rights_for(versions)
        for version in versions:
            version.rights_verdict = deliverable(version)
            channels = list(version.asset.channels or [])
            ready = {
                r.channel
                for r in version.channel_renditions.all()
                if r.status == ChannelRendition.Status.READY
            }
            # Ready files the usage rights do not cover for their channel (rights_for cached them).
            blocked = {
                c: v.reason for c in channels if c in ready and not (v := deliverable(version, c))
            }
            version.channels_blocked = [(c, blocked[c]) for c in channels if c in blocked]
            version.channels_ready = [c for c in channels if c in ready and c not in blocked]
            failed = {
                r.channel: r.error
                for r in version.channel_renditions.all()
                if r.status == ChannelRendition.Status.FAILED
            }
            version.channels_failed = [(c, failed[c]) for c in channels if c in failed]
            retrying = {
                r.channel: r.error
                for r in version.channel_renditions.all()
                if r.status == ChannelRendition.Status.PENDING and r.error
            }
            version.channels_retrying = [(c, retrying[c]) for c in channels if c in retrying]
            version.channels_missing = [
                c for c in channels if c not in ready and c not in failed and c not in retrying
            ]
            version.can_review = drafts is None or version.asset.brand_id in drafts
        context["refused_filters"] = self.refused_filters
        context["bundle_url"] = self.bundle_url(versions)
        return context

    def bundle_url(self, versions) -> str | None:
        """A link to a channel bundle of the approved files shown, for people who may download bundles."""
        allowed = brand_ids_with(self.request.user, "download_bundles")
        ids = sorted(
            {
                v.asset_id
                for v in versions
                if v.status == VersionStatus.CURRENT
                and (allowed is None or v.asset.brand_id in allowed)
            }
        )
        if not ids:
            return None
        return (
            reverse("wagtail_lfcloud_admin:bundle_selection")
            + "?"
            + urlencode([("asset", i) for i in ids])
        )


class LibraryMenuItem(MenuItem):
    """Shown to anyone who may see some brand's finals."""

    def is_shown(self, request):
        return brand_ids_with(request.user, "view_finals") != set()


def library_menu_item() -> MenuItem:
    return LibraryMenuItem(
        _("Asset library"),
        reverse("wagtail_lfcloud_admin:library"),
        icon_name="image",
        order=151,
        name="lfcloud-library",
    )
