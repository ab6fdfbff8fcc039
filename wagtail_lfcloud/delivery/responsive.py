"""Responsive sizes of a current approved image: a configured list of widths, in WebP, AVIF or JPEG.

Each size is an ordinary Wagtail rendition of the version's image (filter spec
``width-<W>|srgb|stripmeta[|bgcolor-ffffff]|format-<fmt>``), generated once by the package's
one-decode pipeline (:func:`~wagtail_lfcloud.channels.pipeline.generate_renditions`) and found
afterwards like any other rendition. Nothing is ever generated on a request: the API finds what
exists and enqueues the rest (:func:`render_responsive_sizes`, a background task).

Widths are only ever the configured ones (``WAGTAIL_LFCLOUD_RESPONSIVE_WIDTHS``) and never wider
than the master: a width the master does not reach is not offered, except the smallest configured
width, which is then the master's own width (never upscaled).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from PIL import features
from wagtail.images.models import Filter

from ..background import queued
from ..channels.errors import ChannelError
from ..channels.pipeline import generate_renditions
from ..conf import lfcloud_settings
from ..models import AssetVersion, VersionStatus
from .tasks import render_responsive_sizes

logger = logging.getLogger(__name__)

#: Formats by preference when ``Accept`` allows several equally.
FORMATS = ("avif", "webp", "jpeg")
MEDIA_TYPES = {"avif": "image/avif", "webp": "image/webp", "jpeg": "image/jpeg"}
#: Usage insights count responsive deliveries under this channel name.
USAGE_CHANNEL = "responsive"
#: Seconds a failed generation is remembered (answered 409 instead of enqueued again).
FAILURE_TTL = 3600


def avif_supported() -> bool:
    """Whether this Pillow can write AVIF (Pillow 11.3+ built with libavif)."""
    return bool(features.check("avif"))


def formats() -> tuple[str, ...]:
    """The formats this installation can serve, by preference."""
    return tuple(f for f in FORMATS if f != "avif" or avif_supported())


def widths() -> list[int]:
    """The configured widths, ascending, without duplicates."""
    return sorted({int(w) for w in lfcloud_settings.RESPONSIVE_WIDTHS})


def spec(width: int, fmt: str) -> str:
    """The Wagtail filter spec of one size."""
    parts = [f"width-{width}", "srgb", "stripmeta"]
    if fmt == "jpeg":
        parts.append("bgcolor-ffffff")  # JPEG has no alpha: transparent areas become white
    parts.append(f"format-{fmt}")
    return "|".join(parts)


def offered_widths(image) -> list[int]:
    """The configured widths this image can be served at without upscaling (see module docs)."""
    configured = widths()
    fitting = [w for w in configured if w <= image.width]
    return fitting or configured[:1]


def parse_accept(header: str) -> str | None:
    """The best servable format the ``Accept`` header names, or None when it names none.

    Quality values are honoured (``q=0`` refuses); among equals the smaller format wins (AVIF,
    then WebP, then JPEG). ``image/*`` and ``*/*`` accept JPEG, the format every client reads.
    """
    available = formats()
    weights: dict[str, float] = {}
    for item in header.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        media = media.lower()
        if media in ("image/*", "*/*"):
            names = ["jpeg"]
        elif media in ("image/jpeg", "image/jpg", "image/pjpeg"):
            names = ["jpeg"]
        else:
            names = [f for f in available if MEDIA_TYPES[f] == media]
        for name in names:
            if name in available:
                weights[name] = max(weights.get(name, 0.0), q)
    ranked = [f for f in available if weights.get(f, 0.0) > 0]
    if not ranked:
        return None
    return max(ranked, key=lambda f: (weights[f], -available.index(f)))


@dataclass(frozen=True)
class Size:
    """One generated size: the file's real dimensions and URL."""

    width: int
    height: int
    url: str
    #: The configured width it was made for (``width`` may be smaller: never upscaled).
    requested: int


def find_sizes(image, fmt: str, wanted: Iterable[int]) -> dict[int, Size]:
    """``{configured width: Size}`` for the sizes of ``image`` whose rendition exists. One query."""
    wanted = list(wanted)
    by_spec = {spec(w, fmt): w for w in wanted}
    if not by_spec:
        return {}
    Rendition = image.get_rendition_model()
    keys = {s: Filter(spec=s).get_cache_key(image) for s in by_spec}
    found: dict[int, Size] = {}
    for rendition in Rendition.objects.filter(image_id=image.pk, filter_spec__in=list(by_spec)):
        if rendition.focal_point_key != keys[rendition.filter_spec]:
            continue
        width = by_spec[rendition.filter_spec]
        found[width] = Size(rendition.width, rendition.height, rendition.url, width)
    return found


def _failure_key(version_id: int, fmt: str) -> str:
    return f"wagtail_lfcloud:responsive:failed:{version_id}:{fmt}"


def failure(version_id: int, fmt: str) -> str | None:
    """Why generating the sizes of ``version_id`` in ``fmt`` failed lately, if it did."""
    return cache.get(_failure_key(version_id, fmt))


def generate(version_id: int, fmt: str) -> list[int]:
    """Generate every offered size of a *current* version in ``fmt`` (background task body).

    Returns the widths that exist afterwards. A version that is no longer current is skipped. A
    master that cannot be read is remembered for ``FAILURE_TTL`` seconds (the API answers 409).
    """
    version = (
        AssetVersion.objects.select_related("image")
        .filter(pk=version_id, status=VersionStatus.CURRENT)
        .first()
    )
    if version is None or fmt not in formats():
        return []
    sizes = offered_widths(version.image)
    try:
        generate_renditions(version.image, [spec(w, fmt) for w in sizes])
    except ChannelError as error:
        logger.warning("Responsive sizes of version %s (%s) failed: %s", version_id, fmt, error)
        cache.set(_failure_key(version_id, fmt), str(error), FAILURE_TTL)
        return []
    cache.delete(_failure_key(version_id, fmt))
    return sizes


def enqueue_once(version_id: int, fmt: str, retry_after: int) -> None:
    """Enqueue :func:`generate` after the current transaction, once per ``retry_after`` window."""
    if cache.add(
        f"wagtail_lfcloud:responsive:render:{version_id}:{fmt}", 1, timeout=max(retry_after, 1)
    ):
        transaction.on_commit(lambda: queued(render_responsive_sizes).enqueue(version_id, fmt))
