"""The README's demo command: the example site migrates and its demo data loads, twice."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, env):
    return subprocess.run(
        [sys.executable, str(ROOT / "example_site" / "manage.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_example_site_migrates_and_loads_demo_data_idempotently(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "DJANGO_SETTINGS_MODULE": "example.settings",
    }
    for key in ("LFCLOUD_TEST_DB", "LFCLOUD_TEST_IMAGE_MODEL"):
        env.pop(key, None)
    result = manage("migrate", "--no-input", "-v0", env=env)
    assert result.returncode == 0, result.stderr
    check = manage("check", env=env)
    assert check.returncode == 0, check.stderr
    first = manage("lfcloud_demo", env=env)
    assert first.returncode == 0, first.stderr
    assert "admin" in first.stdout and "lfcloud-demo" in first.stdout
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
    assert int(before[0]) == 1 and int(before[1]) >= 6
