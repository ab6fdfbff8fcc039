"""Permanent removal, the only way files of versions ever leave storage (``manage.py lfcloud_purge``).

Nothing else in the package deletes a version's file: images of versions are protected in the
database (``on_delete=PROTECT``) and Wagtail's delete views refuse them. Purging is explicit,
can be previewed (``dry_run=True`` returns the plan and changes nothing), and every removal is
recorded in the audit log as ``wagtail_lfcloud.purged``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.files.storage import Storage
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.log_actions import log
from wagtail.models import Collection

from ..models import AssetVersion, VersionStatus
from . import PRIVATE_PREFIX, routes_privately
from .fsck import ORIGINALS_FOLDER, RENDITIONS_FOLDER, walk
from .locking import lock_asset, run_with_retry

logger = logging.getLogger(__name__)

PURGED = "wagtail_lfcloud.purged"


@dataclass
class PurgeResult:
    #: ``(version pk, "SKU angle vN", file name)`` of each version removed (or to remove, on a dry run).
    versions: list[tuple[int, str, str]] = field(default_factory=list)
    #: Names of unreferenced files removed (or to remove).
    files: list[str] = field(default_factory=list)
    #: Versions whose image is still used elsewhere: the version row went, the image and file stayed.
    kept_images: list[str] = field(default_factory=list)


def rejected_versions(older_than: timedelta):
    """Rejected versions whose rejection is older than ``older_than``."""
    cutoff = timezone.now() - older_than
    return (
        AssetVersion.objects.filter(status=VersionStatus.REJECTED, status_changed_at__lt=cutoff)
        .select_related("asset__product", "image")
        .order_by("pk")
    )


def purge_rejected_versions(
    older_than: timedelta, *, dry_run: bool = False, user=None
) -> PurgeResult:
    """Delete rejected versions older than ``older_than``, with their comments, channel renditions,
    image row and file (the image only if no other version uses it).

    Each version is removed in its own transaction and re-read under a lock first, so a version
    that changed status meanwhile is left alone.
    """
    result = PurgeResult()
    for version in rejected_versions(older_than):
        label = str(version)
        if dry_run:
            result.versions.append((version.pk, label, version.image.file.name))
            continue
        # Its own transaction, run again if the database aborts it for a race (locking.py).
        outcome = run_with_retry(_purge_one, version, older_than, user)
        if outcome is None:
            continue
        file_name, image_deleted = outcome
        if not image_deleted:
            result.kept_images.append(label)
        result.versions.append((version.pk, label, file_name))
        logger.info("Purged %s (%s)", label, file_name)
    return result


def _purge_one(version, older_than: timedelta, user) -> tuple[str, bool] | None:
    """Delete one rejected version in the caller's transaction: (its file name, whether the image
    went too), or None if the version changed status meanwhile. Changes nothing outside the
    database, so a retry after a deadlock starts from scratch."""
    # The lock order (locking.py): the asset row first, then the version.
    lock_asset(version.asset_id)
    locked = (
        AssetVersion.objects.select_for_update()
        .filter(pk=version.pk, status=VersionStatus.REJECTED)
        .select_related("image")
        .first()
    )
    if locked is None:
        return None  # no longer rejected: left alone
    image = locked.image
    file_name = image.file.name
    asset = version.asset
    locked.delete()
    image_deleted = False
    if not AssetVersion.objects.filter(image=image).exists():
        try:
            # Wagtail deletes the file and the renditions' files once this commits.
            with transaction.atomic():
                image.delete()
            image_deleted = True
        except ProtectedError:
            pass
    log(
        asset,
        PURGED,
        user=user,
        data={
            "version": locked.number,
            "file": file_name,
            "image": image.pk if not image_deleted else None,
            "file_deleted": image_deleted,
            "reason": f"rejected more than {older_than.days} days ago",
        },
    )
    return file_name, image_deleted


def _orphan_places() -> list[tuple[Storage, str, type]]:
    """(storage, folder, model whose ``file`` rows reference it): originals, then renditions."""
    Image = get_image_model()
    Rendition = Image.get_rendition_model()

    rendition_storage = Rendition._meta.get_field("file").storage
    places = [
        (Image._meta.get_field("file").storage, ORIGINALS_FOLDER, Image),
        (rendition_storage, RENDITIONS_FOLDER, Rendition),
    ]
    if routes_privately(rendition_storage):
        # Renditions of unapproved files, in the private storage.
        places.append((rendition_storage, PRIVATE_PREFIX + RENDITIONS_FOLDER, Rendition))
    return places


def orphan_files(
    storage: Storage, min_age: timedelta, folder: str = ORIGINALS_FOLDER, model=None
) -> list[str]:
    """Files under ``folder`` that no row of ``model`` (the image model by default) references and
    that are older than ``min_age``.

    The age guard keeps files of work still in flight (stored, row not yet committed).
    """
    model = model or get_image_model()
    referenced = set(model.objects.values_list("file", flat=True))
    cutoff = timezone.now() - min_age
    found = []
    for name in walk(storage, folder):
        if name in referenced:
            continue
        try:
            modified = storage.get_modified_time(name)
        except (NotImplementedError, OSError):
            continue
        if modified < cutoff:
            found.append(name)
    return sorted(found)


def purge_orphan_files(min_age: timedelta, *, dry_run: bool = False, user=None) -> PurgeResult:
    """Delete unreferenced files older than ``min_age``: originals no image references, and
    rendition files no rendition references (left by a worker that died mid-rendition)."""
    result = PurgeResult()
    for storage, folder, model in _orphan_places():
        names = orphan_files(storage, min_age, folder, model)
        if dry_run:
            result.files += names
            continue
        for name in names:
            # Re-check right before deleting: a row may have appeared since the listing.
            if model.objects.filter(file=name).exists():
                continue
            storage.delete(name)
            result.files.append(name)
            logger.info("Purged orphan file %s", name)
    if result.files and not dry_run:
        # Orphans belong to no asset; the entry goes on the root collection, visible in the site history.
        log(
            Collection.get_first_root_node(), PURGED, user=user, data={"orphan_files": result.files}
        )
    return result
