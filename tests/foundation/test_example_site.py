"""The README's demo command: the example site migrates and its demo data loads, twice, and the
data is what the README and the tutorial say: two brands, orders whose status follows the status
machine, photos that do not look alike, a paid invoice that reads Paid.

The first ``migrate``, ``check`` and ``lfcloud_demo`` are the session's example site
(tests/sqlite_template.py, shared with the browser tests); this test reads what they printed and
runs ``lfcloud_demo`` again on a copy."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sqlite_template import copy_example_site, example_env, example_site_template

ROOT = Path(__file__).resolve().parents[2]

# The example site runs on its own SQLite database whatever the suite runs on.
pytestmark = pytest.mark.own_sqlite


def manage(*args, env):
    return subprocess.run(
        [sys.executable, str(ROOT / "example_site" / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_example_site_migrates_and_loads_demo_data_idempotently(
    request, tmp_path_factory, tmp_path
):
    # migrate, check and the first lfcloud_demo ran without error (or the template would be missing).
    template = example_site_template(request.config, tmp_path_factory)
    outputs = json.loads((template / "outputs.json").read_text())
    first = outputs["lfcloud_demo"]["stdout"]
    copy_example_site(template, tmp_path)
    env = example_env(tmp_path)
    assert "admin" in first and "lfcloud-demo" in first
    # Not silent: each step is announced before it runs, and the logins of both brands are printed.
    assert "- Northwind Outfitters: catalog, people and roles ..." in first
    assert "fk-brandadmin" in first and "Fabrikam" in first
    # Roles by their names, not their slugs.
    assert "brand admin" in first and "brand_admin" not in first
    counts_script = (
        "from wagtail_lfcloud.models import *; from wagtail.images import get_image_model; "
        "print(Brand.objects.count(), Product.objects.count(), get_image_model().objects.count(), "
        "AssetVersion.objects.count())"
    )
    before = manage("shell", "-c", counts_script, env=env).stdout.strip().splitlines()[-1].split()
    second = manage("lfcloud_demo", env=env)
    assert second.returncode == 0, second.stderr
    after = manage("shell", "-c", counts_script, env=env).stdout.strip().splitlines()[-1].split()
    assert before == after, "running the demo twice must create nothing twice"
    assert int(before[0]) == 2 and int(before[1]) >= 11
    facts_script = (
        "from wagtail_lfcloud.models import *; "
        "from wagtail_lfcloud.assets.similarity import similar_versions; "
        "print(sorted(set(Order.objects.values_list('status', flat=True)))); "
        "print(dict(Invoice.objects.values_list('number', 'status'))); "
        "print(sum(len(similar_versions(v)) for v in AssetVersion.objects.all())); "
        "print(sorted(set(AssetVersion.objects.values_list('status', flat=True))))"
    )
    statuses, invoices, look_alikes, version_statuses = (
        manage("shell", "-c", facts_script, env=env).stdout.strip().splitlines()[-4:]
    )
    # The studio has uploaded and some photos are approved: the orders are in review, not submitted.
    assert statuses == "['in_review']"
    # A payment covering the invoice makes it Paid; the other brand's is still Issued.
    assert invoices == "{'FK-INV-0001': 'issued', 'NW-INV-0001': 'paid'}"
    # Each demo photo shows a different product or view: no review page warns of look-alikes.
    assert look_alikes == "0"
    assert version_statuses == "['current', 'in_review']"


def test_example_site_links_in_emails_use_the_port_served(tmp_path):
    """scripts/demo serves on PORT; links built outside a request (emails) must use that port."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "example.settings", "PORT": "8123"}
    for key in ("LFCLOUD_TEST_DB", "LFCLOUD_TEST_IMAGE_MODEL", "WAGTAILADMIN_BASE_URL"):
        env.pop(key, None)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    code = "from django.conf import settings; print(settings.WAGTAILADMIN_BASE_URL)"
    result = manage("shell", "-c", code, env=env)
    assert result.stdout.strip().splitlines()[-1] == "http://127.0.0.1:8123", result.stderr
    script = (ROOT / "scripts" / "demo").read_text()
    assert "WAGTAILADMIN_BASE_URL=${WAGTAILADMIN_BASE_URL:-http://127.0.0.1:$PORT}" in script
