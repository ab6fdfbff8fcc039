"""Background tasks of the channels (channel sets of approved versions).

Run by django-tasks (``TASKS`` setting).
Task arguments are primary keys and strings, never model instances, so they survive a real
queue backend. A task's name is its module path: drain queued tasks before upgrading across a
move (CHANGELOG).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from ..background import CHANNELS, queue, queued
from ..conf import lfcloud_settings
from ..models import AssetVersion, ChannelRendition, VersionStatus
from ..signals import rendition_ready
from .deliverables import build_channel_renditions
from .errors import RenditionStorageError

logger = logging.getLogger(__name__)


@queue(CHANNELS)
@task()
def build_channel_renditions_task(
    version_id: int, channel_keys: list[str], attempt: int = 1
) -> list[int]:
    """Build the channel set of an approved version, or the channel files the stable URL or a
    bundle found missing; returns the ``ChannelRendition`` pks and sends ``rendition_ready`` for
    each one made. A version that is no longer current is skipped.

    If the file storage fails, the set is tried again later (``attempt`` counts the runs), up to
    ``WAGTAIL_LFCLOUD_RENDITION_MAX_ATTEMPTS``, see :func:`retry_channel_set_later`.
    """
    version = (
        AssetVersion.objects.select_related("image", "asset__product__season")
        .filter(pk=version_id)
        .first()
    )
    if version is None or version.status != VersionStatus.CURRENT:
        # Superseded before the task ran: its channel set is not wanted any more.
        return []

    try:
        rows = build_channel_renditions(version, channel_keys)
    except RenditionStorageError as e:
        # The storage failed; the rows say so. Fail this run (its result keeps the traceback),
        # and run again later if the backend can defer a task.
        retry_channel_set_later(build_channel_renditions_task, version_id, channel_keys, attempt, e)
        raise
    # Anything else failed the rows with what it was and fails this run, not run again: the
    # same master would fail the same way.

    for row in rows:
        if row.status == row.Status.READY:
            rendition_ready.send(sender=type(row), channel_rendition=row)
    return [row.pk for row in rows]


def retry_channel_set_later(
    set_task, version_id: int, channel_keys: list[str], attempt: int, error: Exception
) -> bool:
    """Queue run ``attempt + 1`` of a channel set's ``set_task`` (a photo's, or a clip's:
    ``video.tasks.transcode_clip_channels``) after a storage failure; False if there is none.

    Waits ``WAGTAIL_LFCLOUD_RENDITION_RETRY_SECONDS`` x 2^(attempt-1). The set's rows go back to
    *pending*, their ``error`` saying what failed and when the next run is; after the last run
    they stay *failed*. Backends that cannot defer a task (the immediate backend) do not retry:
    approving again or ``manage.py lfcloud_renditions`` rebuilds the set.
    """
    last = int(lfcloud_settings.RENDITION_MAX_ATTEMPTS)
    if attempt >= last or not set_task.get_backend().supports_defer:
        logger.error(
            "Channel set of version %s failed (run %s of %s): %s", version_id, attempt, last, error
        )
        return False
    wait = float(lfcloud_settings.RENDITION_RETRY_SECONDS) * 2 ** (attempt - 1)
    when = timezone.now() + dt.timedelta(seconds=wait)
    ChannelRendition.objects.filter(version_id=version_id, channel__in=channel_keys).update(
        status=ChannelRendition.Status.PENDING,
        error=f"The file storage failed while rendering: {error} "
        f"Run {attempt + 1} of {last} at {when:%Y-%m-%d %H:%M} UTC.",
    )
    logger.warning(
        "Channel set of version %s failed (run %s of %s), trying again at %s: %s",
        version_id,
        attempt,
        last,
        when.isoformat(),
        error,
    )
    keys = list(channel_keys)
    transaction.on_commit(
        lambda: queued(set_task, run_after=when).enqueue(version_id, keys, attempt + 1)
    )
    return True
