"""Helpers shared by the storage tests: versions made directly, and what is in storage."""

from __future__ import annotations

from django.core.files.storage import default_storage
from wagtail.images import get_image_model

from tests.factories import make_asset, make_brand, make_image, make_product
from wagtail_lfcloud.models import AssetVersion, VersionStatus
from wagtail_lfcloud.storage.fsck import ORIGINALS_FOLDER, RENDITIONS_FOLDER, walk


def add_version(asset, status=VersionStatus.IN_REVIEW, **kwargs) -> AssetVersion:
    """A version of ``asset`` with a fresh tiny image, numbered after the existing ones."""
    number = (asset.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    image = make_image(title=f"{asset} v{number}", size=(16, 16))
    return AssetVersion.objects.create(
        asset=asset,
        number=number,
        image=image,
        status=status,
        original_filename=f"v{number}.png",
        **kwargs,
    )


def make_versioned_asset(*statuses: str, sku: str | None = None, angle: str = "front"):
    """An asset of a new brand with one version per status given, in order."""
    brand = make_brand()
    asset = make_asset(make_product(brand, sku=sku), angle)
    versions = [add_version(asset, status) for status in statuses]
    return asset, versions


def original_files() -> set[str]:
    """Every file in the originals folder of the image storage."""
    storage = get_image_model()._meta.get_field("file").storage
    return set(walk(storage, ORIGINALS_FOLDER))


def rendition_files() -> set[str]:
    storage = get_image_model().get_rendition_model()._meta.get_field("file").storage
    return set(walk(storage, RENDITIONS_FOLDER))


def stored(name: str) -> bool:
    return default_storage.exists(name)
