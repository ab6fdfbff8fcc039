"""``manage.py lfcloud_hash_versions (--brand SLUG | --all) [--batch-size N]``

Computes the perceptual hash (``AssetVersion.perceptual_hash``, see ``wagtail_lfcloud.assets.similarity``)
of versions that have none: versions uploaded before the hash existed, or whose background task
failed. Versions are read in batches in primary-key order, and each hash is saved as soon as it is
computed, so the command is safe to stop (Ctrl-C) and run again; versions that have a hash are
never read again. A file that cannot be read is reported and left without a hash (the next run
tries it again).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from wagtail_lfcloud.assets.similarity import hash_version
from wagtail_lfcloud.management.progress import ProgressMixin
from wagtail_lfcloud.models import AssetVersion, Brand


class Command(ProgressMixin, BaseCommand):
    help = "Compute the perceptual hash of asset versions that have none (the review page's look-alike check)."

    def add_arguments(self, parser):
        parser.add_argument("--brand", metavar="SLUG", help="Only this brand's versions.")
        parser.add_argument(
            "--all", action="store_true", help="Every brand (needed without --brand)."
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=200,
            metavar="N",
            help="Versions read per query (default 200).",
        )

    def handle(self, *args, brand=None, all=False, batch_size=200, **options):
        if not (brand or all):
            raise CommandError("Give --brand SLUG or --all.")
        if brand and all:
            raise CommandError("Give either --brand SLUG or --all, not both.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        todo = AssetVersion.objects.filter(perceptual_hash="")
        if brand:
            if not Brand.objects.filter(slug=brand).exists():
                raise CommandError(f"No brand with the slug {brand!r}.")
            todo = todo.filter(asset__brand__slug=brand)

        total = todo.count()
        if not total:
            self.stdout.write("Nothing to do: every version has a perceptual hash.")
            return
        done = failed = 0
        last_pk = 0
        started = time.monotonic()
        try:
            while True:
                batch = list(
                    todo.filter(pk__gt=last_pk)
                    .select_related("image", "asset__product")
                    .order_by("pk")[:batch_size]
                )
                if not batch:
                    break
                for version in batch:
                    last_pk = version.pk
                    try:
                        hash_version(version)
                    except Exception as e:  # noqa: BLE001 - one unreadable file must not stop the run
                        failed += 1
                        if self.stdout.isatty():
                            self.stdout.write("")  # end the progress line
                        self.stderr.write(f"{version} ({version.image.file.name}): {e}")
                    done += 1
                    if self.stdout.isatty():
                        self._progress(done, total, started)
                if not self.stdout.isatty():
                    self._progress(done, total, started)
        except KeyboardInterrupt:
            self._interrupted(done, total)
        failures = (
            f"{failed} could not be read (listed above) and have no hash." if failed else None
        )
        self._summary(f"Hashed {done - failed} version(s)", failures)
