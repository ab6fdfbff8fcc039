"""The review player's files: a version's clip and its preview, behind the same permission as
its poster frame (``view_drafts``, or ``view_finals`` once approved; DESIGN decision 11).

Players seek with HTTP range requests, so local files are served with ``Accept-Ranges`` and
``206 Partial Content``; from storage that signs URLs (S3), the answer is a redirect to a signed
URL valid for ``WAGTAIL_LFCLOUD_SIGNED_URL_EXPIRY`` seconds (S3 answers ranges itself). Unknown
versions, versions without a clip and files the user may not see all answer 404.
"""

from __future__ import annotations

import re

from django.contrib.auth.views import redirect_to_login
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..access import user_may_see_image_files
from ..models import VersionClip
from ..storage.privacy import presigned_view_url, signs_urls

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
CONTENT_TYPES = {"preview": "video/webm", "mp4": "video/mp4", "m4v": "video/mp4"}
CHUNK = 256 * 1024
#: Digits of a range bound past which it is read as "beyond any file" (``int()`` refuses more
#: than 4300 digits, and no file has 19).
RANGE_DIGITS = 18


def _bound(digits: str) -> int:
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= RANGE_DIGITS else 10**RANGE_DIGITS


def _chunks(handle, remaining: int):
    try:
        while remaining > 0:
            data = handle.read(min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        handle.close()


def serve_range(
    request: HttpRequest, handle, size: int, content_type: str, *, ranges: bool = True
) -> HttpResponse:
    """``handle`` (an open file of ``size`` bytes) whole, or the byte range the request asks for
    (``ranges`` False: always whole, e.g. when ``If-Range`` names another version)."""
    header = request.headers.get("Range", "") if ranges else ""
    match = RANGE_RE.match(header.strip())
    if not match or (not match[1] and not match[2]):
        response = FileResponse(handle, content_type=content_type)
        response["Accept-Ranges"] = "bytes"
        response["Content-Length"] = str(size)
        return response
    if match[1]:
        start = _bound(match[1])
        end = min(_bound(match[2]), size - 1) if match[2] else size - 1
    else:  # the last N bytes
        start, end = max(size - _bound(match[2]), 0), size - 1
    if start >= size or start > end:
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    handle.seek(start)
    response = StreamingHttpResponse(
        _chunks(handle, end - start + 1), status=206, content_type=content_type
    )
    response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Content-Length"] = str(end - start + 1)
    response["Accept-Ranges"] = "bytes"
    return response


@never_cache
@require_GET
def clip_file(request: HttpRequest, version_id: int, which: str) -> HttpResponse:
    """``/admin/lfcloud/clips/<version_id>/<preview|clip>/``: play a version's clip in the review page."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("wagtailadmin_login"))
    if which not in ("preview", "clip"):
        raise Http404
    clip = (
        VersionClip.objects.select_related("version__image").filter(version_id=version_id).first()
    )
    if clip is None or not user_may_see_image_files(request.user, clip.version.image):
        raise Http404(_("No clip found."))
    field = clip.preview if which == "preview" else clip.file
    if not field:
        raise Http404(_("The preview is not ready yet."))
    storage = field.storage
    if signs_urls(storage):
        return HttpResponseRedirect(presigned_view_url(storage, field.name))
    try:
        handle = storage.open(field.name, "rb")
        size = storage.size(field.name)
    except FileNotFoundError:
        raise Http404(_("The clip is missing from storage.")) from None
    ext = field.name.rsplit(".", 1)[-1].lower()
    content_type = (
        CONTENT_TYPES["preview"]
        if which == "preview"
        else CONTENT_TYPES.get(ext, "video/quicktime")
    )
    response = serve_range(request, handle, size, content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
