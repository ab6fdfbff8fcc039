"""``manage.py lfcloud_check FILE... --channel KEY [--channel KEY] [--json]``

Checks files against channel rules and exits with status 1 when any check fails, so it can
gate a CI job or a studio's export script. Warnings are printed but do not fail the run.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from wagtail_lfcloud.channels.compliance import check_file
from wagtail_lfcloud.channels.errors import UnknownChannelError

SYMBOLS = {"pass": "PASS", "warn": "WARN", "fail": "FAIL"}


class Command(BaseCommand):
    help = "Check image files against channel compliance rules (exit 1 if any check fails)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument(
            "--channel",
            "-c",
            action="append",
            required=True,
            dest="channels",
            metavar="KEY",
            help="Channel preset key; repeat for several channels.",
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the reports as JSON."
        )

    def handle(self, *args, files, channels, as_json: bool = False, **options):
        self.verbosity = options.get("verbosity", 1)
        try:
            reports = [check_file(path, key) for path in files for key in channels]
        except UnknownChannelError as e:
            raise CommandError(str(e)) from e
        if as_json:
            self.stdout.write(json.dumps([r.to_dict() for r in reports], indent=2))
        else:
            for report in reports:
                self._print(report)
        failed = [r for r in reports if r.status == "fail"]
        if failed:
            # CommandError exits non-zero; the reports above already say why.
            raise CommandError(f"{len(failed)} of {len(reports)} check(s) failed", returncode=1)

    def _print(self, report):
        style = {"pass": self.style.SUCCESS, "warn": self.style.WARNING, "fail": self.style.ERROR}
        self.stdout.write(
            style[report.status](
                f"{SYMBOLS[report.status]} {report.name or '-'} [{report.channel}]"
            )
        )
        for result in report.results:
            if result.status != "pass" or self.verbosity > 1:
                self.stdout.write(f"  {SYMBOLS[result.status]} {result.code}: {result.message}")
