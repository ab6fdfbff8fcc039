"""The rendition storage: private by default, public only for approved finals.

Set it in the project's settings::

    WAGTAILIMAGES_RENDITION_STORAGE = "wagtail_lfcloud.storage.RenditionStorage"

Every rendition Wagtail or the package writes (admin thumbnails and previews, the image listing's
and chooser's ``max-165x165``, review and compare images, channel files) goes through
:meth:`RenditionStorage.save`, which asks whose file it is (:mod:`.privacy`):

- a rendition of an approved final (or of an image outside every brand tree) goes to the public
  rendition storage (``WAGTAIL_LFCLOUD_PUBLIC_RENDITION_STORAGE``; ``STORAGES["renditions"]``, else
  the default storage) under Wagtail's own name, so storefronts get plain cacheable URLs;
- anything else goes to the private storage under ``lfcloud-private/`` and an unguessable name,
  and its :meth:`~RenditionStorage.url` is a short-lived signed URL of the permission-checked view.

When the answer cannot be found, the file is private. The name a file was saved under says
where it is, so reading, deleting and URLs need no lookup.
"""

from __future__ import annotations

import hashlib
import posixpath

from django.core.files.storage import Storage
from django.utils.deconstruct import deconstructible

from .privacy import (
    is_private_name,
    private_name,
    private_storage,
    public_rendition_storage,
    rendition_name_is_public,
    signed_url,
)


@deconstructible(path="wagtail_lfcloud.storage.RenditionStorage")
class RenditionStorage(Storage):
    """Routes each rendition file to the private or the public storage (see the module docstring)."""

    def _backend(self, name: str) -> Storage:
        return private_storage() if is_private_name(name) else public_rendition_storage()

    # --- writing ---------------------------------------------------------------------------

    def save(self, name, content, max_length=None, *, public: bool | None = None):
        """Store ``content``; ``public`` (when the caller already knows) skips the lookup."""
        if name is None:
            name = content.name
        if not is_private_name(name):
            if public is None:
                public = rendition_name_is_public(name)
            if not public:
                name = private_name(name)
        name = fit_name(name, max_length)
        return self._backend(name).save(name, content, max_length=max_length)

    def generate_filename(self, filename):
        return public_rendition_storage().generate_filename(filename)

    def get_valid_name(self, name):
        return public_rendition_storage().get_valid_name(name)

    def get_available_name(self, name, max_length=None):
        return self._backend(name).get_available_name(name, max_length=max_length)

    # --- reading ---------------------------------------------------------------------------

    def _open(self, name, mode="rb"):
        return self._backend(name).open(name, mode)

    def url(self, name):
        if is_private_name(name):
            return signed_url(name)
        return public_rendition_storage().url(name)

    def exists(self, name):
        return self._backend(name).exists(name)

    def delete(self, name):
        return self._backend(name).delete(name)

    def size(self, name):
        return self._backend(name).size(name)

    def listdir(self, path):
        return self._backend(path).listdir(path)

    def path(self, name):
        return self._backend(name).path(name)

    def get_accessed_time(self, name):
        return self._backend(name).get_accessed_time(name)

    def get_created_time(self, name):
        return self._backend(name).get_created_time(name)

    def get_modified_time(self, name):
        return self._backend(name).get_modified_time(name)


def routes_privately(storage) -> bool:
    """Whether ``storage`` is (a subclass of) the package's private-by-default rendition storage."""
    return isinstance(storage, RenditionStorage)


# Room left for the ``_<7 random>`` Django adds when a name is taken.
_ALTERNATIVE_SUFFIX = 8


def fit_name(name: str, max_length: int | None) -> str:
    """``name`` short enough for a file field of ``max_length`` characters.

    Wagtail names a rendition ``<master stem>.<filter spec>.<ext>`` and keeps it under its field's
    100 characters by cutting the stem; the private prefix and the unguessable stem make a long
    spec's name too long again, and Django then refuses to save it. The spec part is replaced by a
    short hash of itself: renditions are found by their row's ``filter_spec``, never by file name.
    """
    if not max_length or len(name) + _ALTERNATIVE_SUFFIX <= max_length:
        return name
    folder, basename = posixpath.split(name)
    stem, _, rest = basename.partition(".")
    middle, dot, ext = rest.rpartition(".")
    if not middle:
        return name
    digest = hashlib.sha1(middle.encode(), usedforsecurity=False).hexdigest()[:10]
    return posixpath.join(folder, f"{stem}.s{digest}{dot}{ext}")
