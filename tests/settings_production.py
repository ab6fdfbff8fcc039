"""Test settings that follow docs/how-to/production.md literally.

The production block is read out of the documentation page and executed over tests.settings,
so the page and what is tested cannot drift apart. Everything environment-specific comes from
the environment variables the page lists; ``tests/storage/test_production.py`` sets them to
a fresh database and to buckets on the moto S3 server, then runs a web process and a separate
``db_worker`` process with these settings.
"""

import re
from pathlib import Path

from tests.settings import *  # noqa: F403

PAGE = Path(__file__).resolve().parent.parent / "docs" / "how-to" / "production.md"
BLOCK = re.compile(
    r"^# --- wagtail-lfcloud production block.*?^# --- end of the wagtail-lfcloud production block",
    re.M | re.S,
)


def production_block() -> str:
    """The settings block of the production page, as a reader would copy it."""
    match = BLOCK.search(PAGE.read_text())
    if match is None:
        raise RuntimeError(f"No production settings block found in {PAGE}")
    return match.group(0)


exec(compile(production_block(), str(PAGE), "exec"))
