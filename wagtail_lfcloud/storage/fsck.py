"""Consistency between the database and the stored files: what ``manage.py lfcloud_fsck`` reports.

It never changes anything. Problems it finds:

``missing_file``
    A version's image file is not in storage (the version can no longer be downloaded or rendered).
``orphan_file``
    A file under the originals folder of the image storage that no image row references
    (left by a crash between storing a file and committing its row, or by a manual copy).
``orphan_rendition_file``
    A file under the renditions folder that no rendition row references.
``no_current_version``
    An asset that was approved (a version was made current, per the audit log, or the asset is
    live) but has no current version: the stable URLs of its channels resolve to nothing.
``several_current_versions``
    An asset with more than one current version (the database constraint forbids it; reported
    if it is ever found, for example after a restore that skipped constraints).

Files are listed once per folder (one paged listing on S3), never checked one request per row.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import Storage
from django.db.models import Count, Exists, OuterRef, Q
from wagtail.images import get_image_model

from ..models import Asset, AssetVersion, BrandLogEntry, VersionStatus
from . import PRIVATE_PREFIX, routes_privately

#: Folder Wagtail stores originals in (``AbstractImage.get_upload_to``).
ORIGINALS_FOLDER = "original_images"
#: Folder Wagtail stores renditions in (``AbstractRendition.get_upload_to``).
RENDITIONS_FOLDER = "images"


@dataclass
class Problem:
    """One inconsistency, with enough detail to find and fix it."""

    code: str
    message: str
    #: ``{"asset": pk, "version": pk, "image": pk, "file": name, ...}`` as relevant.
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    #: What was looked at, e.g. ``{"versions": 120, "original_files": 140}``.
    checked: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "problems": [p.as_dict() for p in self.problems],
        }


def walk(storage: Storage, folder: str) -> Iterator[str]:
    """Every file name under ``folder`` of ``storage``, recursively (nothing if the folder is absent)."""
    try:
        directories, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield posixpath.join(folder, name)
    for directory in directories:
        yield from walk(storage, posixpath.join(folder, directory))


def _image_storage() -> Storage:
    return get_image_model()._meta.get_field("file").storage


def _rendition_model():
    return get_image_model().get_rendition_model()


def check(*, orphans: bool = True) -> Report:
    """Compare versions, images and renditions with the files in storage; return what is wrong.

    ``orphans=False`` skips listing the storages for unreferenced files (the slow part on a
    large bucket) and only checks the files that versions reference.
    """
    report = Report()
    Image = get_image_model()
    image_storage = _image_storage()
    stored_originals = set(walk(image_storage, ORIGINALS_FOLDER))
    report.checked["original_files"] = len(stored_originals)

    versions = AssetVersion.objects.select_related("image").order_by("pk")
    report.checked["versions"] = 0
    for version in versions.iterator(chunk_size=500):
        report.checked["versions"] += 1
        name = version.image.file.name
        # A file outside the originals folder (custom upload_to) is looked up directly.
        present = (
            name in stored_originals
            if name.startswith(ORIGINALS_FOLDER + "/")
            else image_storage.exists(name)
        )
        if not present:
            report.problems.append(
                Problem(
                    "missing_file",
                    f"Version {version.number} of asset {version.asset_id} references {name!r}, "
                    "which is not in storage.",
                    {
                        "asset": version.asset_id,
                        "version": version.pk,
                        "image": version.image_id,
                        "file": name,
                    },
                )
            )

    if orphans:
        referenced = set(Image.objects.values_list("file", flat=True))
        for name in sorted(stored_originals - referenced):
            report.problems.append(
                Problem(
                    "orphan_file",
                    f"{name!r} is in the image storage but no image references it.",
                    {"file": name},
                )
            )
        Rendition = _rendition_model()
        rendition_storage = Rendition._meta.get_field("file").storage
        stored_renditions = set(walk(rendition_storage, RENDITIONS_FOLDER))

        if routes_privately(
            rendition_storage
        ):  # renditions of unapproved files, in the private storage
            stored_renditions |= set(walk(rendition_storage, PRIVATE_PREFIX + RENDITIONS_FOLDER))
        report.checked["rendition_files"] = len(stored_renditions)
        referenced_renditions = set(Rendition.objects.values_list("file", flat=True))
        for name in sorted(stored_renditions - referenced_renditions):
            report.problems.append(
                Problem(
                    "orphan_rendition_file",
                    f"{name!r} is in the rendition storage but no rendition references it.",
                    {"file": name},
                )
            )

    report.problems += _asset_problems(report)
    return report


def _asset_problems(report: Report) -> list[Problem]:
    problems = []
    current = Q(versions__status=VersionStatus.CURRENT)
    has_versions = Exists(AssetVersion.objects.filter(asset=OuterRef("pk")))
    assets = Asset.objects.annotate(
        current_count=Count("versions", filter=current), has_versions=has_versions
    )
    report.checked["assets"] = assets.count()
    # "Was approved": a version was made current (audit log), or the asset was published.
    # A superseded status alone proves nothing: a newer upload supersedes versions never approved.
    without_current = dict(
        assets.filter(current_count=0, has_versions=True).values_list("pk", "live")
    )
    approved = {
        int(pk)
        for pk in BrandLogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Asset),
            action="wagtail_lfcloud.version_approved",
            object_id__in=[str(pk) for pk in without_current],
        ).values_list("object_id", flat=True)
    }
    for asset_id, live in sorted(without_current.items()):
        if asset_id in approved or live:
            problems.append(
                Problem(
                    "no_current_version",
                    f"Asset {asset_id} was approved but has no current version.",
                    {"asset": asset_id, "live": live},
                )
            )
    for asset_id, count in assets.filter(current_count__gt=1).values_list("pk", "current_count"):
        problems.append(
            Problem(
                "several_current_versions",
                f"Asset {asset_id} has {count} current versions; exactly one may be current.",
                {"asset": asset_id, "current_versions": count},
            )
        )
    return problems
