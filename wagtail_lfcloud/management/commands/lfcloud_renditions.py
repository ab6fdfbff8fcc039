"""``manage.py lfcloud_renditions [--brand SLUG] [--season CODE] [--all] [--channel KEY ...]``

Generates channel renditions for approved (current) asset versions with the one-decode
pipeline, records them as ``ChannelRendition`` rows and shows a progress bar. Versions whose
channels are all ready with the current spec are skipped, so the command is safe to stop
(Ctrl-C) and run again.

Video clips get their video channels' transcodes the same way (``video/deliverables.py``, what
the approval's video task runs: each transcode in a child process bounded by
``VIDEO_MEMORY_LIMIT`` and ``VIDEO_TASK_SECONDS``), run in this process rather than queued. A
photo channel named with ``--channel`` is skipped for clips and a video channel for photos.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from wagtail_lfcloud.channels.errors import RenditionStorageError, UnknownChannelError
from wagtail_lfcloud.channels.registry import get_preset, get_presets
from wagtail_lfcloud.management.progress import ProgressMixin
from wagtail_lfcloud.models import AssetVersion, ChannelRendition, VersionStatus

from ...channels.deliverables import build_channel_renditions
from ...video.deliverables import SPEC_PREFIX, build_clip_channels
from ...video.presets import get_video_presets


class Command(ProgressMixin, BaseCommand):
    help = "Generate channel renditions for approved asset versions (skips what exists)."

    def add_arguments(self, parser):
        parser.add_argument("--brand", metavar="SLUG", help="Only this brand's assets.")
        parser.add_argument("--season", metavar="CODE", help="Only products of this season.")
        parser.add_argument(
            "--all", action="store_true", help="Every brand (needed without --brand)."
        )
        parser.add_argument(
            "--channel",
            action="append",
            dest="channels",
            metavar="KEY",
            help="Channel key(s) to generate; default: each asset's own channels.",
        )
        parser.add_argument("--force", action="store_true", help="Regenerate rows that are ready.")

    def handle(
        self, *args, brand=None, season=None, all=False, channels=None, force=False, **options
    ):
        if not (brand or season or all):
            raise CommandError("Give --brand SLUG, --season CODE or --all.")
        video_presets = get_video_presets()
        try:
            for key in channels or []:
                if key not in video_presets:
                    get_preset(key)
        except UnknownChannelError as e:
            raise CommandError(f"{e} Video channels: {', '.join(video_presets)}.") from e

        versions = (
            AssetVersion.objects.filter(status=VersionStatus.CURRENT)
            .select_related("asset", "asset__product", "asset__product__season", "image", "clip")
            .order_by("pk")
        )
        if brand:
            versions = versions.filter(asset__brand__slug=brand)
        if season:
            versions = versions.filter(asset__product__season__code=season)

        presets = get_presets()
        todo = []
        for version in versions:
            clip = hasattr(version, "clip")
            known = video_presets if clip else presets
            keys = [k for k in (channels or version.asset.channels or []) if k in known]
            if not force:
                ready = dict(
                    ChannelRendition.objects.filter(
                        version=version, channel__in=keys, status=ChannelRendition.Status.READY
                    ).values_list("channel", "filter_spec")
                )
                keys = [k for k in keys if ready.get(k) != _spec(k, clip, presets)]
            if keys:
                todo.append((version, keys, clip))

        total = len(todo)
        if not total:
            self.stdout.write("Nothing to do: every channel rendition exists.")
            return
        done = failed = 0
        started = time.monotonic()
        try:
            for version, keys, clip in todo:
                build = build_clip_channels if clip else build_channel_renditions
                try:
                    rows = build(version, keys)
                except RenditionStorageError as e:
                    # The next versions would fail the same way: stop, say where.
                    raise CommandError(
                        f"The file storage failed on {version} ({done}/{total} versions done; "
                        f"nothing of this one was kept): {e}. Run the command again once the "
                        "storage is back; it continues where it stopped."
                    ) from e
                failed += sum(1 for r in rows if r.status == ChannelRendition.Status.FAILED)
                done += 1
                self._progress(done, total, started)
        except KeyboardInterrupt:
            self._interrupted(done, total)
        failures = f"{failed} rendition(s) failed, see their error." if failed else None
        self._summary(f"Generated channel renditions for {done} version(s)", failures)


def _spec(key: str, clip: bool, presets) -> str:
    """The ``filter_spec`` a ready row of ``key`` has when it is up to date."""
    return SPEC_PREFIX + key if clip else presets[key].spec
