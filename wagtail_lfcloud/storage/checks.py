"""System checks that unapproved files cannot land in public storage (``E030``, ``E031``, ``W030``).

Each is listed with its fix in ``docs/reference/checks.md``.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.core.files.storage import FileSystemStorage
from wagtail.images import get_image_model

from ..conf import docs_url
from .privacy import private_storage, private_storage_alias
from .renditions import routes_privately

DOCS = f"See {docs_url('how-to/production.md#private-files')}."
SETTING = 'WAGTAILIMAGES_RENDITION_STORAGE = "wagtail_lfcloud.storage.RenditionStorage"'


def _is_s3(storage) -> bool:
    try:
        # optional: django-storages' S3 backend needs boto3
        from storages.backends.s3 import S3Storage
    except ImportError:
        return False
    return isinstance(storage, S3Storage)


def why_public(storage) -> str | None:
    """Why files written to ``storage`` are reachable by anyone with their URL, or ``None``."""
    if _is_s3(storage):
        if not storage.querystring_auth:
            return "it is S3 with unsigned URLs (querystring_auth off)"
        if storage.custom_domain and not getattr(storage, "cloudfront_signer", None):
            return f"its URLs on the custom domain {storage.custom_domain!r} are not signed"
        if storage.default_acl in {"public-read", "public-read-write"}:
            return f"it uploads with the public ACL {storage.default_acl!r}"
        return None
    if isinstance(storage, FileSystemStorage) and _inside_media_root(storage):
        return f"it is MEDIA_ROOT on the local file system, which web servers serve at {settings.MEDIA_URL!r}"
    return None


def _inside_media_root(storage) -> bool:
    if not isinstance(storage, FileSystemStorage) or not settings.MEDIA_ROOT:
        return False
    location = os.path.realpath(storage.location)
    media = os.path.realpath(str(settings.MEDIA_ROOT))
    return location == media or location.startswith(media + os.sep)


@register(Tags.security)
def check_private_files(app_configs=None, **kwargs) -> list:
    try:
        storage = get_image_model().get_rendition_model()._meta.get_field("file").storage
    except Exception:  # noqa: BLE001 - a broken image model is Wagtail's to report
        return []
    if not routes_privately(storage):
        reason = why_public(storage)
        if reason is None:
            return []
        return [
            Error(
                f"Renditions of files in review are written to a public storage ({reason}): previews and "
                "thumbnails of drafts are reachable by anyone who guesses their URL.",
                hint=f"Set {SETTING} (approved finals stay public, everything else goes to private storage), "
                "then run `manage.py lfcloud_privatise_files`. " + DOCS,
                id="wagtail_lfcloud.E030",
            )
        ]
    try:
        private = private_storage()
    except Exception as exc:  # noqa: BLE001
        return [
            Error(
                f"The private storage {private_storage_alias()!r} cannot be built ({exc}).",
                hint="Fix STORAGES or WAGTAIL_LFCLOUD_PRIVATE_STORAGE. " + DOCS,
                id="wagtail_lfcloud.E031",
            )
        ]
    messages = []
    if _is_s3(private) and why_public(private):
        messages.append(
            Error(
                f"The private storage {private_storage_alias()!r} is public: {why_public(private)}.",
                hint="Use a bucket with querystring_auth on, no custom_domain and a private ACL "
                "(the originals bucket of the production page will do). " + DOCS,
                id="wagtail_lfcloud.E031",
            )
        )
    elif not settings.DEBUG and _inside_media_root(private):
        messages.append(
            Warning(
                f"Private files are stored inside MEDIA_ROOT (storage {private_storage_alias()!r}). Their names "
                "are unguessable, but a web server serving MEDIA_ROOT serves them to whoever learns one.",
                hint="Add STORAGES['private'] with a location outside MEDIA_ROOT, or deny MEDIA_URL + "
                "'lfcloud-private/' in the web server and silence this check. " + DOCS,
                id="wagtail_lfcloud.W030",
            )
        )
    return messages
