"""The stable rendition URL: ``/renditions/{brand}/{sku}/{angle}/{channel}``.

It always answers with the *current approved* version's file for that channel, so a storefront
that stores this URL serves v3 the moment v3 is approved, with no change on its side:

* ``302`` to the rendition file, with a short ``Cache-Control: max-age`` so the next approval
  shows up within that time;
* ``202`` with ``Retry-After`` when the version is approved but that channel's file does not exist
  yet: its generation is enqueued (never done on the request) and the client retries;
* ``404`` while nothing is approved (or the brand, SKU or channel is unknown to the token);
* ``409`` when generating the file failed (the error says why, e.g. a corrupt master);
* ``451`` when the usage rights do not allow this delivery now: expired, not started yet, not for
  this channel, or (with ``?territory=DE``) not for that country. The problem document's ``code``
  is ``rights_<verdict>`` (:mod:`wagtail_lfcloud.delivery.rights`) and its ``detail`` says why.

Storefronts hit this URL for every page view, so the answer is cached: the redirect target of
``brand x SKU x angle x channel`` (brand id, version number, file URL) is kept in Django's
default cache for at most ``STABLE_URL_MAX_AGE`` seconds (the time clients may cache the
redirect anyway; at most half ``SIGNED_URL_EXPIRY`` for signed URLs). Any save or delete of a
brand, product, asset, version, channel rendition, image or rendition starts a new cache
generation (:func:`~wagtail_lfcloud.storage.stable_urls.forget_stable_urls`), so with a shared cache (Redis) an approval shows at once;
with a per-process cache other processes see it within the TTL. The token and the user's roles
are read from the database on every request, so revoking a token or a role takes effect at once:
a warm redirect costs those two queries.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from ninja import Router
from wagtail.images import get_image_model

from ..access.capabilities import brand_ids_with
from ..background import queued
from ..channels.lookup import find_rendition_files
from ..channels.registry import get_presets
from ..channels.tasks import build_channel_renditions_task
from ..conf import lfcloud_settings
from ..delivery.rights import deliverable
from ..delivery.usage import count as count_usage
from ..models import (
    Asset,
    AssetVersion,
    Brand,
    ChannelRendition,
    Product,
    UsageKind,
    UsageRights,
    VersionStatus,
)
from ..models.catalog import SKU_RE
from ..storage.stable_urls import forget_stable_urls, generation
from ..video.presets import video_channel_keys
from ..video.tasks import transcode_clip_channels
from .errors import ERROR_RESPONSES, ApiError, ErrorOut
from .schemas import StableRenditionPending, Text
from .scoping import brand_filter

router = Router(tags=["renditions"])

STABLE_RESPONSES = {
    **ERROR_RESPONSES,
    202: StableRenditionPending,
    409: ErrorOut,
    451: ErrorOut,
}


def _enqueue_once(version_id: int, channel: str, retry_after: int) -> None:
    # Clients poll this URL; one enqueue per version x channel per Retry-After window is enough.
    if cache.add(f"wagtail_lfcloud:render:{version_id}:{channel}", 1, timeout=max(retry_after, 1)):
        # A video channel's file is a transcode, on the video queue.
        task = (
            transcode_clip_channels
            if channel in video_channel_keys()
            else build_channel_renditions_task
        )
        transaction.on_commit(lambda: queued(task).enqueue(version_id, [channel]))


def _target_key(brand: str, sku: str, angle: str, channel: str) -> str:
    digest = hashlib.sha1(
        "\x00".join((brand, sku.lower(), angle, channel)).encode(), usedforsecurity=False
    ).hexdigest()
    return f"wagtail_lfcloud:stable:{generation()}:{digest}"


def _target_ttl() -> int:
    return max(
        0,
        min(int(lfcloud_settings.STABLE_URL_MAX_AGE), int(lfcloud_settings.SIGNED_URL_EXPIRY) // 2),
    )


def connect_invalidation() -> None:
    """Forget cached targets whenever a row they are derived from changes (``AppConfig.ready``)."""
    image_model = get_image_model()
    for model in (
        Brand,
        Product,
        Asset,
        AssetVersion,
        ChannelRendition,
        UsageRights,
        image_model,
        image_model.get_rendition_model(),
    ):
        for signal in (post_save, post_delete):
            signal.connect(
                forget_stable_urls,
                sender=model,
                dispatch_uid=f"lfcloud_stable_urls_{signal is post_save}_{model._meta.label}",
            )


def check_channel_and_sku(sku: str, channel: str) -> None:
    """404 for a channel no preset has, 400 for something that is not a SKU."""
    presets = [*get_presets(), *video_channel_keys()]
    if channel not in presets:
        raise ApiError(
            404,
            "unknown_channel",
            f"Unknown channel {channel!r}. Known channels: {', '.join(sorted(presets))}.",
        )
    if not SKU_RE.match(sku):
        raise ApiError(
            400,
            "invalid_sku",
            f"{sku!r} is not a SKU: SKUs are 1-64 ASCII letters, digits or hyphens.",
        )


def approved_version(
    brand_obj, sku: str, angle: str, rights_channel: str | None, territory: str | None = None
):
    """``(version, verdict)``: the current approved version of the brand's SKU/angle, if its
    usage rights allow delivering it to ``rights_channel`` now. Raises :class:`ApiError` 404
    while nothing is approved, 451 outside the rights."""
    version = (
        AssetVersion.objects.select_related("image", "asset__product")
        .filter(
            asset__brand=brand_obj,
            asset__product__sku__iexact=sku,
            asset__angle=angle,
            status=VersionStatus.CURRENT,
        )
        .first()
    )
    if version is None:
        raise ApiError(
            404,
            "not_approved",
            f"Nothing is approved yet for {sku} {angle} of brand {brand_obj.slug!r}.",
        )
    verdict = deliverable(version, rights_channel, territory=territory)
    if not verdict:
        raise ApiError(451, f"rights_{verdict.code}", f"{sku} {angle}: {verdict.reason}")
    return version, verdict


def current_rendition(brand_obj, sku: str, angle: str, channel: str, territory: str | None = None):
    """``(version, rendition, verdict)`` of the current approved version's ``channel`` file.

    ``rendition`` is None while the file does not exist yet (its generation is then enqueued).
    Raises :class:`ApiError`: 404 while nothing is approved, 451 outside the usage rights, 409
    when generating the file failed. Never returns a version that is not the approved one.
    """
    version, verdict = approved_version(brand_obj, sku, angle, channel, territory=territory)

    row = ChannelRendition.objects.filter(version=version, channel=channel).first()
    if row is not None and row.status == ChannelRendition.Status.FAILED:
        raise ApiError(
            409,
            "rendition_failed",
            f"The {channel} file of {sku} {angle} v{version.number} "
            f"could not be made: {row.error or 'unknown error'}",
        )
    rendition = None
    if row is not None and row.status == ChannelRendition.Status.READY:
        row.version = version
        rendition = find_rendition_files([row]).get(row.pk)
    if rendition is None:
        _enqueue_once(version.pk, channel, int(lfcloud_settings.STABLE_URL_RETRY_AFTER))
    return version, rendition, verdict


def pending_response(version, sku: str, angle: str, channel: str) -> HttpResponse:
    """202 + ``Retry-After`` (never cached) while the channel file is being generated."""
    return pending_answer(
        f"The {channel} file of {sku} {angle} v{version.number} is being generated; retry later."
    )


def pending_answer(detail: str) -> HttpResponse:
    """202 + ``Retry-After`` (never cached): the file asked for is being generated."""
    retry_after = int(lfcloud_settings.STABLE_URL_RETRY_AFTER)
    response = HttpResponse(
        StableRenditionPending(
            status="pending", detail=detail, retry_after=retry_after
        ).model_dump_json(),
        status=202,
        content_type="application/json",
    )
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def _redirect(request: HttpRequest, url: str, number: int) -> HttpResponse:
    response = HttpResponseRedirect(request.build_absolute_uri(url))
    response["Cache-Control"] = f"private, max-age={int(lfcloud_settings.STABLE_URL_MAX_AGE)}"
    response["Vary"] = "Authorization"
    response["X-LFCloud-Version"] = str(number)
    return response


@router.get(
    "/renditions/{brand}/{sku}/{angle}/{channel}",
    response=STABLE_RESPONSES,
    summary="Stable URL of the current approved rendition",
    operation_id="stable_rendition",
    url_name="stable_rendition",
    openapi_extra={
        "responses": {
            302: {
                "description": "Redirect to the current approved file for the channel.",
                "headers": {"Location": {"schema": {"type": "string"}}},
            }
        }
    },
)
def stable_rendition(request: HttpRequest, brand: Text, sku: Text, angle: Text, channel: Text):
    """Redirect to the current approved rendition of SKU x angle for a channel."""
    check_channel_and_sku(sku, channel)
    territory = request.GET.get("territory") or None
    key = _target_key(brand, sku, angle, channel)
    cached = None if territory else cache.get(key)
    # A cached target is good until the rights that allowed it expire (then the slow path says 451).
    if cached is not None and len(cached) == 6 and (cached[3] is None or time.time() < cached[3]):
        brand_id, number, url, _expires, version_id, asset_id = cached
        # The same answer brand_filter gives, from the cached brand id: no brand query.
        ids = brand_ids_with(request.user, "view_finals")
        if ids is not None and brand_id not in ids:
            raise ApiError(404, "unknown_brand", f"No brand {brand!r} that this token may access.")
        count_usage(brand_id, asset_id, version_id, channel, UsageKind.STABLE_TOKEN)
        return _redirect(request, url, number)
    brand_obj = brand_filter(request, brand, "view_finals")
    version, rendition, verdict = current_rendition(brand_obj, sku, angle, channel, territory)
    if rendition is None:
        return pending_response(version, sku, angle, channel)

    url = rendition.url
    expires = verdict.rights.expires_at if verdict.rights else None
    if (ttl := _target_ttl()) and not territory:
        cache.set(
            key,
            (
                brand_obj.pk,
                version.number,
                url,
                expires.timestamp() if expires else None,
                version.pk,
                version.asset_id,
            ),
            ttl,
        )
    count_usage(brand_obj.pk, version.asset_id, version.pk, channel, UsageKind.STABLE_TOKEN)
    return _redirect(request, url, version.number)
