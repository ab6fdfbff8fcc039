"""``manage.py lfcloud_privatise_files [--dry-run]``

Brings files written before the private-files rule (DESIGN decision 11) in line with it:

- the original of every image the package manages (used by a version, or in a brand's collection
  tree) gets an unguessable name (``lfc<16 hex>_<name>``) if it has a guessable one;
- every rendition of an image that is not an approved final (previews, thumbnails, Wagtail's own
  ``max-165x165``, review and compare images) moves from the public rendition storage to the private
  storage under ``lfcloud-private/`` and an unguessable name.

Each file is copied, its row updated, then the old file deleted, one at a time, so the command is
safe to stop (Ctrl-C) and to run again; a second run finds nothing to do. ``--dry-run`` lists what
would move and changes nothing. Needs ``WAGTAILIMAGES_RENDITION_STORAGE =
"wagtail_lfcloud.storage.RenditionStorage"`` (check ``wagtail_lfcloud.E030``).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from wagtail_lfcloud.management.progress import ProgressMixin
from wagtail_lfcloud.storage import routes_privately
from wagtail_lfcloud.storage.files import apply, package_images, planned_moves, rendition_storage


class Command(ProgressMixin, BaseCommand):
    help = (
        "Give the package's originals unguessable names and move renditions of unapproved files out of "
        "public storage. Idempotent; --dry-run lists what would change."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would change; change nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        if not routes_privately(rendition_storage()):
            raise CommandError(
                "The rendition storage is not wagtail_lfcloud.storage.RenditionStorage, so renditions of "
                "drafts would be written to public storage again. Set WAGTAILIMAGES_RENDITION_STORAGE = "
                '"wagtail_lfcloud.storage.RenditionStorage" first (see check wagtail_lfcloud.E030).'
            )
        images = list(package_images().prefetch_related("renditions"))
        moves = list(planned_moves(images))
        total = len(moves)
        if not total:
            self.stdout.write(
                "Nothing to do: no guessable original and no public rendition of an unapproved file."
            )
            return
        if dry_run:
            for move in moves:
                self.stdout.write(move.describe())
            self._summary(f"Dry run: {total} file(s) would change")
            return
        done = failed = 0
        started = time.monotonic()
        try:
            for move in moves:
                try:
                    apply(move)
                except Exception as e:  # noqa: BLE001 - one unreadable file must not stop the run
                    failed += 1
                    if self.stdout.isatty():
                        self.stdout.write("")
                    self.stderr.write(f"{move.describe()}: {e}")
                done += 1
                if self.stdout.isatty() or done == total:
                    self._progress(done, total, started)
        except KeyboardInterrupt:
            self._interrupted(done, total, "files")
        failures = (
            f"{failed} could not be moved (listed above); run the command again."
            if failed
            else None
        )
        self._summary(f"Made {done - failed} file(s) private or unguessable", failures)
