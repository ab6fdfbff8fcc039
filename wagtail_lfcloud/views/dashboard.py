"""The dashboard panel of newly approved finals: a marketer's first screen.

It lists the most recently approved (current) versions of the brands where the user sees finals,
never a draft and never another brand's file, with their thumbnail (an existing preview, never made
in the request), who approved them and when, and each channel file with its link and stable URL,
plus the way to a channel bundle of them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import Prefetch
from django.template.loader import get_template
from django.urls import NoReverseMatch, reverse
from laces.components import Component
from wagtail.images import get_image_model

from ..access import brand_ids_with
from ..assets.previews import THUMBNAIL_SPEC, existing_preview
from ..channels.lookup import find_rendition_files
from ..delivery.rights import deliverable, rights_for
from ..models import AssetVersion, ChannelRendition, VersionStatus


def stable_path(brand_slug: str, sku: str, angle: str, channel: str) -> str | None:
    """The path of the API's stable rendition URL, or None when the API is not mounted."""
    try:
        return reverse(
            "wagtail_lfcloud:wagtail_lfcloud_api:stable_rendition",
            args=[brand_slug, sku, angle, channel],
        )
    except NoReverseMatch:
        return None


class NewlyApprovedPanel(Component):
    """Dashboard: the latest approved finals of the user's brands, with their channel files."""

    name = "lfcloud_newly_approved"
    template_name = "wagtail_lfcloud/dashboard/panel_newly_approved.html"
    order = 90
    #: How many versions the panel lists.
    limit = 8

    class Media:
        css = {"all": ["wagtail_lfcloud/css/assets.css"]}  # noqa: RUF012

    def __init__(self, request):
        self.request = request
        self.user = request.user

    def get_versions(self) -> list[AssetVersion]:
        finals = brand_ids_with(self.user, "view_finals")
        queryset = AssetVersion.objects.filter(status=VersionStatus.CURRENT)
        if finals is not None:
            queryset = queryset.filter(asset__brand_id__in=finals)
        return list(
            queryset.select_related(
                "asset__product", "asset__brand", "approved_task_state__finished_by"
            )
            .prefetch_related(
                Prefetch(
                    "image",
                    queryset=get_image_model().objects.prefetch_renditions(THUMBNAIL_SPEC),
                ),
                Prefetch(
                    "channel_renditions",
                    queryset=ChannelRendition.objects.select_related("version__image"),
                ),
            )
            .order_by("-status_changed_at", "-pk")[: self.limit]
        )

    def get_context_data(self, parent_context: Any = None) -> dict:
        versions = self.get_versions()
        renditions = [cr for v in versions for cr in v.channel_renditions.all()]
        files = find_rendition_files(
            [cr for cr in renditions if cr.status == ChannelRendition.Status.READY]
        )
        bundles = brand_ids_with(self.user, "download_bundles")
        rights_for(versions)
        for version in versions:
            asset = version.asset
            version.thumbnail = existing_preview(version.image, THUMBNAIL_SPEC)
            by_channel = {cr.channel: cr for cr in version.channel_renditions.all()}
            version.channel_files = []
            for channel in asset.channels or []:
                cr = by_channel.get(channel)
                path = stable_path(asset.brand.slug, asset.product.sku, asset.angle, channel)
                rendition = files.get(cr.pk) if cr is not None else None
                verdict = deliverable(version, channel)
                if not verdict:
                    rendition = None  # outside the usage rights: no download link
                version.channel_files.append(
                    {
                        "channel": channel,
                        "status": cr.status if cr is not None else ChannelRendition.Status.PENDING,
                        "url": rendition.url if rendition is not None else None,
                        "file_name": cr.file_name if cr is not None else "",
                        "stable_url": self.request.build_absolute_uri(path) if path else None,
                        "rights": verdict,
                        "rights_blocked": not verdict,
                    }
                )
            version.may_bundle = bundles is None or asset.brand_id in bundles
            version.bundle_url = _bundle_url([asset.pk]) if version.may_bundle else None
        bundle_ids = sorted({v.asset_id for v in versions if v.may_bundle})
        return {
            "versions": versions,
            "bundle_url": _bundle_url(bundle_ids) if bundle_ids else None,
            "library_url": reverse("wagtail_lfcloud_admin:library"),
        }

    def render_html(self, parent_context: Any = None) -> str:
        return get_template(self.template_name).render(self.get_context_data(parent_context))


def _bundle_url(asset_ids: list[int]) -> str:
    return (
        reverse("wagtail_lfcloud_admin:bundle_selection")
        + "?"
        + urlencode([("asset", pk) for pk in asset_ids])
    )


def dashboard_panels(request, panels: list) -> None:
    """``construct_homepage_panels`` hook body: newly approved finals for people who see finals."""
    if brand_ids_with(request.user, "view_finals") == set():
        return
    panels.append(NewlyApprovedPanel(request))
