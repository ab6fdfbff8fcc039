"""System checks for production storage (ids ``wagtail_lfcloud.W020``-``W039`` / ``E020``-``E039``).

They catch the S3 settings that lose or leak files: overwriting originals, public originals,
renditions served through signed URLs of the private originals bucket. Storages are built from
their settings to read the options django-storages will really use (explicit ``OPTIONS`` over
``AWS_*`` settings over defaults); building one makes no network request.
Each check is listed with its fix in ``docs/how-to/production.md``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.files.storage import Storage, default_storage, storages
from django.utils.module_loading import import_string
from django_tasks import task_backends
from django_tasks.backends.dummy import DummyBackend
from django_tasks.backends.immediate import ImmediateBackend
from wagtail.images.forms import get_image_base_form

from ..conf import docs_url
from .retention import VersionedFileFormMixin

#: Longest lifetime (seconds) a signed URL to an original should have.
MAX_SIGNED_URL_EXPIRY = 3600
PUBLIC_ACLS = {"public-read", "public-read-write", "authenticated-read"}
DOCS = f"See {docs_url('how-to/production.md#3-settings')}."


def _is_s3(storage: Any) -> bool:
    try:
        # optional: django-storages' S3 backend needs boto3
        from storages.backends.s3 import S3Storage
    except ImportError:  # django-storages without boto3: cannot be S3
        return False
    return isinstance(storage, S3Storage)


def _build(config: dict) -> Storage:
    return storages.create_storage(config)


def _originals_storage() -> Storage | None:
    config = settings.STORAGES.get("default")
    if not config:
        return None
    return _build(config)


def _rendition_storage() -> tuple[Storage | None, str | None]:
    """The rendition storage and the ``STORAGES`` alias it comes from ("default" when unset)."""
    value = getattr(settings, "WAGTAILIMAGES_RENDITION_STORAGE", None)
    if value is None:
        return _originals_storage(), "default"
    if isinstance(value, str):
        if value in settings.STORAGES:
            return _build(settings.STORAGES[value]), value
        storage_class = import_string(value)
        return storage_class(), None
    if value is default_storage:
        return _originals_storage(), "default"
    return value, None


def _same_location(a: Storage, b: Storage) -> bool:
    return getattr(a, "bucket_name", None) == getattr(b, "bucket_name", None) and (
        getattr(a, "location", "") or ""
    ).strip("/") == (getattr(b, "location", "") or "").strip("/")


@register(Tags.security, Tags.compatibility)
def check_storage(app_configs=None, **kwargs) -> list:
    messages: list = []
    try:
        originals = _originals_storage()
    except Exception as exc:  # a broken STORAGES is Django's to report; say why ours cannot run
        return [
            Error(
                f"STORAGES['default'] cannot be built ({exc}); the storage checks could not run.",
                hint=DOCS,
                id="wagtail_lfcloud.E021",
            )
        ]
    try:
        renditions, renditions_alias = _rendition_storage()
    except Exception as exc:
        return [
            Error(
                f"WAGTAILIMAGES_RENDITION_STORAGE cannot be resolved ({exc}).",
                hint="Give a STORAGES alias (e.g. 'renditions') or a dotted path to a Storage class. "
                + DOCS,
                id="wagtail_lfcloud.E020",
            )
        ]

    if _is_s3(originals):
        messages += _original_messages(originals)
        if _is_s3(renditions) and (
            renditions_alias == "default" or _same_location(originals, renditions)
        ):
            if renditions.querystring_auth:
                messages.append(
                    Warning(
                        "Renditions are stored in the private, signed originals storage.",
                        hint=(
                            "Every rendition URL is signed per request (CPU, uncacheable HTML) and expires. "
                            "Give renditions their own storage: STORAGES['renditions'] on a separate bucket "
                            "and WAGTAILIMAGES_RENDITION_STORAGE = 'renditions'. " + DOCS
                        ),
                        id="wagtail_lfcloud.W024",
                    )
                )
        messages += _task_backend_messages()
    if _is_s3(renditions):
        if renditions.file_overwrite:
            messages.append(
                Warning(
                    "The rendition storage overwrites files with the same name (file_overwrite is on).",
                    hint=(
                        "Wagtail truncates rendition file names, so renditions of different images can "
                        "overwrite each other. Set OPTIONS['file_overwrite'] = False. " + DOCS
                    ),
                    id="wagtail_lfcloud.W025",
                )
            )
        if "renditions" not in getattr(settings, "CACHES", {}):
            messages.append(
                Warning(
                    "Renditions live on S3 but there is no 'renditions' cache.",
                    hint=(
                        "Wagtail looks renditions up in the 'renditions' cache before the database; without it "
                        "every image tag costs a query. Add CACHES['renditions'] (e.g. Redis). "
                        + DOCS
                    ),
                    id="wagtail_lfcloud.W027",
                )
            )
    return messages


def _task_backend_messages() -> list:
    """W028: with files on S3, slow work needs a queue that runs it elsewhere, and later."""
    try:
        backend = task_backends["default"]
    except Exception:  # a broken TASKS is django-tasks' to report
        return []
    name = type(backend).__name__
    if isinstance(backend, ImmediateBackend | DummyBackend):
        problem = (
            "rendition sets and bundles would run inside web requests"
            if isinstance(backend, ImmediateBackend)
            else "nothing would ever run"
        )
    elif not backend.supports_defer:
        problem = (
            "it cannot defer a task (run_after), so S3 failures and webhooks are never retried"
        )
    else:
        return []
    return [
        Warning(
            f"TASKS uses {name} while files live on S3: {problem}.",
            hint=(
                "Use a queue backend that can defer tasks: django_tasks_db.DatabaseBackend with "
                "`manage.py db_worker`, or django_tasks_rq.RQBackend with `manage.py rqworker "
                f"--with-scheduler`. See {docs_url('how-to/background-workers.md')}."
            ),
            id="wagtail_lfcloud.W028",
        )
    ]


def _original_messages(storage) -> list:
    messages = []
    if storage.file_overwrite:
        messages.append(
            Warning(
                "The default storage is S3 with file_overwrite on: an upload with the name of an existing "
                "file replaces that file, and every version referencing it changes.",
                hint="Set STORAGES['default']['OPTIONS']['file_overwrite'] = False. " + DOCS,
                id="wagtail_lfcloud.W020",
            )
        )
    if not storage.querystring_auth:
        messages.append(
            Warning(
                "Originals are public: the default S3 storage hands out unsigned URLs (querystring_auth is off).",
                hint=(
                    "Raw and unapproved files must not be reachable by anyone who learns a URL. Set "
                    "OPTIONS['querystring_auth'] = True and a short querystring_expire. " + DOCS
                ),
                id="wagtail_lfcloud.W021",
            )
        )
    elif storage.querystring_expire > MAX_SIGNED_URL_EXPIRY:
        messages.append(
            Warning(
                f"Signed URLs to originals live {storage.querystring_expire} s.",
                hint=f"A leaked link stays valid that long; keep querystring_expire at most {MAX_SIGNED_URL_EXPIRY}. "
                + DOCS,
                id="wagtail_lfcloud.W026",
            )
        )
    if storage.default_acl in PUBLIC_ACLS:
        messages.append(
            Warning(
                f"Originals are uploaded with the public ACL {storage.default_acl!r}.",
                hint="Set OPTIONS['default_acl'] = 'private' (or None with a private bucket policy). "
                + DOCS,
                id="wagtail_lfcloud.W022",
            )
        )
    if storage.custom_domain and not (storage.querystring_auth and storage.cloudfront_signer):
        messages.append(
            Warning(
                f"Originals are served from the custom domain {storage.custom_domain!r} without signed URLs.",
                hint=(
                    "django-storages does not sign S3 URLs on a custom domain, so originals become public. "
                    "Remove custom_domain from the originals storage (keep it for renditions) or configure "
                    "a CloudFront signer. " + DOCS
                ),
                id="wagtail_lfcloud.W023",
            )
        )
    return messages


@register(Tags.compatibility)
def check_image_form(app_configs=None, **kwargs) -> list:
    """Wagtail's image edit form deletes the old file when a new one is chosen; it must not for versions."""
    try:
        base = get_image_base_form()
    except ImportError as exc:
        return [
            Error(
                f"WAGTAILIMAGES_IMAGE_FORM_BASE cannot be imported ({exc}).",
                hint='Use "wagtail_lfcloud.storage.retention.LFCloudImageForm". ' + DOCS,
                id="wagtail_lfcloud.E022",
            )
        ]
    if issubclass(base, VersionedFileFormMixin):
        return []
    return [
        Warning(
            "Wagtail's image edit form can replace the file of an image that an asset version uses; the "
            "old file is then deleted. (The package refuses such a save, but with a server error.)",
            hint=(
                'Set WAGTAILIMAGES_IMAGE_FORM_BASE = "wagtail_lfcloud.storage.retention.LFCloudImageForm", or mix '
                "wagtail_lfcloud.storage.retention.VersionedFileFormMixin into your own image form base. "
                + DOCS
            ),
            id="wagtail_lfcloud.W029",
        )
    ]
