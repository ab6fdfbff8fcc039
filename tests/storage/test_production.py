"""The production page (docs/how-to/production.md), followed from scratch, works end to end.

tests.settings_production executes the page's settings block. This test gives it a fresh
database and two fresh buckets on the moto S3 server, then plays a deployment: a web process
migrates, passes ``check --deploy`` and takes an upload; a separate ``db_worker`` process runs
the queued work; the files end up where the page says, with the URLs it promises.
"""

import json
import os
import secrets
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import dj_database_url
import pytest

from tests.s3 import ACCESS_KEY, REGION, SECRET_KEY

# Its deployment uses the suite's database server (a fresh database on it): PostgreSQL in that run.
pytestmark = [pytest.mark.s3, pytest.mark.slow, pytest.mark.database]

ROOT = Path(__file__).resolve().parents[2]


def fresh_database_url(tmp_path) -> str:
    if os.environ.get("LFCLOUD_TEST_DB", "sqlite") != "postgres":
        return f"sqlite:///{tmp_path / 'production.sqlite3'}"
    import psycopg

    base = os.environ.get("LFCLOUD_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lfcloud")
    config = dj_database_url.parse(base)
    # One per xdist worker: two workers must not drop each other's database.
    name = f"{config['NAME']}_production{os.environ.get('PYTEST_XDIST_WORKER', '')}"
    admin_url = base.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    return base.rsplit("/", 1)[0] + "/" + name


def run(env, *args, timeout=300) -> str:
    completed = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return completed.stdout


def step(env, name) -> dict:
    return json.loads(
        run(env, "-m", "tests.storage.production_scenario", name).strip().splitlines()[-1]
    )


def production_env(moto_server, tmp_path) -> tuple[dict, str, str]:
    """The environment a deployment following the page would have, with fresh database and buckets."""
    suffix = uuid.uuid4().hex[:8]
    originals = moto_server.create_bucket(f"prod-originals-{suffix}")
    renditions = moto_server.create_bucket(f"prod-renditions-{suffix}")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings_production",
        # The variables the page lists.
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "cms.example.com",
        "WAGTAILADMIN_BASE_URL": "https://cms.example.com",
        "DATABASE_URL": fresh_database_url(tmp_path),
        "LFCLOUD_ORIGINALS_BUCKET": originals,
        "LFCLOUD_RENDITIONS_BUCKET": renditions,
        "LFCLOUD_S3_REGION": REGION,
        "LFCLOUD_S3_ENDPOINT_URL": moto_server.endpoint_url,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    }
    return env, originals, renditions


def test_following_the_production_page_from_scratch(moto_server, tmp_path):
    env, originals, renditions = production_env(moto_server, tmp_path)

    # The web process: migrate, check --deploy, one upload.
    web = step(env, "prepare")
    assert web["checks"] == [], "the production page should raise no system check at all"
    assert moto_server.keys(originals) == [web["original"]]
    assert "X-Amz-Signature=" in web["original_url"] and "X-Amz-Expires=300" in web["original_url"]
    with urllib.request.urlopen(web["original_url"]) as response:
        assert response.status == 200 and response.read(2) == b"\xff\xd8"
    # Nothing was rendered on the request path: the work waits in the queue.
    assert moto_server.keys(renditions) == []

    # A separate worker process drains the queue.
    run(env, "-m", "django", "db_worker", "--batch", "--no-startup-delay", "--no-reload")

    after = step(env, "report")
    # Wagtail queues its own tasks too (search index updates); every task ran, and ran well.
    assert {status for _task, status in after["tasks"]} == {"SUCCESSFUL"}
    ours = {"build_channel_renditions_task", "generate_version_previews"}
    assert sorted(task for task, _status in after["tasks"] if task in ours) == sorted(ours)
    assert after["channel_renditions"] == [["ig_square", "ready", ""]]
    rendition_files = sorted(name for _spec, name, _url in after["renditions"])
    assert moto_server.keys(renditions) == rendition_files
    assert len(rendition_files) == 3  # two admin previews and the channel file
    for _spec, name, url in after["renditions"]:
        assert url == f"{moto_server.endpoint_url}/{renditions}/{name}"  # unsigned, cacheable
    assert moto_server.keys(originals) == [web["original"]]
    assert after["fsck"]["ok"], after["fsck"]["problems"]


def test_a_worker_dying_mid_rendition_loses_nothing(moto_server, tmp_path):
    env, originals, renditions = production_env(moto_server, tmp_path)
    web = step(env, "prepare")

    died = subprocess.run(
        [sys.executable, "-m", "tests.storage.production_scenario", "worker_dies"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert died.returncode == 137, died.stderr[-3000:]

    after = step(env, "report")
    # The version and its original are untouched; the channel set was never recorded as ready.
    assert moto_server.keys(originals) == [web["original"]]
    assert ["build_channel_renditions_task", "RUNNING"] in after["tasks"]
    assert all(status != "ready" for _channel, status, _error in after["channel_renditions"])
    problems = {p["code"] for p in after["fsck"]["problems"]}
    assert problems == {"orphan_rendition_file"}, after["fsck"]["problems"]
    orphans = {p["details"]["file"] for p in after["fsck"]["problems"]}
    assert orphans <= set(moto_server.keys(renditions))

    # Recovery, as docs/how-to/background-workers.md says: run the set again, purge the orphans.
    run(env, "-m", "django", "lfcloud_renditions", "--all")
    run(env, "-m", "django", "lfcloud_purge", "--orphans", "--orphans-older-than", "0")
    final = step(env, "report")
    assert final["channel_renditions"] == [["ig_square", "ready", ""]]
    assert final["fsck"]["ok"], final["fsck"]["problems"]
    assert not orphans & set(moto_server.keys(renditions))
