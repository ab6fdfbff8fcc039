"""What the package's long-running management commands share: a progress bar, the message when
they are interrupted, and the closing summary."""

from __future__ import annotations

import sys
import time


class ProgressMixin:
    """For a :class:`~django.core.management.base.BaseCommand` working through ``total`` items."""

    def _progress(self, done: int, total: int, started: float) -> None:
        """A bar redrawn in place on a terminal, one line per call otherwise (logs, CI)."""
        width = 30
        filled = round(width * done / total)
        elapsed = time.monotonic() - started
        bar = "#" * filled + "-" * (width - filled)
        line = f"[{bar}] {done}/{total} {elapsed:.0f}s"
        if self.stdout.isatty():
            self.stdout.write("\r" + line, ending="")
            self.stdout.flush()
        else:
            self.stdout.write(line)

    def _interrupted(self, done: int, total: int, what: str = "versions") -> None:
        """Say where Ctrl-C stopped the work (it is safe to run again) and exit with 130."""
        self.stdout.write("")
        self.stdout.write(
            self.style.WARNING(
                f"Interrupted after {done}/{total} {what}; run the command again to continue."
            )
        )
        sys.exit(130)

    def _summary(self, message: str, problem: str | None = None) -> None:
        """``message`` in green, or with ``problem`` appended as a warning."""
        self.stdout.write("")
        if problem:
            self.stdout.write(self.style.WARNING(f"{message}; {problem}"))
        else:
            self.stdout.write(self.style.SUCCESS(message + "."))
