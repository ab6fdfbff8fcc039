"""Background tasks of assets (admin previews and perceptual hashes of uploads).

Run by django-tasks (``TASKS`` setting).
Task arguments are primary keys and strings, never model instances, so they survive a real
queue backend. A task's name is its module path: drain queued tasks before upgrading across a
move (CHANGELOG).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django_tasks import task
from wagtail.images import get_image_model

from ..background import PREVIEWS, queue, queued
from ..channels.pipeline import generate_renditions
from ..models import AssetVersion
from .previews import PREVIEW_SPECS, THUMBNAIL_SPEC
from .similarity import hash_version

logger = logging.getLogger(__name__)


@queue(PREVIEWS)
@task()
def make_preview(image_id: int, spec: str) -> str:
    """Make one admin preview rendition (``previews.PREVIEW_SPECS``): the order grid's thumbnail
    after an upload, or one a page found missing (``previews.existing_preview``). Returns its file
    name, or "" if the image is gone."""
    if spec not in PREVIEW_SPECS:
        raise ValueError(f"{spec!r} is not an admin preview spec ({', '.join(PREVIEW_SPECS)})")
    image = get_image_model().objects.filter(pk=image_id).first()
    # The pipeline, not image.get_rendition: one reduced decode of the first frame, so the
    # worker's memory stays bounded (docs/how-to/upload-and-review.md#limits), and TIFF works.
    return generate_renditions(image, [spec])[spec].file.name if image is not None else ""


@queue(PREVIEWS)
@task()
def generate_version_previews(version_id: int) -> list[str]:
    """Make the admin's thumbnail and review renditions of a freshly uploaded version, then its
    perceptual hash (the review page's look-alike warning, see ``similarity.py``).

    The hash comes last and cannot fail the task: if the file cannot be read or decoded for it, the
    previews are kept, the error is logged, and ``manage.py lfcloud_hash_versions`` tries again.
    """
    version = AssetVersion.objects.select_related("image").filter(pk=version_id).first()
    if version is None:
        return []

    # Both previews from one reduced decode (see make_preview).
    previews = sorted(
        r.file.name for r in generate_renditions(version.image, PREVIEW_SPECS).values()
    )
    if not version.perceptual_hash:
        try:
            hash_version(version)
        except (
            Exception
        ):  # any storage or decoding failure: the previews above are what matters here
            logger.exception(
                "No perceptual hash for version %s (look-alikes of it will not be flagged); "
                "manage.py lfcloud_hash_versions tries again.",
                version_id,
            )
    return previews


def on_version_uploaded(sender, version, **kwargs) -> None:
    """Queue the thumbnail of an uploaded version (the order grid's, the emails'), after the commit.

    (The reviewers' email waits for the approval step, ``notifications.workflow``: a file the
    compliance check sends back never reaches them.)
    """
    image_id = version.image_id
    transaction.on_commit(lambda: queued(make_preview).enqueue(image_id, THUMBNAIL_SPEC))


@queue(PREVIEWS)
@task()
def register_direct_upload(upload_id: int) -> str:
    """Check a file sent straight to S3 and make it the asset's new version (or refuse it)."""
    from .direct import register  # cycle: direct imports this module's task to enqueue

    return register(upload_id)
