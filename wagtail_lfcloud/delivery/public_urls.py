"""Public, signed, CDN-cacheable rendition URLs: ``/lfcloud/public/{brand}/{sku}/{angle}/{channel}/{token}``.

The token-authenticated stable URL (:mod:`wagtail_lfcloud.api.renditions`) needs an
``Authorization`` header, so no CDN may cache it and no ``<img src>`` can use it. A *public* URL
carries its own proof instead: ``token`` is an HMAC-SHA256 (cut to 128 bits, base64url) of the
brand, SKU, angle, channel and optional expiry, keyed with the brand's own
:attr:`~wagtail_lfcloud.models.Brand.public_url_key`. Only the server can make one; changing any
part of the URL breaks it; rotating the brand's key (:func:`rotate_key`) revokes every link at once.

The token sits in the *path*, not in the query string: CDNs key their cache on the path by default
(CloudFront drops query strings unless told otherwise), so a link and its cached answer stay
one-to-one, and purging a link purges exactly its path.

``token`` is ``<signature>`` for a link that never expires, or ``<unix expiry>.<signature>``.

On approval of a new version (``signals.asset_approved``), on a change of an asset's usage rights,
and on rotation, the affected never-expiring links are purged through
:mod:`wagtail.contrib.frontend_cache` when ``WAGTAILFRONTENDCACHE`` is configured. Expiring links
are not enumerable, so the CDN may keep their answer at most ``PUBLIC_URL_EXPIRING_CDN_MAX_AGE``
seconds (see :func:`cache_seconds`).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from wagtail.log_actions import log

from .. import signals
from ..channels.registry import get_presets
from ..conf import lfcloud_settings
from ..models import Asset, Brand, UsageRights, VersionStatus
from ..models.catalog import new_public_url_key
from ..video.presets import video_channel_keys

logger = logging.getLogger(__name__)

URL_NAME = "wagtail_lfcloud:public_rendition"
POSTER_URL_NAME = "wagtail_lfcloud:public_poster"
#: Links purged per call to the frontend cache (one task each).
PURGE_BATCH = 500


def _signature(key: str, brand_id: int, sku: str, angle: str, channel: str, expires: int | None):
    message = "\n".join(
        ("lfcloud-public-rendition", str(brand_id), sku.lower(), angle, channel, str(expires or ""))
    ).encode()
    digest = hmac.new(key.encode(), message, hashlib.sha256).digest()[:16]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_token(brand, sku: str, angle: str, channel: str, expires: int | None = None) -> str:
    """The path token of ``brand``'s link to SKU x angle x channel (``expires``: unix time)."""
    signature = _signature(brand.public_url_key, brand.pk, sku, angle, channel, expires)
    return f"{int(expires)}.{signature}" if expires else signature


@dataclass(frozen=True)
class Checked:
    """What :func:`check_token` found: ``ok``; else ``code`` (``invalid_signature``, ``link_expired``)."""

    ok: bool
    code: str = ""
    expires: int | None = None


def check_token(brand, sku: str, angle: str, channel: str, token: str, now: float | None = None):
    """Whether ``token`` was made by :func:`make_token` with ``brand``'s current key and is not expired.

    The signature is checked first (in constant time), so an expiry can't be tampered with.
    """
    expires_text, _dot, signature = token.rpartition(".")
    expires: int | None = None
    if expires_text:
        if not expires_text.isdigit() or len(expires_text) > 12:
            return Checked(False, "invalid_signature")
        expires = int(expires_text)
    if not signature or len(signature) > 64:
        return Checked(False, "invalid_signature")
    expected = _signature(brand.public_url_key, brand.pk, sku, angle, channel, expires)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        return Checked(False, "invalid_signature")
    if expires is not None and expires <= (time.time() if now is None else now):
        return Checked(False, "link_expired", expires)
    return Checked(True, expires=expires)


def _base_url() -> str:
    base = lfcloud_settings.PUBLIC_URL_BASE or getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""
    return base.rstrip("/")


def public_url(
    brand,
    sku: str,
    angle: str,
    channel: str,
    *,
    expires_at: dt.datetime | None = None,
    expires_in: int | None = None,
) -> str | None:
    """The absolute public URL of SKU x angle x channel of ``brand`` (None if the URLs are not mounted).

    ``expires_at`` (a datetime) or ``expires_in`` (seconds from now) make a link that stops working
    then; without either the link works until the brand's key is rotated.
    """
    expires = None
    if expires_at is not None:
        expires = int(expires_at.timestamp())
    elif expires_in is not None:
        expires = int(time.time()) + int(expires_in)
    token = make_token(brand, sku, angle, channel, expires)
    try:
        path = reverse(URL_NAME, args=[brand.slug, sku, angle, channel, token])
    except NoReverseMatch:
        return None
    return _base_url() + path


def public_poster_url(brand, sku: str, angle: str, channel: str, **expiry) -> str | None:
    """The public URL of the poster frame of a video channel's clip: the clip's link (same
    token, same expiry, keyword arguments as :func:`public_url`) + ``/poster.jpg``."""
    url = public_url(brand, sku, angle, channel, **expiry)
    return None if url is None else url + "/poster.jpg"


# --- the brand's key, cached -------------------------------------------------------------------


def _brand_cache_key(slug: str) -> str:
    return (
        "wagtail_lfcloud:public:brand:"
        + hashlib.sha1(slug.encode(), usedforsecurity=False).hexdigest()
    )


def brand_for_slug(slug: str):
    """The brand (pk, slug and key only) whose slug is ``slug``, or None.

    Kept 60 s in Django's cache: saving or deleting a brand (a key rotation too) forgets it
    (:func:`forget_brand`), so with a shared cache a rotation revokes links at once.
    """
    key = _brand_cache_key(slug)
    found = cache.get(key)
    if found is None:
        brand = Brand.objects.filter(slug=slug).only("pk", "slug", "public_url_key").first()
        found = (brand.pk, brand.slug, brand.public_url_key) if brand else ()
        cache.set(key, found, 60)
    if not found:
        return None
    return Brand(pk=found[0], slug=found[1], public_url_key=found[2])


def forget_brand(sender, instance, **kwargs) -> None:
    """``post_save``/``post_delete`` of a brand: forget its cached key."""
    cache.delete(_brand_cache_key(instance.slug))


# --- cache headers ------------------------------------------------------------------------------


def purging_configured() -> bool:
    """Whether Wagtail's frontend cache is configured (so approvals purge the CDN)."""
    return bool(
        getattr(settings, "WAGTAILFRONTENDCACHE", None)
        or getattr(settings, "WAGTAILFRONTENDCACHE_LOCATION", None)
    )


def cache_seconds(
    *, link_expires: int | None, rights_expire: dt.datetime | None, now: float | None = None
) -> tuple[int, int]:
    """``(max-age, s-maxage)`` of a public answer.

    Browsers keep it ``PUBLIC_URL_MAX_AGE`` seconds (they are never purged). A CDN keeps it
    ``PUBLIC_URL_CDN_MAX_AGE`` seconds when approvals purge it (``WAGTAILFRONTENDCACHE``), else no
    longer than browsers; an expiring link (never purged: not enumerable) at most
    ``PUBLIC_URL_EXPIRING_CDN_MAX_AGE``. Neither outlives the link's expiry or the usage rights.
    """
    now = time.time() if now is None else now
    browser = int(lfcloud_settings.PUBLIC_URL_MAX_AGE)
    shared = int(lfcloud_settings.PUBLIC_URL_CDN_MAX_AGE) if purging_configured() else browser
    if link_expires is not None:
        shared = min(shared, int(lfcloud_settings.PUBLIC_URL_EXPIRING_CDN_MAX_AGE))
    for until in (link_expires, rights_expire.timestamp() if rights_expire else None):
        if until is not None:
            left = max(0, int(until - now))
            browser, shared = min(browser, left), min(shared, left)
    return max(0, browser), max(0, shared)


# --- purging ------------------------------------------------------------------------------------


def channel_keys() -> list[str]:
    """Every channel a public link may name (any preset, photo or video: a missing file is made
    on demand)."""
    return sorted([*get_presets(), *video_channel_keys()])


def asset_urls(asset, brand=None) -> list[str]:
    """The never-expiring public URLs of ``asset`` for every channel (and every video channel's
    poster frame), with ``brand``'s key."""
    brand = brand or asset.brand
    sku = asset.product.sku
    urls = []
    video = set(video_channel_keys())
    for channel in channel_keys():
        url = public_url(brand, sku, asset.angle, channel)
        if url is not None:
            urls.append(url)
            if channel in video:
                urls.append(url + "/poster.jpg")
    return urls


def purge(urls: Iterable[str]) -> int:
    """Purge ``urls`` from the frontend cache (when configured), in batches; returns how many."""
    urls = list(dict.fromkeys(urls))
    if not urls or not purging_configured():
        return 0
    # optional: only when purging is configured (a site need not install
    # wagtail.contrib.frontend_cache).
    from wagtail.contrib.frontend_cache.utils import purge_urls_from_cache

    for start in range(0, len(urls), PURGE_BATCH):
        try:
            purge_urls_from_cache(urls[start : start + PURGE_BATCH])
        except Exception:  # a CDN outage must not fail an approval; the CDN's TTL still applies
            logger.exception("Purging %d public rendition URLs failed", len(urls))
    return len(urls)


def purge_asset(asset) -> int:
    """Purge the never-expiring public URLs of ``asset`` (after commit when in a transaction)."""
    if not purging_configured():
        return 0
    urls = asset_urls(asset)
    transaction.on_commit(lambda: purge(urls))
    return len(urls)


def _current_assets(brand):
    return (
        Asset.objects.filter(brand=brand, versions__status=VersionStatus.CURRENT)
        .select_related("product")
        .distinct()
    )


def rotate_key(brand, user=None) -> int:
    """Give ``brand`` a new public URL key: every link signed with the old one stops working.

    The never-expiring links of the brand's approved assets are purged from the CDN (computed with
    the old key before it is replaced). Returns how many URLs were purged.
    """
    old_urls: list[str] = []
    if purging_configured():
        for asset in _current_assets(brand).iterator(chunk_size=500):
            old_urls.extend(asset_urls(asset, brand))
    with transaction.atomic():
        brand.public_url_key = new_public_url_key()
        brand.public_url_key_rotated_at = timezone.now()
        brand.save(update_fields=["public_url_key", "public_url_key_rotated_at"])
        log(
            instance=brand,
            action="wagtail_lfcloud.public_url_key_rotated",
            user=user,
            data={"purged_urls": len(old_urls)},
        )
        transaction.on_commit(lambda: purge(old_urls))
    return len(old_urls)


# --- signal receivers ---------------------------------------------------------------------------


def on_asset_approved(sender, asset, version, previous=None, **kwargs) -> None:
    """A new current version: the CDN must stop serving the previous one's bytes."""
    purge_asset(asset)


def on_rights_changed(sender, instance, **kwargs) -> None:
    """Rights of an asset or version changed: what may be delivered changed with them."""
    if not purging_configured() or not (instance.asset_id or instance.version_id):
        return
    lookup = {"pk": instance.asset_id} if instance.asset_id else {"versions": instance.version_id}
    asset = Asset.objects.filter(**lookup).select_related("brand", "product").first()
    if asset is not None:  # None: deleted with its asset
        purge_asset(asset)


def connect() -> None:
    """Connect the purges to approvals and rights changes (from ``signal_handlers.connect``)."""

    signals.asset_approved.connect(on_asset_approved, dispatch_uid="lfcloud_public_urls_approved")
    for signal in (post_save, post_delete):
        signal.connect(
            forget_brand,
            sender=Brand,
            dispatch_uid=f"lfcloud_public_urls_brand_{signal is post_save}",
        )
        signal.connect(
            on_rights_changed,
            sender=UsageRights,
            dispatch_uid=f"lfcloud_public_urls_rights_{signal is post_save}",
        )
