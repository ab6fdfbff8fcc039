import os

import pytest
from django.core.cache import caches

# The moto S3 server's fixtures (s3_storages, moto_server), and migrated SQLite databases built
# once per session (the SQLite test database, subprocesses, the example site), and the PostgreSQL
# template database each worker clones, for every suite.
pytest_plugins = ["tests.s3", "tests.sqlite_template", "tests.postgres_template"]


def _uses_db(item) -> bool:
    """As pytest-django decides when it orders the tests (database tests first)."""
    return bool(item.get_closest_marker("django_db")) or bool(
        {"db", "transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
    )


@pytest.hookimpl(trylast=True)  # after pytest-django's ordering, which it keeps
def pytest_collection_modifyitems(config, items):
    """The longest tests start early, so that no xdist worker is left with a long one at the end:
    those marked ``slow`` (Django in subprocesses) first, and the browser tests (the crawl, one
    test per role, first of all) first of the tests without a database, which pytest-django puts
    last. Browser tests must not run before a database test of the same worker: Playwright's
    event loop would make Django refuse database access (SynchronousOnlyOperation). Each xdist
    worker that runs browser tests serves its own copy of the example site."""
    slow = [
        i for i in items if i.get_closest_marker("slow") and not i.get_closest_marker("browser")
    ]
    rest = [
        i
        for i in items
        if not (i.get_closest_marker("slow") and not i.get_closest_marker("browser"))
    ]
    last_db = max((n for n, item in enumerate(rest) if _uses_db(item)), default=-1)
    head, tail = rest[: last_db + 1], rest[last_db + 1 :]
    tail.sort(key=lambda item: 0 if item.get_closest_marker("browser") else 1)
    items[:] = slow + head + tail
    if os.environ.get("LFCLOUD_TEST_DB") == "postgres":
        _select_database_tests(config, items)
    _check_xdist_groups(config, items)


def _select_database_tests(config, items) -> None:
    """The PostgreSQL run is there for what the database changes: it keeps the tests that reach
    the suite's database (pytest-django's ``db`` and its kin, or marked ``database`` when they reach
    it another way, e.g. Django in a subprocess with the suite's settings) and deselects the rest,
    which run the same code on the same inputs in the SQLite run. Tests marked ``own_sqlite`` run on
    a SQLite file of their own whatever the suite's database: skipped, saying so."""
    own = pytest.mark.skip(reason="runs on its own SQLite database: covered by the SQLite run")
    kept, deselected = [], []
    for item in items:
        if item.get_closest_marker("own_sqlite"):
            item.add_marker(own)
        elif not (
            _uses_db(item)
            or item.get_closest_marker("database")
            or item.get_closest_marker("postgres")
        ):
            deselected.append(item)
            continue
        kept.append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def pytest_configure(config):
    """With ``--dist loadgroup``, xdist sends the largest group first unless told not to; that
    would run the S3 browser tests before a database test of the same worker (see above)."""
    if getattr(config.option, "dist", None) == "loadgroup":
        config.option.loadscopereorder = False


def pytest_make_parametrize_id(config, val, argname):
    """A parameter of bytes is named after its argument, never by its content: generated files hold
    random bytes or the time they were written, and xdist refuses a run whose workers collected
    different test ids (pytest numbers the duplicates: content0, content1, ...)."""
    if isinstance(val, (bytes, bytearray)):
        return argname
    return None


_UNGROUPED = pytest.StashKey[set]()


def _check_xdist_groups(config, items) -> None:
    """With ``--dist loadgroup`` each xdist worker suffixes the nodeid of a test marked
    ``xdist_group`` with ``@<group>``, and the scheduler sends a group to one worker. If a pytest or
    pytest-xdist upgrade loses that (pytest 9.2 with xdist 3.8 did, silently), the tests of a group
    spread over the workers and each starts its own example site: those tests fail and say why."""
    lost = set()
    if config.getoption("loadgroup", default=False):
        lost = {
            i.nodeid for i in items if i.get_closest_marker("xdist_group") and "@" not in i.nodeid
        }
    config.stash[_UNGROUPED] = lost


def pytest_runtest_setup(item):
    if item.nodeid in item.config.stash.get(_UNGROUPED, set()):
        pytest.fail(
            "--dist loadgroup did not group this test marked xdist_group: this pytest-xdist does "
            "not work with this pytest (see the pin of pytest in pyproject.toml)",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix,
    sqlite_test_database_from_template,
    postgres_test_database_from_template,
):
    """Each xdist worker's test database is a copy of one migrated once per session: on SQLite
    restored from a file (tests/sqlite_template.py), on PostgreSQL cloned from a template database
    (tests/postgres_template.py)."""


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Each test writes files into its own temporary MEDIA_ROOT (and private storage, outside it)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    if "private" in settings.STORAGES:
        settings.STORAGES = {
            **settings.STORAGES,
            "private": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(tmp_path / "private")},
            },
        }


@pytest.fixture(autouse=True)
def _clear_caches():
    """Primary keys repeat across rolled-back tests, so a rendition (or anything else) cached by an
    earlier test must not leak into the next one."""
    for cache in caches.all():
        cache.clear()
    yield


@pytest.fixture
def brand(db):
    """A brand (suites that need another one define their own ``brand`` fixture)."""
    from tests.factories import make_brand

    return make_brand("Acme")


@pytest.fixture
def other_brand(db):
    """A second brand, whose data must never show up for ``brand``'s people."""
    from tests.factories import make_brand

    return make_brand("Globex")
