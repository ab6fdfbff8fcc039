"""Channel deliverables: an ``AssetVersion``'s channel files, checked and recorded.

:func:`build_channel_renditions` is what the approval task (and the API and the
``lfcloud_renditions`` command) calls: it renders the version's image for each channel with
the one-decode pipeline (:func:`.pipeline.generate_renditions`), runs the source and output
compliance checks, and upserts one ``ChannelRendition`` row per channel with the output's
size, bytes, format and export file name.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable
from typing import Any

from wagtail.images.models import IMAGE_FORMAT_EXTENSIONS

from wagtail_lfcloud.models import ChannelRendition

from ..storage.stable_urls import forget_stable_urls
from . import text
from .compliance import Master, check_bytes, check_source
from .errors import ChannelError, RenditionStorageError
from .pipeline import generate_renditions
from .registry import get_preset

logger = logging.getLogger(__name__)


def build_channel_renditions(version, channel_keys: Iterable[str]) -> list:
    """Render ``version.image`` for each channel, check each output, upsert ``ChannelRendition``s.

    Returns the rows in ``channel_keys`` order. A master that cannot be rendered marks every
    row ``failed`` with the reason in ``error`` instead of raising, so an approval task
    always leaves a visible record.
    """
    keys = list(dict.fromkeys(channel_keys))
    presets = {key: get_preset(key) for key in keys}
    image = version.image
    keys_by_spec: dict[str, list[str]] = {}
    for key in keys:
        keys_by_spec.setdefault(presets[key].spec, []).append(key)
    # Output checks of freshly rendered files run in the pipeline's worker threads, on the
    # pixels that were encoded: no output is decoded again. The master is read and analysed
    # once for all of them (Master): its text is read from the pipeline's decode (in a thread,
    # while the outputs render), and each output's text check maps those words into the output
    # instead of reading it again.
    checked: dict[str, tuple[Any, int]] = {}
    master = _master(image)
    reads_text = (
        master is not None
        and text.available()
        and any("no_text" in presets[key].rules for key in keys)
    )
    if reads_text:
        # The product mask (the edge check; how finely to read the text) while the pipeline
        # decodes.
        threading.Thread(target=master.product_mask, name="lfcloud-master", daemon=True).start()

    def inspect(spec, name, data, pixels, placement):
        for key in keys_by_spec.get(spec, ()):
            # The text check waits for the master's words after the rendering (below), not in
            # this thread: the other outputs render meanwhile.
            report = check_bytes(
                data,
                name,
                presets[key],
                pixels=pixels,
                master=master,
                placement=placement,
                defer_text=True,
            )
            checked[key] = (report, len(data))

    try:
        renditions = generate_renditions(
            image, keys, inspect=inspect, on_decode=master.read_text_from if reads_text else None
        )
        # The text checks left to wait for the master's words; an error here is handled as one
        # in the rendering, before any row is written.
        for report, _size in checked.values():
            report.finish()
        error = ""
        # What the rows need from the storage besides the fresh files, read here so that a
        # storage failure is handled as one in the rendering: the master (if it could not be
        # read before the rendering) and the files found rather than rendered.
        if renditions and master is None:
            master = _read_from_storage(lambda: Master(image), "the original file")
        found = {
            key: _read_from_storage(
                lambda rendition=renditions[key]: _file_bytes(rendition), "a channel file"
            )
            for key in keys
            if key in renditions and key not in checked
        }
    except ChannelError as e:
        renditions, error = {}, str(e)
    except Exception as e:
        # The storage failed (S3 unreachable, bucket gone...), or something unforeseen did (a
        # bug, the text reader crashing): no channel row is ready (a failed rendering kept no
        # file; files rendered before a later failure are found by the next run). Record which
        # on every row so the admin shows it, then fail the task so the queue sees it (the task
        # runs the set again after a storage failure only).
        if isinstance(e, RenditionStorageError):
            message = f"The file storage failed while rendering: {e}"
        else:
            logger.exception("Channel set of version %s failed", version.pk)
            detail = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
            message = f"Rendering failed unexpectedly ({detail})."
        _upsert(
            version,
            {
                key: {
                    "filter_spec": presets[key].spec,
                    "status": ChannelRendition.Status.FAILED,
                    "error": message,
                    "compliance": [],
                    "compliance_status": "",
                }
                for key in keys
            },
        )
        raise

    values_by_key: dict[str, dict[str, Any]] = {}
    for key in keys:
        preset = presets[key]
        values: dict[str, Any] = {"filter_spec": preset.spec}
        if key in renditions:
            rendition = renditions[key]
            if key in checked:
                output, file_size = checked[key]
            else:  # found, not rendered now: check the stored file
                data = found[key]
                output = check_bytes(data, os.path.basename(rendition.file.name), preset)
                file_size = len(data)
            source = check_source(master, key)
            results = [r.to_dict() for r in source.results if r.code != "readable"]
            results += [r.to_dict() for r in output.results]
            statuses = [r["status"] for r in results]
            values.update(
                width=rendition.width,
                height=rendition.height,
                file_size=file_size,
                format=_format_of(rendition.file.name),
                file_name=_export_name(version, preset),
                compliance=results,
                compliance_status="fail"
                if "fail" in statuses
                else "warn"
                if "warn" in statuses
                else "pass",
                status=ChannelRendition.Status.READY,
                error="",
            )
        else:
            values.update(
                status=ChannelRendition.Status.FAILED,
                error=error,
                compliance=[],
                compliance_status="",
            )
        values_by_key[key] = values
    return _upsert(version, values_by_key)


def _upsert(version, values_by_key: dict[str, dict[str, Any]]) -> list:
    """Create or update the version's row of each channel with ``values``, as
    ``update_or_create`` would (fields not in ``values`` keep their value on an update, take the
    model's default on an insert), in one ``INSERT ... ON CONFLICT (version, channel) DO UPDATE``
    per set of fields written (a failed row leaves its last size alone): two statements at most
    instead of four to six per channel (with ``update_or_create``'s savepoints). Rows are written
    in channel order, so two workers writing the same version's rows lock them in the same
    order. Returns the rows, read back, in ``values_by_key``'s order."""
    groups: dict[tuple[str, ...], list] = {}
    for key in sorted(values_by_key):
        values = values_by_key[key]
        groups.setdefault(tuple(sorted(values)), []).append(
            ChannelRendition(version=version, channel=key, **values)
        )
    for fields, rows in sorted(groups.items()):
        ChannelRendition.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["version", "channel"],
            update_fields=[*fields, "updated_at"],
        )
    # A bulk write sends no post_save: forget the stable URL's cached redirects as a save does.
    forget_stable_urls()
    found = {
        row.channel: row
        for row in ChannelRendition.objects.filter(version=version, channel__in=values_by_key)
    }
    for row in found.values():
        row.version = version
    return [found[key] for key in values_by_key]


def _file_bytes(rendition) -> bytes:
    with rendition.open_file() as f:
        return f.read()


def _read_from_storage(read, what: str):
    """``read()``; a failure that is not the image's (a :class:`ChannelError`) is the storage's."""
    try:
        return read()
    except ChannelError:
        raise
    except Exception as e:
        raise RenditionStorageError(
            f"{what} could not be read ({str(e) or type(e).__name__})"
        ) from e


def _master(image) -> Master | None:
    """The master, read once for every channel's checks (None if it cannot be read: the
    pipeline then says why)."""
    try:
        return Master(image)
    except Exception:  # noqa: BLE001 - the pipeline reports a missing or unreadable file
        return None


def _format_of(name: str) -> str:
    ext = os.path.splitext(name)[1].lower()
    return {v: k for k, v in IMAGE_FORMAT_EXTENSIONS.items()}.get(ext, ext.lstrip("."))


def _export_name(version, preset) -> str:
    """The convention file name for a version's channel file (best effort on missing data)."""
    values: dict[str, Any] = {}
    asset = getattr(version, "asset", None)
    product = getattr(asset, "product", None)
    for attr in ("sku", "asin", "gtin"):
        value = getattr(product, attr, None)
        if value:
            values[attr] = value
    angle = getattr(asset, "angle", None)
    if angle:
        values["angle"] = angle
    period = getattr(version, "period", None) or getattr(
        getattr(product, "season", None), "code", None
    )
    if period:
        values["period"] = period
    try:
        return preset.export_filename(**values)
    except ChannelError:
        return f"{values.get('sku', 'image')}_{preset.key}.{preset.extension}"
