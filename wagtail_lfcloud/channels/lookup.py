"""Finding the files behind channel renditions, in one query for a whole page, never generating them.

A :class:`~wagtail_lfcloud.models.ChannelRendition` records a version's channel deliverable; its
pixels are an ordinary Wagtail rendition found by ``(version.image, filter_spec)`` and the focal
point key the filter gives that image. Rendering on a request path is not allowed, so a missing
rendition is reported as missing and the caller enqueues its generation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from wagtail.images import get_image_model
from wagtail.images.models import Filter

from ..models import ChannelRendition

if TYPE_CHECKING:
    from wagtail.images.models import AbstractRendition

    from ..models import ChannelRendition


class ClipFile:
    """A clip's channel file, answering like a Wagtail rendition where callers need it (``url``,
    ``file``, ``width``, ``height``, ``open_file``), plus its ``poster_url``."""

    def __init__(self, channel_rendition):
        self.channel_rendition = channel_rendition
        self.file = channel_rendition.file
        self.width = channel_rendition.width
        self.height = channel_rendition.height

    @property
    def url(self) -> str:
        return self.file.url

    @property
    def poster_url(self) -> str | None:
        poster = self.channel_rendition.poster
        return poster.url if poster else None

    def open_file(self):
        self.file.open("rb")
        return self.file


def find_rendition_files(
    channel_renditions: Iterable[ChannelRendition],
) -> dict[int, AbstractRendition]:
    """``{channel_rendition.pk: wagtail rendition}`` for the rows whose file exists (a
    :class:`ClipFile` for a clip's channel file).

    Each row's ``version.image`` must already be loaded (``select_related("version__image")``).
    One query whatever the number of rows.
    """
    rows = [cr for cr in channel_renditions if cr.filter_spec]
    found: dict[int, AbstractRendition] = {
        cr.pk: ClipFile(cr) for cr in rows if cr.filter_spec.startswith("video:") and cr.file
    }
    rows = [cr for cr in rows if not cr.filter_spec.startswith("video:")]
    if not rows:
        return found
    Rendition = get_image_model().get_rendition_model()
    wanted: dict[tuple[int, str, str], int] = {}
    for cr in rows:
        image = cr.version.image
        key = (image.pk, cr.filter_spec, Filter(spec=cr.filter_spec).get_cache_key(image))
        wanted[key] = cr.pk
    candidates = Rendition.objects.filter(
        image_id__in={k[0] for k in wanted}, filter_spec__in={k[1] for k in wanted}
    )
    for rendition in candidates:
        pk = wanted.get((rendition.image_id, rendition.filter_spec, rendition.focal_point_key))
        if pk is not None:
            found[pk] = rendition
    return found
