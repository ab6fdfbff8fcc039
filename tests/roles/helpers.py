"""A two-brand world for the access tests: each brand with a raw, a final and an archived file."""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.factories import make_asset, make_brand, make_image, make_product, make_user
from wagtail_lfcloud.library import collection_for_product
from wagtail_lfcloud.models import AssetVersion, Brand, Role, VersionStatus


@dataclass
class BrandWorld:
    brand: Brand
    product: object
    asset: object
    raw: object  # image in Raw
    final: object  # image in Finals
    archived: object  # image in Archive
    version: AssetVersion  # the current version (its image is ``final``)
    draft_version: AssetVersion  # the version in review (its image is ``raw``)
    users: dict = field(default_factory=dict)  # role -> user


def make_brand_world(name: str) -> BrandWorld:
    brand = make_brand(name)
    product = make_product(brand, sku=f"{name.upper()}1")
    asset = make_asset(product)
    raw = make_image(collection_for_product(product, "raw"), title=f"{name} raw")
    final = make_image(collection_for_product(product, "finals"), title=f"{name} final")
    archived = make_image(collection_for_product(product, "archive"), title=f"{name} archived")
    version = AssetVersion.objects.create(
        asset=asset, number=1, image=final, status=VersionStatus.CURRENT, original_filename=f"{name}1_front.png"
    )
    draft_version = AssetVersion.objects.create(
        asset=asset, number=2, image=raw, status=VersionStatus.IN_REVIEW, original_filename=f"{name}1_front_v2.png"
    )
    world = BrandWorld(brand, product, asset, raw, final, archived, version, draft_version)
    for role in Role.values:
        world.users[role] = make_user(f"{name.lower()}_{role}", brand=brand, role=role)
    return world
