"""``manage.py lfcloud_fsck``: report versions without files, files without rows, assets without a current version."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from ...storage.fsck import check


class Command(BaseCommand):
    help = (
        "Check that every asset version's file is in storage, that no stored file is unreferenced, and that "
        "every approved asset has exactly one current version. Changes nothing; exits with status 1 if "
        "anything is wrong."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
        parser.add_argument(
            "--no-orphans",
            action="store_true",
            help="Skip listing the storages for unreferenced files (faster on large buckets).",
        )

    def handle(self, *args, **options):
        report = check(orphans=not options["no_orphans"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            checked = ", ".join(
                f"{count} {what.replace('_', ' ')}" for what, count in report.checked.items()
            )
            self.stdout.write(f"Checked {checked}.")
            for problem in report.problems:
                self.stdout.write(f"{problem.code}: {problem.message}")
            if report.ok:
                self.stdout.write(self.style.SUCCESS("No problems found."))
            else:
                self.stderr.write(self.style.ERROR(f"{len(report.problems)} problem(s) found."))
        if not report.ok:
            raise SystemExit(1)
