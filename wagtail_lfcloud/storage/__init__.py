"""Where the package's files live and who can reach them (DESIGN decision 11).

Public surface:

- :class:`RenditionStorage`: set ``WAGTAILIMAGES_RENDITION_STORAGE =
  "wagtail_lfcloud.storage.RenditionStorage"``; renditions of unapproved files go to private storage;
- :func:`unguessable` / :func:`unguessable_path`: names with 64 random bits, for originals,
  attachments and bundles;
- :func:`signed_url`: the short-lived URL of the permission-checked file view for a private file;
- :func:`image_files_are_public` / :func:`public_image_ids`: the rule itself;
- :func:`privatise`: moves files written before this rule out of public storage
  (``manage.py lfcloud_privatise_files``).
"""

from .privacy import (
    PRIVATE_PREFIX,
    image_files_are_public,
    in_unguessable_folder,
    is_private_name,
    private_storage,
    public_image_ids,
    public_rendition_storage,
    signed_url,
    unguessable,
    unguessable_path,
)
from .renditions import RenditionStorage, routes_privately

__all__ = [
    "PRIVATE_PREFIX",
    "RenditionStorage",
    "image_files_are_public",
    "in_unguessable_folder",
    "is_private_name",
    "private_storage",
    "public_image_ids",
    "public_rendition_storage",
    "routes_privately",
    "signed_url",
    "unguessable",
    "unguessable_path",
]
