"""Keeping package files unguessable and in the right storage as images change stage.

- :func:`mark_new_original` (``pre_save`` of the image model): an image saved into a brand's
  collection tree with a new file gets an unguessable file name, whatever path created it (the
  package's upload, Wagtail's own multiple upload into a Raw collection, a script).
- :func:`publish_approved_files` (``signals.asset_approved``): the private renditions of the newly
  approved final move to the public rendition storage, so every rendition of it has a plain URL.
- :func:`privatise` (``manage.py lfcloud_privatise_files``): files written before these rules
  (guessable originals, public renditions of drafts) are renamed and moved.
"""

from __future__ import annotations

import logging
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import pre_save
from wagtail.images import get_image_model

from .. import signals
from .privacy import (
    brand_tree_paths,
    collection_in_brand_tree,
    is_private_name,
    is_unguessable,
    private_name,
    public_image_ids,
    public_name,
    unguessable_path,
)
from .renditions import routes_privately
from .stable_urls import forget_stable_urls

logger = logging.getLogger(__name__)


def mark_new_original(sender, instance, raw=False, **kwargs) -> None:
    """``pre_save``: give a new file of an image in a brand tree an unguessable name."""
    if raw:
        return
    file = instance.file
    if not file or getattr(file, "_committed", True):
        return
    if is_unguessable(posixpath.basename(file.name or "")):
        return
    if not collection_in_brand_tree(instance.collection_id):
        return
    file.name = unguessable_path(file.name)


def rendition_storage():
    return get_image_model().get_rendition_model()._meta.get_field("file").storage


def move_rendition(rendition, *, private: bool) -> str:
    """Move one rendition's file to the private (or public) side; returns the new name.

    The new file is written and the row updated before the old file is removed, so a failure
    leaves a working rendition behind (at worst a stray copy that ``lfcloud_purge`` removes)."""
    storage = rendition.file.storage
    old = rendition.file.name
    target = private_name(old) if private else unguessable_path(public_name(old))
    with storage.open(old, "rb") as handle:
        data = handle.read()
    new = (
        storage.save(target, ContentFile(data), public=not private)
        if routes_privately(storage)
        else storage.save(target, ContentFile(data))
    )
    type(rendition).objects.filter(pk=rendition.pk).update(file=new)
    rendition.file.name = new
    forget_stable_urls()  # update() sends no signal, and cached redirects name the old file
    try:
        rendition.purge_from_cache()
    except Exception:
        logger.exception("Could not purge rendition %s from the renditions cache", rendition.pk)
    try:
        storage.delete(old)
    except Exception:
        logger.exception("Moved rendition %s to %s but could not delete %s", rendition.pk, new, old)
    return new


def publish_approved_files(sender=None, version=None, **kwargs) -> None:
    """``asset_approved``: the approved final's private renditions go public."""
    if version is None or not routes_privately(rendition_storage()):
        return
    image = version.image
    if image.pk not in public_image_ids([image.pk]):
        return
    for rendition in image.renditions.all():
        if is_private_name(rendition.file.name):
            try:
                move_rendition(rendition, private=False)
            except Exception:
                logger.exception(
                    "Could not publish rendition %s of approved image %s", rendition.pk, image.pk
                )


# --- existing installs --------------------------------------------------------------------------


@dataclass
class Move:
    kind: str  # "original" or "rendition"
    image_id: int
    old: str
    obj: object

    def describe(self) -> str:
        where = "rename original" if self.kind == "original" else "make rendition private"
        return f"{where} of image {self.image_id}: {self.old}"


def package_images():
    """Images the package manages: used by a version, or in a brand's collection tree."""
    q = Q(lfcloud_versions__isnull=False)
    for path in brand_tree_paths():
        q |= Q(collection__path__startswith=path)
    return get_image_model().objects.filter(q).distinct().order_by("pk")


def planned_moves(images) -> Iterator[Move]:
    """What :func:`privatise` would do for ``images`` (a list): guessable originals to rename,
    renditions of private images still in public storage."""
    public = public_image_ids([image.pk for image in images])
    for image in images:
        if image.file and not is_unguessable(posixpath.basename(image.file.name)):
            yield Move("original", image.pk, image.file.name, image)
        if image.pk in public:
            continue
        for rendition in image.renditions.all():
            if not is_private_name(rendition.file.name):
                yield Move("rendition", image.pk, rendition.file.name, rendition)


def rename_original(image) -> str:
    """Copy ``image``'s original under an unguessable name, point the row at it, delete the old file."""
    storage = image.file.storage
    old = image.file.name
    with storage.open(old, "rb") as handle:
        new = storage.save(unguessable_path(old), ContentFile(handle.read()))
    with transaction.atomic():
        type(image).objects.filter(pk=image.pk).update(file=new)
    image.file.name = new
    try:
        storage.delete(old)
    except Exception:
        logger.exception(
            "Renamed original of image %s to %s but could not delete %s", image.pk, new, old
        )
    return new


def apply(move: Move) -> str:
    if move.kind == "original":
        return rename_original(move.obj)
    return move_rendition(move.obj, private=True)


def connect() -> None:
    """Connect the handlers above (``AppConfig.ready()``)."""
    pre_save.connect(
        mark_new_original, sender=get_image_model(), dispatch_uid="lfcloud_mark_new_original"
    )
    signals.asset_approved.connect(
        publish_approved_files, dispatch_uid="lfcloud_publish_approved_files"
    )
