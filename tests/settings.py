"""Test settings.

Environment:
- ``LFCLOUD_TEST_DB``: ``sqlite`` (default) or ``postgres`` (``LFCLOUD_TEST_DATABASE_URL`` overrides
  the PostgreSQL URL, default ``postgres://postgres@127.0.0.1:5432/lfcloud``).
- ``LFCLOUD_TEST_IMAGE_MODEL``: ``default`` (``wagtailimages.Image``) or ``custom`` (``testapp.CustomImage``).
"""

import os
import tempfile
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "lfcloud-tests-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]

DB = os.environ.get("LFCLOUD_TEST_DB", "sqlite")
if DB == "postgres":
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ.get(
                "LFCLOUD_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lfcloud"
            )
        )
    }
elif DB == "sqlite":
    # A file (LFCLOUD_TEST_SQLITE_NAME) lets a subprocess reuse a migrated database (memory probes).
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("LFCLOUD_TEST_SQLITE_NAME", ":memory:"),
        }
    }
else:
    raise RuntimeError(f"LFCLOUD_TEST_DB must be sqlite or postgres, not {DB!r}")

if os.environ.get("LFCLOUD_TEST_IMAGE_MODEL", "default") == "custom":
    WAGTAILIMAGES_IMAGE_MODEL = "testapp.CustomImage"

INSTALLED_APPS = [
    "wagtail_lfcloud",
    "tests.testapp",
    "wagtail.api.v3",
    "wagtail.contrib.settings",
    "wagtail.contrib.forms",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "ninja",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tests.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en"
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static-test"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media-test"  # replaced per test by conftest.py

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Outside MEDIA_ROOT and outside the repository; replaced per test by conftest.py.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": Path(tempfile.gettempdir()) / "lfcloud-private-test"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Renditions of unapproved files go to STORAGES["private"], approved ones to the default storage.
WAGTAILIMAGES_RENDITION_STORAGE = "wagtail_lfcloud.storage.RenditionStorage"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "lfcloud@example.com"

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

WAGTAIL_SITE_NAME = "LF Cloud tests"
WAGTAILADMIN_BASE_URL = "http://testserver"
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILAPI_DOCS_ENABLED = True
# An image that is a version of an asset never has its file replaced in place (upload a new version).
WAGTAILIMAGES_IMAGE_FORM_BASE = "wagtail_lfcloud.storage.retention.LFCloudImageForm"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
# Usage counts are flushed by the tests themselves (no background flush thread per test process).
WAGTAIL_LFCLOUD_USAGE_FLUSH_SECONDS = 0
