"""The public signed rendition URL: ``/lfcloud/public/{brand}/{sku}/{angle}/{channel}/{token}``.

No login and no API token: the ``token`` in the path is the brand's HMAC of the rest of the URL
(:mod:`wagtail_lfcloud.delivery.public_urls`), so the URL can go into an ``<img src>`` or a product
feed and a CDN can cache it. Answers:

* ``200`` with the **bytes** of the current approved version's channel file, ``Cache-Control:
  public, max-age=…, s-maxage=…`` and an ``ETag`` (``304`` to ``If-None-Match``); a video
  channel's clip answers ``Range`` requests too (``206``, ``Accept-Ranges: bytes``: players
  fetch a clip in pieces and seek), and ``…/{token}/poster.jpg`` is its poster frame;
* ``202`` + ``Retry-After`` (``no-store``) while that file is being generated;
* ``403 invalid_signature`` when the token does not match (tampered URL, another brand's token,
  a key rotated since), ``410 link_expired`` past the link's expiry;
* ``404`` while nothing is approved or for an unknown channel, ``409`` when the file could not be
  made, ``451 rights_<verdict>`` outside the usage rights (no image).

Every refusal is an ``application/problem+json`` document with ``Cache-Control: no-store``, so a
CDN never keeps one. Why bytes and not a redirect to the rendition file: the CDN then caches the
image itself at the edge (with a redirect it caches a few hundred bytes and every view still
travels to the storage's own host); the storefront gets one request instead of two; a product
feed (Google Merchant, marketplaces) gets an image URL that is not a redirect; and a private
rendition storage works too, since no storage URL is handed out. Origin traffic stays at one
fetch per file per CDN edge per purge.
"""

from __future__ import annotations

import hashlib
import mimetypes
import posixpath

from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import content_disposition_header, http_date, parse_etags
from django.views.decorators.http import require_safe

from ..api.errors import ApiError, problem
from ..api.renditions import check_channel_and_sku, current_rendition, pending_response
from ..channels.lookup import ClipFile
from ..delivery.public_urls import brand_for_slug, cache_seconds, check_token
from ..delivery.usage import count as count_usage
from ..models import UsageKind
from .video import serve_range


def _refuse(status: int, code: str, detail: str, headers: dict | None = None) -> HttpResponse:
    response = problem(status, code, detail, headers=headers)
    response["Cache-Control"] = "no-store"
    return response


def _etag(version, rendition, channel: str, poster: bool = False) -> str:
    name = rendition.channel_rendition.poster.name if poster else rendition.file.name
    digest = hashlib.sha256(f"{version.pk}:{channel}:{name}".encode()).hexdigest()[:20]
    return f'"{version.number}-{digest}"'


@require_safe
def public_rendition(
    request: HttpRequest, brand: str, sku: str, angle: str, channel: str, token: str
) -> HttpResponse:
    """The bytes of the current approved rendition of SKU x angle for a channel, for anyone with
    a link the brand signed."""
    return _public(request, brand, sku, angle, channel, token)


@require_safe
def public_poster(
    request: HttpRequest, brand: str, sku: str, angle: str, channel: str, token: str
) -> HttpResponse:
    """The poster frame (JPEG) of the current approved clip of SKU x angle for a video channel,
    with the clip's own link + ``/poster.jpg``."""
    return _public(request, brand, sku, angle, channel, token, poster=True)


def _public(request, brand, sku, angle, channel, token, *, poster: bool = False) -> HttpResponse:
    brand_obj = brand_for_slug(brand)
    checked = check_token(brand_obj, sku, angle, channel, token) if brand_obj else None
    if checked is None or (not checked.ok and checked.code == "invalid_signature"):
        return _refuse(
            403,
            "invalid_signature",
            "This link's signature does not match: the URL was changed, or the brand rotated its "
            "public URL key. Ask the brand for a new link.",
        )
    if not checked.ok:
        return _refuse(
            410,
            "link_expired",
            f"This link expired at {http_date(checked.expires)}. Ask the brand for a new link.",
        )
    try:
        check_channel_and_sku(sku, channel)
        version, rendition, verdict = current_rendition(brand_obj, sku, angle, channel)
    except ApiError as error:
        return _refuse(error.status_code, error.code, error.detail, error.headers)
    if rendition is None:
        return pending_response(version, sku, angle, channel)
    clip = isinstance(rendition, ClipFile)
    if poster and not (clip and rendition.channel_rendition.poster):
        return _refuse(
            404,
            "no_poster",
            f"The {channel} file of {sku} {angle} is not a video clip with a poster frame.",
        )

    rights_expire = verdict.rights.expires_at if verdict.rights else None
    max_age, s_maxage = cache_seconds(link_expires=checked.expires, rights_expire=rights_expire)
    headers = {
        "ETag": _etag(version, rendition, channel, poster),
        "Cache-Control": f"public, max-age={max_age}, s-maxage={s_maxage}",
        "X-LFCloud-Version": str(version.number),
    }
    if headers["ETag"] in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponseNotModified()
    else:
        field = rendition.channel_rendition.poster if poster else rendition.file
        try:
            handle = field.storage.open(field.name, "rb")
            size = field.storage.size(field.name) if clip and not poster else None
        except FileNotFoundError:
            return _refuse(
                404,
                "file_missing",
                f"The {channel} file of {sku} {angle} v{version.number} is missing from storage.",
            )
        name = posixpath.basename(field.name)
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if size is not None:
            # A clip: players ask for byte ranges (to start quickly and to seek). An If-Range
            # naming another version gets the whole new file.
            if_range = request.headers.get("If-Range")
            response = serve_range(
                request,
                handle,
                size,
                content_type,
                ranges=if_range is None or if_range == headers["ETag"],
            )
            response["Content-Disposition"] = content_disposition_header(False, name)
        else:
            response = FileResponse(handle, content_type=content_type, filename=name)
        # One use per view, not per byte range a player fetches (only the one from the start).
        if response.status_code == 200 or response.get("Content-Range", "").startswith("bytes 0-"):
            count_usage(
                brand_obj.pk, version.asset_id, version.pk, channel, UsageKind.STABLE_PUBLIC
            )
    if response.status_code == 416:
        # A refusal of this request's range only: a CDN keeping it (under the link's path) would
        # refuse the clip to every viewer, so it is never cached.
        headers["Cache-Control"] = "no-store"
    for header, value in headers.items():
        response[header] = value
    return response
