"""The reference docs stay true to the code."""

import re
from pathlib import Path

from wagtail_lfcloud.conf import DEFAULTS

DOCS = Path(__file__).resolve().parents[2] / "docs"
PACKAGE = Path(__file__).resolve().parents[2] / "wagtail_lfcloud"


def test_every_setting_is_documented():
    text = (DOCS / "reference" / "settings.md").read_text()
    missing = [name for name in DEFAULTS if f"WAGTAIL_LFCLOUD_{name}`" not in text]
    assert not missing, f"Undocumented settings: {missing}"


def test_every_check_id_is_documented():
    ids = set()
    for path in PACKAGE.rglob("*.py"):
        ids |= set(re.findall(r"wagtail_lfcloud\.[EW]\d{3}", path.read_text()))
    text = (DOCS / "reference" / "checks.md").read_text()
    missing = sorted(i for i in ids if i not in text)
    assert ids and not missing, f"Undocumented check ids: {missing}"
