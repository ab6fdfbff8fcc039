"""``manage.py lfcloud_purge``: permanently delete old rejected versions and unreferenced files."""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from ...assets.direct import purge_abandoned
from ...storage.purge import purge_orphan_files, purge_rejected_versions


class Command(BaseCommand):
    help = (
        "Permanently delete rejected versions older than N days (with their files) and/or files in the image "
        "storage that no image references. Current and superseded versions are never touched. Use --dry-run "
        "to list what would be deleted. Every deletion is logged as wagtail_lfcloud.purged."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--rejected-older-than",
            type=int,
            metavar="DAYS",
            help="Delete versions rejected more than DAYS days ago.",
        )
        parser.add_argument(
            "--orphans",
            action="store_true",
            help="Delete original files no image row references and rendition files no rendition row references.",
        )
        parser.add_argument(
            "--orphans-older-than",
            type=int,
            default=24,
            metavar="HOURS",
            help="Only orphan files last modified more than HOURS hours ago (default 24), so uploads in "
            "progress are never touched.",
        )
        parser.add_argument(
            "--abandoned-uploads",
            type=int,
            metavar="HOURS",
            help="Abort S3 multipart uploads and delete staging objects of uploads sent straight "
            "to S3 that were started more than HOURS hours ago and never registered.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be deleted; delete nothing."
        )

    def handle(
        self,
        *args,
        rejected_older_than,
        orphans,
        orphans_older_than,
        dry_run,
        abandoned_uploads=None,
        **options,
    ):
        if rejected_older_than is None and not orphans and abandoned_uploads is None:
            raise CommandError(
                "Nothing to do: give --rejected-older-than DAYS, --orphans and/or "
                "--abandoned-uploads HOURS."
            )
        if abandoned_uploads is not None and abandoned_uploads < 0:
            raise CommandError("--abandoned-uploads must be zero or more hours.")
        if rejected_older_than is not None and rejected_older_than < 0:
            raise CommandError("--rejected-older-than must be zero or more days.")
        if orphans_older_than < 0:
            raise CommandError("--orphans-older-than must be zero or more hours.")
        verb = "Would delete" if dry_run else "Deleted"
        if rejected_older_than is not None:
            result = purge_rejected_versions(timedelta(days=rejected_older_than), dry_run=dry_run)
            for _pk, label, file_name in result.versions:
                self.stdout.write(f"{verb} version {label} ({file_name})")
            for label in result.kept_images:
                self.stdout.write(f"Kept the image of {label}: something else still uses it.")
            self.stdout.write(f"{verb} {len(result.versions)} rejected version(s).")
        if orphans:
            result = purge_orphan_files(timedelta(hours=orphans_older_than), dry_run=dry_run)
            for name in result.files:
                self.stdout.write(f"{verb} orphan file {name}")
            self.stdout.write(f"{verb} {len(result.files)} orphan file(s).")
        if abandoned_uploads is not None:
            keys = purge_abandoned(timedelta(hours=abandoned_uploads), dry_run=dry_run)
            for key in keys:
                self.stdout.write(f"{verb} abandoned upload {key}")
            self.stdout.write(f"{verb} {len(keys)} abandoned upload part(s) or object(s).")
