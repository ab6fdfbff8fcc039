"""Background tasks of video clips, on the ``lfcloud_video`` queue (video is heavy: give it its
own workers, docs/how-to/video.md)."""

from __future__ import annotations

import logging
import os
import tempfile
import time

from django.core.files import File
from django_tasks import task

from ..background import VIDEO, queue
from ..channels.errors import RenditionStorageError
from ..channels.tasks import retry_channel_set_later
from ..conf import lfcloud_settings
from ..models import AssetVersion, VersionClip, VersionStatus
from ..signals import rendition_ready
from ..storage import unguessable
from .bounded import run_bounded
from .deliverables import build_clip_channels
from .probe import local_path, preview_spec, transcode_file

logger = logging.getLogger(__name__)


def deadline() -> float:
    """When a transcode started now must stop (``WAGTAIL_LFCLOUD_VIDEO_TASK_SECONDS``)."""
    return time.monotonic() + lfcloud_settings.VIDEO_TASK_SECONDS


@queue(VIDEO)
@task()
def make_clip_preview(version_id: int) -> str:
    """Make the review player's preview of a version's clip (WebM, ``VIDEO_PREVIEW_SIZE``).

    Returns the stored name, or "" if the version or its clip is gone. The clip is read from its
    storage into a temporary file (FFmpeg seeks in it) and the preview written to another one,
    so memory stays at a few frames whatever the clip's length. The transcode runs in a child
    process bounded by ``VIDEO_MEMORY_LIMIT`` and ``VIDEO_TASK_SECONDS`` (``video/bounded.py``):
    past either, the task fails with a :class:`~.bounded.StepFailed` saying which.
    """
    clip = VersionClip.objects.select_related("version").filter(version_id=version_id).first()
    if clip is None:
        return ""
    if clip.preview:
        return clip.preview.name
    with local_path(clip.file) as source, tempfile.NamedTemporaryFile(suffix=".webm") as target:
        try:
            run_bounded(
                transcode_file,
                source,
                target.name,
                preview_spec(),
                deadline=deadline(),
                seconds=lfcloud_settings.VIDEO_TASK_SECONDS,
                what="The review preview",
            )
        except Exception as exc:
            # The review page says why instead of "being made" for ever; the task still fails
            # (the worker logs it, and the engine retries it where configured).
            clip.preview_error = str(exc) or exc.__class__.__name__
            clip.save(update_fields=["preview_error"])
            raise
        stem = os.path.splitext(os.path.basename(clip.version.original_filename))[0]
        with open(target.name, "rb") as made:
            clip.preview.save(unguessable(f"{stem}_preview.webm"), File(made), save=False)
    clip.preview_error = ""
    clip.save(update_fields=["preview", "preview_error"])
    return clip.preview.name


@queue(VIDEO)
@task()
def transcode_clip_channels(
    version_id: int, channel_keys: list[str], attempt: int = 1
) -> list[int]:
    """Transcode an approved clip for its video channels (``video/deliverables.py``); returns
    the ``ChannelRendition`` pks and sends ``rendition_ready`` (webhooks: ``rendition.ready``)
    for each one made. A version no longer current is skipped: its channel files are not wanted.

    If the file storage fails, the set runs again later as a photo's does (``attempt`` counts
    the runs, up to ``WAGTAIL_LFCLOUD_RENDITION_MAX_ATTEMPTS``:
    :func:`~wagtail_lfcloud.channels.tasks.retry_channel_set_later`)."""
    version = (
        AssetVersion.objects.select_related("image", "asset__product__season", "clip")
        .filter(pk=version_id, status=VersionStatus.CURRENT)
        .first()
    )
    if version is None or not hasattr(version, "clip"):
        return []
    try:
        rows = build_clip_channels(version, channel_keys)
    except RenditionStorageError as e:
        # The rows say so; this run fails (its result keeps the traceback), the next is queued.
        retry_channel_set_later(transcode_clip_channels, version_id, channel_keys, attempt, e)
        raise
    for row in rows:
        if row.status == row.Status.READY:
            rendition_ready.send(sender=type(row), channel_rendition=row)
    return [row.pk for row in rows]
