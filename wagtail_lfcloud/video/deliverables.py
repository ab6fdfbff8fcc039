"""A clip's channel files: one transcode per video channel, checked and recorded.

:func:`build_clip_channels` is what the approval's video task calls. For each channel it
transcodes the approved clip with the preset's settings (``video/presets.py``), probes the
output, checks the uploaded clip against the rules a transcode cannot fix and the output against
all of them (``video/compliance.py``), takes the output's poster frame, and upserts one
``ChannelRendition`` row (``filter_spec`` ``video:<channel>``) holding the file and its poster.
The clip is copied from storage to a temporary file once for all channels; outputs are written to
temporary files and then stored, so memory stays at a few frames.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterable
from contextlib import ExitStack, suppress

from django.core.files import File
from django.core.files.base import ContentFile

from ..catalog.naming import format_name
from ..channels.deliverables import _export_name
from ..channels.errors import RenditionStorageError, UnknownChannelError, is_missing_file
from ..conf import lfcloud_settings
from ..models import ChannelRendition
from ..storage import unguessable
from .bounded import StepFailed, run_bounded
from .compliance import check_clip
from .presets import get_video_preset
from .probe import ClipRefused, local_path, poster_jpeg, poster_time, probe, transcode_file

#: ``ChannelRendition.filter_spec`` of a clip's channel file.
SPEC_PREFIX = "video:"


def export_name(version, preset) -> str:
    class _Named:  # the image channels' export naming, with the video preset's extension
        key = preset.key
        extension = preset.extension

        @staticmethod
        def export_filename(**values):
            pattern = preset.export_name
            if pattern:
                return pattern.format(channel=preset.key, ext=preset.extension, n=1, **values)
            return format_name(
                values["sku"],
                values["angle"],
                preset.extension,
                period=values.get("period", ""),
                channel=preset.key,
            )

    return _export_name(version, _Named)


def build_clip_channels(version, channel_keys: Iterable[str]) -> list:
    """Transcode ``version``'s clip for each channel; returns the ``ChannelRendition`` rows.

    A transcode that fails (the clip, a limit) fails its channel's row with the reason and the
    others go on. The file storage failing (the clip cannot be read, an output cannot be stored:
    S3 unreachable, access denied, a full disk) is not the clip's fault: every row not made yet
    says so and :class:`~wagtail_lfcloud.channels.errors.RenditionStorageError` is raised, for
    the task to run the set again later, as for a photo's channel set."""
    clip = version.clip
    keys = list(dict.fromkeys(channel_keys))
    rows = {}
    deadline = time.monotonic() + lfcloud_settings.VIDEO_TASK_SECONDS
    try:
        with ExitStack() as stack:
            try:
                source = stack.enter_context(local_path(clip.file))
            except Exception as e:
                if is_missing_file(e):
                    return [
                        _failed(version, key, f"The clip's file cannot be read ({e}).")
                        for key in keys
                    ]
                raise RenditionStorageError(
                    f"the clip could not be read ({str(e) or type(e).__name__})"
                ) from e
            for key in keys:
                try:
                    preset = get_video_preset(key)
                except UnknownChannelError as e:
                    rows[key] = _failed(version, key, str(e))
                    continue
                rows[key] = _one(version, clip, preset, source, deadline)
    except RenditionStorageError as e:
        for key in keys:
            if key not in rows:
                _failed(version, key, f"The file storage failed while transcoding: {e}")
        raise
    return [rows[key] for key in keys]


def _failed(version, key: str, error: str):
    row, _ = ChannelRendition.objects.update_or_create(
        version=version,
        channel=key,
        defaults={
            "filter_spec": SPEC_PREFIX + key,
            "status": ChannelRendition.Status.FAILED,
            "error": error,
            "compliance": [],
            "compliance_status": "",
        },
    )
    return row


def make_output(source_path: str, target_path: str, spec, *, deadline: float):
    """Transcode, then probe the output and take its poster frame: ``(ClipInfo | None, poster
    JPEG bytes)`` (a WebM output is neither probed nor given a poster). Runs in the bounded child
    process (``video/bounded.py``): local files only, no database."""
    transcode_file(source_path, target_path, spec, deadline=deadline)
    if spec.format == "webm":
        return None, b""
    with open(target_path, "rb") as made:
        info = probe(made, os.path.basename(target_path))
        return info, poster_jpeg(made, "output", poster_time(info))


def _one(version, clip, preset, source: str, deadline):
    values = {"filter_spec": SPEC_PREFIX + preset.key}
    suffix = "." + preset.extension
    try:
        with tempfile.NamedTemporaryFile(suffix=suffix) as target:
            info, poster = run_bounded(
                make_output,
                source,
                target.name,
                preset.transcode,
                deadline=deadline,
                seconds=max(0.0, deadline - time.monotonic()),
                what="The transcode",
            )
            with open(target.name, "rb") as made:
                name = export_name(version, preset)
                results = [r.as_dict() for r in check_clip(clip, preset.rules, source=True)]
                if info is not None:
                    results += [r.as_dict() for r in check_clip(info, preset.rules)]
                row, _ = ChannelRendition.objects.get_or_create(
                    version=version, channel=preset.key, defaults=values
                )
                old = [f.name for f in (row.file, row.poster) if f]
                try:
                    made.seek(0)
                    row.file.save(unguessable(name), File(made), save=False)
                    if poster:
                        stem = os.path.splitext(name)[0]
                        row.poster.save(
                            unguessable(f"{stem}_poster.jpg"), ContentFile(poster), save=False
                        )
                    for stale in old:
                        row.file.storage.delete(stale)
                except Exception as e:
                    # A file stored before the failure is not on any row: delete it if the
                    # storage lets us (the next run stores the channel's files again).
                    for made_name in {row.file.name, row.poster.name} - {*old, "", None}:
                        with suppress(Exception):
                            row.file.storage.delete(made_name)
                    raise RenditionStorageError(
                        f"{preset.key}'s file could not be stored ({str(e) or type(e).__name__})"
                    ) from e
    except RenditionStorageError:
        raise
    except (ClipRefused, Exception) as e:  # noqa: BLE001 - every failure is recorded on the row
        # A bounded step's own message says what stopped it (memory, time).
        message = str(e) if isinstance(e, StepFailed) else f"The transcode failed: {e}"
        return _failed(version, preset.key, message)
    statuses = {r["status"] for r in results}
    row.filter_spec = values["filter_spec"]
    row.width = info.width if info else None
    row.height = info.height if info else None
    row.file_size = info.bytes if info else row.file.size
    row.format = preset.transcode.format
    row.file_name = name
    row.compliance = results
    row.compliance_status = "fail" if "fail" in statuses else "pass"
    row.status = ChannelRendition.Status.READY
    row.error = ""
    row.save()
    return row
