"""``/assets`` and ``/versions/{id}/renditions``: approved files, and drafts for roles that may see them.

A token whose user only has ``view_finals`` on a brand (a marketer) sees that brand's assets that
have an approved version, with that version only; ``view_drafts`` (brand admin, approver, studio)
adds assets still in production and every version of each.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router

from ..access import get_for_user_or_404
from ..access.capabilities import brand_ids_with, has_capability
from ..channels.lookup import find_rendition_files
from ..channels.registry import get_presets
from ..delivery.public_urls import public_url
from ..delivery.rights import deliverable, effective_rights, rights_for, verdict_changed_at
from ..delivery.usage import count as count_usage
from ..models import Asset, AssetVersion, ChannelRendition, UsageKind, VersionStatus
from ..video.presets import get_video_presets
from .errors import ERROR_RESPONSES, ApiError
from .responses import Page, conditional_json, latest, paginate
from .schemas import AssetOut, Id, PageNumber, Text, VersionRenditionsOut
from .scoping import brand_filter, scoped

router = Router(tags=["assets"])


def _may_see_drafts(drafts: set[int] | None, brand_id: int) -> bool:
    return drafts is None or brand_id in drafts


#: What a listing reads of versions and their images (images have many columns; pages have hundreds of rows).
VERSION_FIELDS = (
    "id",
    "asset_id",
    "number",
    "status",
    "period",
    "uploaded_at",
    "status_changed_at",
    "image_id",
    "image__id",
    "image__width",
    "image__height",
)
ASSET_FIELDS = (
    "id",
    "brand_id",
    "brand__slug",
    "product_id",
    "product__sku",
    "angle",
    "channels",
    "updated_at",
)


def _visible_versions(drafts: set[int] | None):
    qs = AssetVersion.objects.select_related("image").only(*VERSION_FIELDS).order_by("-number")
    if drafts is None:
        return qs
    return qs.filter(Q(status=VersionStatus.CURRENT) | Q(asset__brand_id__in=drafts))


def visible_assets(request: HttpRequest):
    """Assets the token may see, with ``versions`` prefetched to the ones it may see."""
    drafts = brand_ids_with(request.user, "view_drafts")
    finals = brand_ids_with(request.user, "view_finals")
    qs = scoped(
        request, Asset.objects.select_related("brand", "product").only(*ASSET_FIELDS), "view_finals"
    )
    # Only brands seen without drafts need the "has an approved version" test.
    if drafts is not None and not (finals is not None and finals <= drafts):
        has_current = AssetVersion.objects.filter(
            asset=OuterRef("pk"), status=VersionStatus.CURRENT
        )
        qs = qs.filter(Q(brand_id__in=drafts) | Exists(has_current))
    return qs.prefetch_related(
        Prefetch("versions", queryset=_visible_versions(drafts), to_attr="visible_versions")
    )


def version_out(request: HttpRequest, version: AssetVersion) -> dict:
    image = version.image
    return {
        "id": version.pk,
        "number": version.number,
        "status": version.status,
        "period": version.period,
        "width": getattr(image, "width", None),
        "height": getattr(image, "height", None),
        "uploaded_at": version.uploaded_at,
        "status_changed_at": version.status_changed_at,
        "renditions_url": _renditions_url(request, version.pk),
    }


def _renditions_url(request: HttpRequest, version_id: int) -> str:
    # Reversed once per request (a page holds hundreds of versions); works under the package's
    # own API and under Wagtail's v3 API alike.
    template = getattr(request, "_lfcloud_renditions_url", None)
    if template is None:
        namespace = request.resolver_match.namespace if request.resolver_match else ""
        path = reverse(
            f"{namespace}:version_renditions" if namespace else "version_renditions",
            args=[987654321],
        )
        template = request.build_absolute_uri(path).replace("987654321", "{}")
        request._lfcloud_renditions_url = template
    return template.format(version_id)


def _current(asset: Asset) -> AssetVersion | None:
    return next((v for v in asset.visible_versions if v.status == VersionStatus.CURRENT), None)


def _with_rights(assets: list[Asset]) -> list[Asset]:
    """Load the usage rights of the assets' current versions in one query."""
    rights_for([v for a in assets if (v := _current(a)) is not None])
    return assets


def asset_out(request: HttpRequest, asset: Asset, drafts: set[int] | None) -> dict:
    versions = asset.visible_versions
    current = _current(asset)
    return {
        "id": asset.pk,
        "brand": asset.brand.slug,
        "product_id": asset.product_id,
        "sku": asset.product.sku,
        "angle": asset.angle,
        "channels": list(asset.channels or []),
        "updated_at": asset.updated_at,
        "current_version": version_out(request, current) if current else None,
        "versions": [version_out(request, v) for v in versions]
        if _may_see_drafts(drafts, asset.brand_id)
        else None,
        "rights": deliverable(current).as_dict() if current else None,
    }


def _asset_changed(asset: Asset) -> dt.datetime:
    current = _current(asset)
    rights = verdict_changed_at(effective_rights(current)) if current else None
    return max(
        [asset.updated_at, *(v.status_changed_at for v in asset.visible_versions)]
        + ([rights] if rights else [])
    )


@router.get(
    "/assets",
    response={200: Page[AssetOut], 304: None, **ERROR_RESPONSES},
    summary="List assets with their approved version",
    operation_id="list_assets",
)
def list_assets(
    request: HttpRequest,
    brand: Text | None = Query(None, description="Brand slug."),
    product: Id | None = Query(None, description="Product id."),
    sku: Text | None = Query(None, description="Exact SKU (case-insensitive)."),
    angle: Text | None = Query(None),
    approved: bool | None = Query(
        None, description="true: only assets with an approved version; false: only without."
    ),
    updated_since: dt.datetime | None = Query(
        None, description="Only assets changed (or with a version changed) at or after this time."
    ),
    limit: PageNumber | None = Query(None),
    offset: PageNumber = Query(0),
    cursor: Text | None = Query(
        None, description="next_cursor of the previous page (instead of offset, for syncs)."
    ),
):
    """Assets of the brands the token may see, oldest change first."""
    drafts = brand_ids_with(request.user, "view_drafts")
    qs = visible_assets(request)
    if (b := brand_filter(request, brand, "view_finals")) is not None:
        qs = qs.filter(brand=b)
    if product is not None:
        qs = qs.filter(product_id=product)
    if sku is not None:
        qs = qs.filter(product__sku__iexact=sku)
    if angle is not None:
        qs = qs.filter(angle=angle)
    if approved is not None:
        current = AssetVersion.objects.filter(asset=OuterRef("pk"), status=VersionStatus.CURRENT)
        qs = qs.filter(Exists(current)) if approved else qs.exclude(Exists(current))
    if updated_since is not None:
        if updated_since.tzinfo is None:
            raise ApiError(
                400, "naive_datetime", "updated_since needs a time zone, e.g. 2026-01-31T12:00:00Z."
            )
        changed = AssetVersion.objects.filter(
            asset=OuterRef("pk"), status_changed_at__gte=updated_since
        )
        qs = qs.filter(Q(updated_at__gte=updated_since) | Exists(changed))
    qs = qs.order_by("updated_at", "pk")
    page, rows = paginate(
        request,
        qs,
        limit,
        offset,
        lambda rows: [asset_out(request, a, drafts) for a in _with_rights(rows)],
        cursor=cursor,
    )
    return conditional_json(
        request,
        page,
        last_modified=latest(_asset_changed(a) for a in rows),
        honour_if_modified_since=False,
    )


@router.get(
    "/assets/{asset_id}",
    response={200: AssetOut, 304: None, **ERROR_RESPONSES},
    summary="One asset",
    operation_id="get_asset",
)
def get_asset(request: HttpRequest, asset_id: Id):
    asset = get_for_user_or_404(
        request.user,
        visible_assets(request),
        asset_id,
        "view_finals",
        message=f"No asset {asset_id} that this token may see.",
    )
    drafts = brand_ids_with(request.user, "view_drafts")
    return conditional_json(
        request, asset_out(request, asset, drafts), last_modified=_asset_changed(asset)
    )


def rendition_out(
    cr: ChannelRendition, rendition, labels: dict[str, str], share_public: bool = False
) -> dict:
    checks = list(cr.compliance or [])
    # Outside the usage rights, the file is not delivered: no URL.
    verdict = deliverable(cr.version, cr.channel)
    version = cr.version
    public = None
    if share_public and verdict and version.status == VersionStatus.CURRENT:
        asset = version.asset
        public = public_url(asset.brand, asset.product.sku, asset.angle, cr.channel)
    return {
        "channel": cr.channel,
        "label": labels.get(cr.channel, cr.channel),
        "status": cr.status
        if rendition is not None or cr.status != ChannelRendition.Status.READY
        else "pending",
        "url": rendition.url if rendition is not None and verdict else None,
        "poster_url": getattr(rendition, "poster_url", None) if verdict else None,
        "public_url": public,
        # A clip's poster frame at its public link + /poster.jpg (views/public.py).
        "public_poster_url": public + "/poster.jpg" if public and cr.poster else None,
        "width": cr.width,
        "height": cr.height,
        "bytes": cr.file_size,
        "format": cr.format,
        "file_name": cr.file_name,
        "compliance": {
            "status": cr.compliance_status,
            "failures": sum(1 for c in checks if c.get("status") == "fail"),
            "warnings": sum(1 for c in checks if c.get("status") == "warn"),
            "checks": checks,
        },
        "updated_at": cr.updated_at,
        "rights": verdict.as_dict(),
    }


@router.get(
    "/versions/{version_id}/renditions",
    response={200: VersionRenditionsOut, 304: None, **ERROR_RESPONSES},
    summary="A version's channel renditions",
    operation_id="version_renditions",
    url_name="version_renditions",
)
def version_renditions(request: HttpRequest, version_id: Id):
    """URL, size, bytes, format and compliance of each channel file of a version."""
    drafts = brand_ids_with(request.user, "view_drafts")
    versions = scoped(
        request,
        AssetVersion.objects.select_related("image", "asset__brand", "asset__product"),
        "view_finals",
        "asset__brand",
    )
    if drafts is not None:
        versions = versions.filter(Q(status=VersionStatus.CURRENT) | Q(asset__brand_id__in=drafts))
    version = get_for_user_or_404(
        request.user,
        versions,
        version_id,
        "view_finals",
        message=f"No version {version_id} that this token may see.",
    )
    rows = list(version.channel_renditions.order_by("channel"))
    for row in rows:
        row.version = version
    files = find_rendition_files(rows)
    labels = {key: preset.label for key, preset in (get_presets() | get_video_presets()).items()}
    share_public = has_capability(request.user, version.asset.brand_id, "share_public_links")
    data = {
        "asset_id": version.asset_id,
        "version": version_out(request, version),
        "renditions": [rendition_out(cr, files.get(cr.pk), labels, share_public) for cr in rows],
    }
    for item in data["renditions"]:
        if item["url"]:
            count_usage(
                version.asset.brand_id,
                version.asset_id,
                version.pk,
                item["channel"],
                UsageKind.API_FETCH,
            )
    rights_at = verdict_changed_at(effective_rights(version))
    # A key rotation changes every public_url: it must change the Last-Modified too.
    rotated = version.asset.brand.public_url_key_rotated_at
    changed = latest(
        [version.status_changed_at, *(cr.updated_at for cr in rows)]
        + ([rights_at] if rights_at else [])
        + ([rotated] if rotated else [])
    )
    return conditional_json(request, data, last_modified=changed)
