"""Which files are private, where private files live, and how their URLs are signed.

The rule (DESIGN decision 11): a file of an image that is not an approved final is private.
"Approved" means every asset version using the image is *current*, or *superseded* (kept) after
an approval (:func:`is_approved`);
an image no version uses is private while it lives in a brand's collection tree (Raw, Archive, the
brand's top collection, Finals without a version) and public otherwise (the host site's own images,
which the package does not manage).

Private files

- are stored in the private storage (``WAGTAIL_LFCLOUD_PRIVATE_STORAGE``, a ``STORAGES`` alias; the
  default storage when that alias is not configured) under :data:`PRIVATE_PREFIX`;
- carry an unguessable name (:func:`unguessable`: ``lfc`` + 64 random bits before the name), so a
  web server that serves the storage by mistake still answers 404 to every guess;
- are reached only through :func:`signed_url`: a URL of the permission-checked view
  ``wagtail_lfcloud_admin:private_file`` (``views/files.py``) that carries the name signed with the
  project's ``SECRET_KEY`` and expires after ``WAGTAIL_LFCLOUD_SIGNED_URL_EXPIRY`` seconds.
"""

from __future__ import annotations

import functools
import inspect
import mimetypes
import posixpath
import re
import secrets

from django.conf import settings
from django.core import signing
from django.core.files.storage import Storage, storages
from django.core.signals import setting_changed
from django.db.models import Q
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import LazyObject, empty
from wagtail.images import get_image_model
from wagtail.models import Collection

from ..conf import PREFIX, lfcloud_settings

#: Every private rendition's storage name starts with this (the router keys on it).
PRIVATE_PREFIX = "lfcloud-private/"
#: A name made unguessable by :func:`unguessable` starts with this pattern.
MARK_RE = re.compile(r"^lfc[0-9a-f]{16}_")
#: Version statuses whose files may be public (superseded ones only if they were approved).
APPROVED_STATUSES = frozenset({"current", "superseded"})


def is_approved(status: str, approved_task_state_id) -> bool:
    """Whether a version with this status is an approved final: current, or superseded after an
    approval. A file in review that a newer upload replaced is superseded too, but never approved:
    it stays private."""
    return status == "current" or (status == "superseded" and approved_task_state_id is not None)


SIGNING_SALT = "wagtail_lfcloud.private_file"


def is_unguessable(basename: str) -> bool:
    return bool(MARK_RE.match(basename))


def unguessable(basename: str) -> str:
    """``basename`` behind 64 random bits (``lfc<16 hex>_``); unchanged if it has them already.

    The mark goes first, so Wagtail's truncation of long names (originals to 100 characters,
    rendition stems to 59) never cuts it, and rendition names made from such an original are
    unguessable too."""
    if is_unguessable(basename):
        return basename
    return f"lfc{secrets.token_hex(8)}_{basename}"


def unguessable_path(name: str) -> str:
    """``name`` with an unguessable file name, in the same folder."""
    folder, basename = posixpath.split(name)
    return posixpath.join(folder, unguessable(basename))


def in_unguessable_folder(name: str) -> str:
    """``name`` inside a folder of 128 random bits (``<32 hex>/name``): for attachments and bundle
    zips, whose file name is shown to the person downloading them and must stay as it was."""
    return f"{secrets.token_hex(16)}/{name}"


def is_private_name(name: str | None) -> bool:
    return bool(name) and name.startswith(PRIVATE_PREFIX)


def private_name(name: str) -> str:
    """The private storage name for a file Wagtail would call ``name`` (``images/x.max-165x165.jpg``)."""
    if is_private_name(name):
        return name
    return PRIVATE_PREFIX + unguessable_path(name)


def public_name(name: str) -> str:
    """The public storage name of a private file (its unguessable name is kept)."""
    return name[len(PRIVATE_PREFIX) :] if is_private_name(name) else name


# --- storages --------------------------------------------------------------------------------


def private_storage_alias() -> str:
    alias = lfcloud_settings.PRIVATE_STORAGE
    return alias if alias and alias in settings.STORAGES else "default"


def private_storage() -> Storage:
    """Where private files go: ``STORAGES[WAGTAIL_LFCLOUD_PRIVATE_STORAGE]``, else the default storage."""
    return storages[private_storage_alias()]


class FollowingStorage(LazyObject):
    """The storage ``resolve()`` returns, looked up on first use and again after the storage
    settings change (``override_settings``, a test's S3 buckets), like Django's
    ``default_storage``. The package's own file fields (clips, their previews, video channel
    files) use these: a ``FileField`` keeps the storage its callable returned when the model was
    defined, which would write to the storage of import time for ever."""

    def __init__(self, resolve):
        self.__dict__["_resolve"] = resolve
        super().__init__()

    def _setup(self):
        self._wrapped = self._resolve()


#: Settings whose change makes :class:`FollowingStorage` objects look their storage up again.
STORAGE_SETTINGS = {
    "STORAGES",
    "MEDIA_ROOT",
    "MEDIA_URL",
    "WAGTAILIMAGES_RENDITION_STORAGE",
    PREFIX + "PRIVATE_STORAGE",
    PREFIX + "PUBLIC_RENDITION_STORAGE",
}


@receiver(setting_changed)
def _storage_settings_changed(setting, **kwargs):
    if setting in STORAGE_SETTINGS:
        for following in (FOLLOWING_PRIVATE, FOLLOWING_PUBLIC):
            following._wrapped = empty


def public_rendition_storage_alias() -> str:
    alias = lfcloud_settings.PUBLIC_RENDITION_STORAGE
    if alias:
        return alias
    return "renditions" if "renditions" in settings.STORAGES else "default"


def public_rendition_storage() -> Storage:
    """Where renditions of approved finals (and of the site's own images) go."""
    return storages[public_rendition_storage_alias()]


#: :func:`private_storage` and :func:`public_rendition_storage`, following the settings.
FOLLOWING_PRIVATE = FollowingStorage(private_storage)
FOLLOWING_PUBLIC = FollowingStorage(public_rendition_storage)


# --- which images are private ------------------------------------------------------------------


def brand_tree_paths() -> list[str]:
    """Collection paths of every brand's top collection (their descendants are the brand trees)."""
    # app loading: models.assets calls private_storage() while the models load
    from ..models import BrandCollection

    return list(
        BrandCollection.objects.filter(
            stage="", catalog__isnull=True, season__isnull=True
        ).values_list("collection__path", flat=True)
    )


def collection_in_brand_tree(collection_id: int | None, paths: list[str] | None = None) -> bool:
    if collection_id is None:
        return False

    paths = brand_tree_paths() if paths is None else paths
    if not paths:
        return False
    path = Collection.objects.filter(pk=collection_id).values_list("path", flat=True).first()
    return path is not None and any(path.startswith(p) for p in paths)


def public_image_ids(image_ids) -> set[int]:
    """Which of ``image_ids`` have public files (see the module docstring); three queries."""
    # app loading: models.assets calls private_storage() while the models load
    from ..models import AssetVersion

    image_ids = set(image_ids)
    if not image_ids:
        return set()
    statuses: dict[int, set[bool]] = {}
    for image_id, status, approval in AssetVersion.objects.filter(
        image_id__in=image_ids
    ).values_list("image_id", "status", "approved_task_state_id"):
        statuses.setdefault(image_id, set()).add(is_approved(status, approval))
    public = {i for i, found in statuses.items() if found == {True}}
    unversioned = image_ids - set(statuses)
    if unversioned:
        paths = brand_tree_paths()
        collections = dict(
            get_image_model().objects.filter(pk__in=unversioned).values_list("pk", "collection_id")
        )
        collection_paths = dict(
            Collection.objects.filter(pk__in=set(collections.values())).values_list("pk", "path")
        )
        for image_id, collection_id in collections.items():
            path = collection_paths.get(collection_id, "")
            if not any(path.startswith(p) for p in paths):
                public.add(image_id)
    return public


def image_files_are_public(image) -> bool:
    return image.pk in public_image_ids([image.pk])


def images_for_rendition_name(name: str) -> list[int]:
    """Ids of the images a rendition file called ``name`` can have been made from.

    Wagtail names a rendition after its original's file name (cut to fit 59 characters), so
    every image whose file name starts with the rendition's stem is a candidate."""
    stem = posixpath.basename(name).split(".", 1)[0]
    if not stem:
        return []
    return list(
        get_image_model()
        .objects.filter(Q(file__startswith=stem) | Q(file__contains="/" + stem))
        .values_list("pk", flat=True)[:100]
    )


def rendition_name_is_public(name: str) -> bool:
    """Whether a new rendition file called ``name`` may go to the public storage.

    Private unless every image it can belong to is public: a rendition whose image cannot be
    found is private."""
    candidates = images_for_rendition_name(name)
    return bool(candidates) and public_image_ids(candidates) == set(candidates)


# --- signed URLs -------------------------------------------------------------------------------


@functools.lru_cache(maxsize=8)
def _file_view_url_template(root_urlconf, urlconf, script_prefix) -> str:
    return reverse("wagtail_lfcloud_admin:private_file", args=["TOKEN"])


def signed_url(name: str) -> str:
    """A URL of the permission-checked file view for the private file ``name``, valid for
    ``WAGTAIL_LFCLOUD_SIGNED_URL_EXPIRY`` seconds.

    The view's URL is reversed once per URLconf (reversing was three quarters of the cost, about
    70 of 90 microseconds, which a 1,800-cell order grid pays per thumbnail)."""
    token = signing.dumps(name, salt=SIGNING_SALT, compress=True)
    template = _file_view_url_template(settings.ROOT_URLCONF, get_urlconf(), get_script_prefix())
    return template.replace("TOKEN", token)


def name_from_token(token: str) -> str | None:
    """The file name a :func:`signed_url` token carries; ``None`` if forged or expired."""
    try:
        name = signing.loads(
            token, salt=SIGNING_SALT, max_age=int(lfcloud_settings.SIGNED_URL_EXPIRY)
        )
    except (signing.BadSignature, ValueError):
        return None
    return name if isinstance(name, str) else None


# --- presigned URLs of the storage itself (S3) -------------------------------------------------


def signs_urls(storage) -> bool:
    """Whether ``storage.url`` can make an expiring signed URL (django-storages S3 and alike)."""
    if not getattr(storage, "querystring_auth", False):
        return False
    try:
        return "expire" in inspect.signature(storage.url).parameters
    except (TypeError, ValueError):
        return False


def _typed_by_name(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def presigned_download_url(storage, name: str, filename: str) -> str:
    """A URL of ``storage`` itself, valid ``WAGTAIL_LFCLOUD_SIGNED_URL_EXPIRY`` seconds, that
    downloads ``name`` as ``filename`` (only for a storage that :func:`signs_urls`).

    The answer's type is set from the name, whatever ``Content-Type`` the object was stored
    with (a client may have chosen it: an upload straight to S3 announced as ``text/html``)."""
    return storage.url(
        name,
        parameters={
            "ResponseContentDisposition": f'attachment; filename="{filename}"',
            "ResponseContentType": _typed_by_name(filename),
        },
        expire=lfcloud_settings.SIGNED_URL_EXPIRY,
    )


def presigned_view_url(storage, name: str) -> str:
    """Like :func:`presigned_download_url`, for showing ``name`` in the page (a rendition, a
    clip in the review player): inline, typed by its name, never by what it was stored with."""
    return storage.url(
        name,
        parameters={
            "ResponseContentDisposition": "inline",
            "ResponseContentType": _typed_by_name(name),
        },
        expire=lfcloud_settings.SIGNED_URL_EXPIRY,
    )
