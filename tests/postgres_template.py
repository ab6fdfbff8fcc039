"""A migrated PostgreSQL template database, built once per test session and cloned by each worker.

Migrating the test project takes about 12 s of CPU; without this each xdist worker paid it again.
The first worker that asks (a file lock in the directory the session's workers share, as for the
SQLite template in tests/sqlite_template.py) drops and creates ``<test database>_template_<variant>``
and runs ``migrate`` on it in a subprocess under the run's settings; every worker's test database
(``test_<name>_gwN``) is then made with ``CREATE DATABASE ... TEMPLATE``, a copy of the migrated
tables and of what ``post_migrate`` created (Wagtail's root page and collection, the package's
default workflow and groups). ``<variant>`` is a hash of the settings module and image model, so
two settings variants never share a template.

The template is rebuilt at the start of every session (nothing is reused between sessions), so a
changed migration can never be hidden by a stale template. It is left on the server afterwards
(the next session drops it); the test databases themselves are dropped as usual.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from django.conf import settings

from tests.sqlite_template import ROOT, build_once, shared_directory


def _template_name(test_name: str) -> str:
    variant = f"{settings.SETTINGS_MODULE}:{os.environ.get('LFCLOUD_TEST_IMAGE_MODEL', 'default')}"
    digest = hashlib.sha256(variant.encode()).hexdigest()[:8]
    # Without the xdist suffix (test_<name>_gw0 -> test_<name>), within PostgreSQL's 63 bytes.
    base = test_name.rsplit("_gw", 1)[0] if "_gw" in test_name else test_name
    return f"{base[:45]}_template_{digest}"


def _migrate_template(connection, template: str) -> None:
    """Drop and create ``template`` and migrate it in a subprocess, which exits before any clone."""
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{template}"')
        cursor.execute(f'CREATE DATABASE "{template}"')
    params = connection.settings_dict
    user = quote(params.get("USER") or "", safe="")
    password = f":{quote(params['PASSWORD'], safe='')}" if params.get("PASSWORD") else ""
    host = params.get("HOST") or "localhost"
    port = f":{params['PORT']}" if params.get("PORT") else ""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings.SETTINGS_MODULE,
        "LFCLOUD_TEST_DATABASE_URL": f"postgres://{user}{password}@{host}{port}/{template}",
    }
    env.pop("PYTEST_XDIST_WORKER", None)
    done = subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"migrate of {template} failed ({done.returncode}):\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )


@pytest.fixture(scope="session")
def postgres_test_database_from_template(
    request, tmp_path_factory, django_db_use_migrations
) -> None:
    """On PostgreSQL, the test database will be cloned from the session's migrated template instead
    of migrated by this worker (tests/conftest.py ``django_db_modify_db_settings`` asks for this)."""
    from django.db import connections

    connection = connections["default"]
    if connection.vendor != "postgresql" or not django_db_use_migrations:
        return
    template = _template_name(connection.creation._get_test_db_name())
    directory = shared_directory(request.config, tmp_path_factory)
    connection.creation.create_test_db = _clone_from(connection, template, directory)


def _clone_from(connection, template: str, directory):
    """``create_test_db`` for ``connection``: build the template if no worker has, then clone it.
    (Called by pytest-django's ``django_db_setup``, where database access is allowed.)"""

    def build(marker) -> None:
        _migrate_template(connection, template)
        marker.write_text(template)

    def create_test_db(verbosity=1, autoclobber=False, serialize=True, keepdb=False, **kwargs):
        creation = connection.creation
        name = creation._get_test_db_name()
        if verbosity >= 1:
            creation.log(f"Cloning test database for alias {connection.alias!r} from {template}...")
        build_once(directory, f"postgres-{template}.built", build)
        connection.close()
        for attempt in range(20):
            try:
                with connection._nodb_cursor() as cursor:
                    cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
                    cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                break
            except Exception as error:
                # Another worker's clone of the same template holds it for a moment.
                if "being accessed by other users" not in str(error) or attempt == 19:
                    raise
                time.sleep(0.25)
        settings.DATABASES[connection.alias]["NAME"] = name
        connection.settings_dict["NAME"] = name
        connection.close()
        connection.ensure_connection()
        if serialize:
            connection._test_serialized_contents = creation.serialize_db_to_string()
        return name

    return create_test_db
