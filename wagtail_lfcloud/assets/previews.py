"""The admin's previews of a file (``max-165x165`` thumbnails, ``max-800x600`` review images),
never made in a request.

A page that made a missing rendition itself would decode the original while the person waits,
and fail as a whole while the originals' storage is unreachable. Pages call
:func:`existing_preview` instead: the rendition if it exists, else ``None`` and
:func:`wagtail_lfcloud.assets.tasks.make_preview` queued to make it (the page shows a placeholder).
"""

from __future__ import annotations

from django.db import transaction
from wagtail.images.models import Filter

from ..background import queued

THUMBNAIL_SPEC = "max-165x165"
REVIEW_SPEC = "max-800x600"
#: The specs :func:`~wagtail_lfcloud.assets.tasks.make_preview` accepts.
PREVIEW_SPECS = (THUMBNAIL_SPEC, REVIEW_SPEC)


def existing_preview(image, spec: str):
    """``image``'s existing ``spec`` rendition (prefetched ones count), or ``None`` once
    ``make_preview`` is queued for it."""
    try:
        return image.find_existing_rendition(Filter(spec=spec))
    except image.get_rendition_model().DoesNotExist:
        # cycle: tasks.py imports this module
        from .tasks import make_preview

        image_id = image.pk
        transaction.on_commit(lambda: queued(make_preview).enqueue(image_id, spec))
        return None
