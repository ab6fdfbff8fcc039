import pytest
from django.core.cache import caches

# The moto S3 server's fixtures (s3_storages, moto_server), and migrated SQLite databases built
# once per session (the SQLite test database, subprocesses, the example site), for every suite.
pytest_plugins = ["tests.s3", "tests.sqlite_template"]


def pytest_collection_modifyitems(items):
    """Browser tests share one example site per worker (a session fixture that migrates and loads
    demo data): with ``--dist loadgroup`` (scripts/test) they all run on one xdist worker."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix, sqlite_test_database_from_template
):
    """On SQLite, each xdist worker's test database is a copy of one migrated once per session
    (tests/sqlite_template.py)."""


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
