"""Migrated SQLite databases, built once per test session and copied instead of migrated again.

Migrating the test project takes about 12 s of CPU, the example site with its demo data about 20 s;
without this each xdist worker and each subprocess test paid it again. Here each is built once per
``pytest`` session, in a directory all the session's xdist workers share (a file lock makes one
worker build while the others wait), and copied:

- ``migrated_test_database(image_model, settings_module)``: ``migrate`` under the run's settings. On SQLite, each
  xdist worker's in-memory test database is restored from it with SQLite's backup API
  (tests/conftest.py ``django_db_modify_db_settings``), and subprocess tests copy the file
  (tests/storage/test_memory_bounds.py, tests/rights/test_usage.py).
- ``example_site_template``: the example site migrated and loaded with ``lfcloud_demo``, its
  database and media (tests/browser/conftest.py ``running_example_site``,
  tests/foundation/test_example_site.py).

A fresh session always builds fresh copies (nothing is reused between sessions), so a changed
migration or demo command can never be hidden by a stale file.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_SITE = ROOT / "example_site"


def shared_directory(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory shared by the session's xdist workers (their base temporary directories are
    siblings), or the session's own without xdist."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if hasattr(config, "workerinput") else base


def build_once(directory: Path, name: str, build: Callable[[Path], None]) -> Path:
    """``directory/name``, made by ``build(path)`` by the first worker that asks; the others wait
    for it. A failed build leaves nothing behind, so the next worker that asks tries again."""
    target = directory / name
    with (directory / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            partial = directory / f"{name}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            partial.unlink(missing_ok=True)
            build(partial)
            partial.rename(target)
    return target


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment of a subprocess under tests.settings on SQLite (``LFCLOUD_`` variables of the
    run removed, so the default image model unless ``extra`` says otherwise)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LFCLOUD_")}
    env.update({"DJANGO_SETTINGS_MODULE": "tests.settings", "LFCLOUD_TEST_DB": "sqlite", **extra})
    return env


def _run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command[1:])} failed ({done.returncode}):\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return done


def migrated_test_database(
    config, tmp_path_factory, image_model: str = "default", settings_module: str = "tests.settings"
) -> Path:
    """A SQLite file migrated under ``settings_module`` with ``image_model`` (copy it before
    writing)."""

    def build(path: Path) -> None:
        env = subprocess_env(
            LFCLOUD_TEST_SQLITE_NAME=str(path),
            LFCLOUD_TEST_IMAGE_MODEL=image_model,
            DJANGO_SETTINGS_MODULE=settings_module,
        )
        _run([sys.executable, "-m", "django", "migrate", "--no-input", "-v0"], env, ROOT)

    directory = shared_directory(config, tmp_path_factory)
    return build_once(directory, f"{settings_module}-{image_model}.sqlite3", build)


@pytest.fixture(scope="session")
def migrated_sqlite(request, tmp_path_factory) -> Path:
    """A SQLite file migrated under tests.settings (default image model), for subprocesses."""
    return migrated_test_database(request.config, tmp_path_factory)


def example_env(workdir: Path, **extra: str) -> dict[str, str]:
    """The environment of ``example_site/manage.py`` with its database and media in ``workdir``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("LFCLOUD_TEST_DB", "LFCLOUD_TEST_IMAGE_MODEL", "LFCLOUD_TEST_DATABASE_URL")
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "example.settings",
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            "MEDIA_ROOT": str(workdir / "media"),
        }
    )
    env.update(extra)
    return env


def example_site_template(config, tmp_path_factory) -> Path:
    """A directory with the example site's database (``db.sqlite3``) migrated and loaded with
    ``lfcloud_demo``, its media (``media/``, ``media-private/``) and, in ``outputs.json``, what
    ``migrate``, ``check`` and ``lfcloud_demo`` printed. Copy it before writing
    (:func:`copy_example_site`)."""

    def build(path: Path) -> None:
        path.mkdir()
        env = example_env(path)
        manage = [sys.executable, str(EXAMPLE_SITE / "manage.py")]
        outputs = {}
        for name, args in (
            ("migrate", ["migrate", "--no-input", "-v0"]),
            ("check", ["check"]),
            ("lfcloud_demo", ["lfcloud_demo"]),
        ):
            done = _run([*manage, *args], env, EXAMPLE_SITE)
            outputs[name] = {"stdout": done.stdout, "stderr": done.stderr}
        (path / "outputs.json").write_text(json.dumps(outputs))

    directory = shared_directory(config, tmp_path_factory)
    return build_once(directory, "example-site", build)


def copy_example_site(template: Path, workdir: Path) -> None:
    """Copy the example site's database and media from ``template`` into ``workdir``."""
    shutil.copytree(template, workdir, dirs_exist_ok=True)
    (workdir / "outputs.json").unlink()


@pytest.fixture(scope="session")
def sqlite_test_database_from_template(request, tmp_path_factory, django_db_use_migrations) -> None:
    """On SQLite, the in-memory test database will be a copy of the session's migrated file
    (restored with SQLite's backup API) instead of the result of its own ``migrate``
    (tests/conftest.py ``django_db_modify_db_settings`` asks for this)."""
    from django.db import connections

    connection = connections["default"]
    if (
        connection.vendor != "sqlite"
        or not django_db_use_migrations
        or not connection.creation.is_in_memory_db(connection.creation._get_test_db_name())
    ):
        return
    model = os.environ.get("LFCLOUD_TEST_IMAGE_MODEL", "default")
    template = migrated_test_database(
        request.config, tmp_path_factory, model, settings.SETTINGS_MODULE
    )
    connection.creation.create_test_db = _create_from(connection, template)


def _create_from(connection, template: Path):
    def create_test_db(verbosity=1, autoclobber=False, serialize=True, keepdb=False, **kwargs):
        creation = connection.creation
        name = creation._get_test_db_name()
        if verbosity >= 1:
            creation.log(f"Copying test database for alias {connection.alias!r} from {template}...")
        connection.close()
        settings.DATABASES[connection.alias]["NAME"] = name
        connection.settings_dict["NAME"] = name
        connection.ensure_connection()
        source = sqlite3.connect(template)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        if serialize:
            connection._test_serialized_contents = creation.serialize_db_to_string()
        return name

    return create_test_db
