"""The storage system checks: each unsafe S3 setting is reported with its id, safe settings are not."""

import pytest
from django.core.checks import Warning

from tests.s3 import s3_storages_settings
from wagtail_lfcloud.storage.production_checks import check_storage

ENDPOINT = "http://127.0.0.1:9"  # never contacted: building a storage makes no request


def ids(messages) -> list[str]:
    return sorted(m.id for m in messages)


@pytest.fixture
def safe(settings):
    """The production block of docs/how-to/production.md."""
    settings.STORAGES = s3_storages_settings(ENDPOINT, "originals", "renditions")
    settings.WAGTAILIMAGES_RENDITION_STORAGE = "renditions"
    settings.CACHES = {
        **settings.CACHES,
        "renditions": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    return settings


def set_original_option(settings, **options):
    storages = {
        alias: {**conf, "OPTIONS": dict(conf.get("OPTIONS", {}))}
        for alias, conf in settings.STORAGES.items()
    }
    storages["default"]["OPTIONS"].update(options)
    settings.STORAGES = storages


def test_local_files_raise_nothing():
    # tests.settings: FileSystemStorage, no rendition storage.
    assert check_storage() == []


def test_the_documented_production_block_raises_nothing(safe):
    assert check_storage() == []


def test_overwriting_originals_is_reported(safe):
    set_original_option(safe, file_overwrite=True)
    messages = check_storage()
    assert ids(messages) == ["wagtail_lfcloud.W020"]
    assert isinstance(messages[0], Warning)
    assert "file_overwrite" in messages[0].hint


def test_unsigned_originals_are_reported(safe):
    set_original_option(safe, querystring_auth=False)
    assert ids(check_storage()) == ["wagtail_lfcloud.W021"]


def test_long_lived_signed_urls_are_reported(safe):
    set_original_option(safe, querystring_expire=7 * 24 * 3600)
    messages = check_storage()
    assert ids(messages) == ["wagtail_lfcloud.W026"]
    assert "604800" in messages[0].msg


@pytest.mark.parametrize("acl", ["public-read", "public-read-write"])
def test_public_acl_on_originals_is_reported(safe, acl):
    set_original_option(safe, default_acl=acl)
    messages = check_storage()
    assert ids(messages) == ["wagtail_lfcloud.W022"]
    assert acl in messages[0].msg


def test_custom_domain_on_originals_is_reported(safe):
    set_original_option(safe, custom_domain="cdn.example.com")
    messages = check_storage()
    assert ids(messages) == ["wagtail_lfcloud.W023"]
    assert "cdn.example.com" in messages[0].msg


def test_aws_settings_are_taken_into_account(safe):
    # Options left out of STORAGES fall back to AWS_* settings, as django-storages does.
    opts = safe.STORAGES["default"]["OPTIONS"]
    del opts["file_overwrite"]
    safe.AWS_S3_FILE_OVERWRITE = True
    assert ids(check_storage()) == ["wagtail_lfcloud.W020"]


def test_renditions_in_the_originals_storage_are_reported(safe):
    del safe.WAGTAILIMAGES_RENDITION_STORAGE
    messages = check_storage()
    assert ids(messages) == ["wagtail_lfcloud.W024"]
    assert "WAGTAILIMAGES_RENDITION_STORAGE" in messages[0].hint


def test_renditions_alias_on_the_originals_bucket_is_reported(safe):
    storages = dict(safe.STORAGES)
    storages["renditions"] = storages["default"]
    safe.STORAGES = storages
    assert ids(check_storage()) == ["wagtail_lfcloud.W024"]


def test_overwriting_renditions_are_reported(safe):
    storages = {
        alias: {**conf, "OPTIONS": dict(conf.get("OPTIONS", {}))}
        for alias, conf in safe.STORAGES.items()
    }
    storages["renditions"]["OPTIONS"]["file_overwrite"] = True
    safe.STORAGES = storages
    assert ids(check_storage()) == ["wagtail_lfcloud.W025"]


def test_missing_renditions_cache_is_reported(safe):
    safe.CACHES = {"default": safe.CACHES["default"]}
    assert ids(check_storage()) == ["wagtail_lfcloud.W027"]


def test_immediate_tasks_with_s3_are_reported(safe):
    safe.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    messages = check_storage()
    assert ids(messages) == ["wagtail_lfcloud.W028"]
    assert "inside web requests" in messages[0].msg
    assert "db_worker" in messages[0].hint


def test_task_backend_that_cannot_defer_is_reported(safe):
    """Retries after an S3 failure are deferred runs: a backend without run_after never retries."""
    safe.TASKS = {"default": {"BACKEND": "tests.testapp.tasks_backends.NoDeferBackend"}}
    messages = check_storage()
    assert ids(messages) == ["wagtail_lfcloud.W028"]
    assert "cannot defer" in messages[0].msg


def test_queue_backends_that_defer_pass(safe):
    safe.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert ids(check_storage()) == []
    pytest.importorskip("django_tasks_rq")
    safe.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": []}}
    safe.RQ_QUEUES = {"default": {"HOST": "127.0.0.1", "PORT": 6379, "DB": 0}}
    assert ids(check_storage()) == []


def test_unknown_rendition_storage_is_an_error(safe):
    safe.WAGTAILIMAGES_RENDITION_STORAGE = "no.such.Storage"
    assert ids(check_storage()) == ["wagtail_lfcloud.E020"]


def test_broken_default_storage_is_an_error(safe):
    safe.STORAGES = {**safe.STORAGES, "default": {"BACKEND": "no.such.Storage"}}
    assert ids(check_storage()) == ["wagtail_lfcloud.E021"]


def test_registered_with_django(safe):
    from django.core import checks

    set_original_option(safe, querystring_auth=False)
    assert "wagtail_lfcloud.W021" in ids(checks.run_checks(tags=["security"]))
