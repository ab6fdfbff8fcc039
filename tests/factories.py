"""Small helpers to make brands, products, images and users in tests.

Every helper creates the least it can and returns the saved instance; pass what you care about,
let the rest default. Images are tiny PNGs (or JPEGs) drawn with Pillow, never fixtures on disk.
"""

from __future__ import annotations

import io
import itertools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.text import slugify
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.models import Collection

from wagtail_lfcloud.models import Asset, Brand, BrandRole, Catalog, Product, Role, Season

_counter = itertools.count(1)

#: Model permissions each role's group gets in the tests (``app_label.codename``).
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.BRAND_ADMIN: [
        "wagtailadmin.access_admin",
        "wagtail_lfcloud.view_asset",
        "wagtail_lfcloud.change_asset",
        "wagtail_lfcloud.publish_asset",
    ],
    Role.APPROVER: [
        "wagtailadmin.access_admin",
        "wagtail_lfcloud.view_asset",
        "wagtail_lfcloud.change_asset",
        "wagtail_lfcloud.publish_asset",
    ],
    Role.STUDIO: [
        "wagtailadmin.access_admin",
        "wagtail_lfcloud.view_asset",
        "wagtail_lfcloud.change_asset",
    ],
    Role.MARKETER: ["wagtailadmin.access_admin", "wagtail_lfcloud.view_asset"],
    Role.FINANCE: ["wagtailadmin.access_admin"],
}


def _permissions(dotted: list[str]) -> list[Permission]:
    """The named permissions that exist (``publish_asset`` only exists once Asset is a snippet)."""
    found = []
    for name in dotted:
        app_label, codename = name.split(".")
        found.extend(
            Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        )
    return found


def make_brand(name: str | None = None, **kwargs) -> Brand:
    """A brand (its collection tree is created by the post_save handler)."""
    name = name or f"Brand {next(_counter)}"
    kwargs.setdefault("slug", slugify(name))
    # A transactional test (transaction=True) starts after a flush, without the root collection
    # Wagtail's migration made.
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    return Brand.objects.create(name=name, **kwargs)


def make_catalog(brand: Brand, name: str = "Footwear") -> Catalog:
    return Catalog.objects.get_or_create(brand=brand, name=name, defaults={"slug": slugify(name)})[
        0
    ]


def make_season(brand: Brand, code: str = "SS26") -> Season:
    return Season.objects.get_or_create(brand=brand, code=code)[0]


def make_product(brand: Brand, sku: str | None = None, **kwargs) -> Product:
    """A product of ``brand``; ``catalog``/``season`` may be passed as instances."""
    sku = sku or f"SKU{next(_counter):05d}"
    kwargs.setdefault("name", f"Product {sku}")
    return Product.objects.create(brand=brand, sku=sku, **kwargs)


def make_asset(
    product: Product, angle: str = "front", channels: list[str] | None = None, **kwargs
) -> Asset:
    """An ordered deliverable (product x angle), as an order would create it: a draft with no version."""
    return Asset.objects.create(
        brand=product.brand,
        product=product,
        angle=angle,
        channels=channels or [],
        live=False,
        **kwargs,
    )


def image_bytes(size: tuple[int, int] = (64, 64), color=(255, 255, 255), fmt: str = "PNG") -> bytes:
    """The encoded bytes of a plain image."""
    buffer = io.BytesIO()
    PILImage.new("RGB", size, color).save(buffer, fmt)
    return buffer.getvalue()


def image_upload(
    name: str, size: tuple[int, int] = (64, 64), color=(255, 255, 255), fmt: str | None = None
) -> SimpleUploadedFile:
    """An uploaded file as a browser would send it; the format follows the extension unless given."""
    if fmt is None:
        fmt = "JPEG" if name.lower().endswith((".jpg", ".jpeg")) else "PNG"
    content_type = "image/jpeg" if fmt == "JPEG" else "image/png"
    return SimpleUploadedFile(name, image_bytes(size, color, fmt), content_type=content_type)


def make_image(
    collection: Collection | None = None,
    size: tuple[int, int] = (64, 64),
    color=(255, 255, 255),
    title: str | None = None,
    **kwargs,
):
    """A saved image of the active image model, with its file hash, size and dimensions set."""
    Image = get_image_model()
    title = title or f"image {next(_counter)}"
    if collection is None:
        collection = Collection.get_first_root_node()
    image = Image(title=title, collection=collection, **kwargs)
    image.file = image_upload(f"{slugify(title)}.png", size, color)
    image._set_image_file_metadata()
    image.save()
    return image


def role_group(brand: Brand, role: str) -> Group:
    """The Django group of ``brand`` x ``role`` (created with the role's permissions on first use).

    Uses ``wagtail_lfcloud.access.roles`` when present (the real groups and permissions); the fallback
    below only keeps the factories usable without it.
    """
    try:
        from wagtail_lfcloud.access import role_group as real_role_group
    except ImportError:
        real_role_group = None
    if real_role_group is not None:
        return real_role_group(brand, role)
    existing = BrandRole.objects.select_related("group").filter(brand=brand, role=role).first()
    if existing is not None:
        return existing.group
    group = Group.objects.create(name=f"{brand.name} {Role(role).label}")
    group.permissions.set(_permissions(ROLE_PERMISSIONS.get(role, ["wagtailadmin.access_admin"])))
    BrandRole.objects.create(brand=brand, role=role, group=group)
    return group


def make_user(
    username: str | None = None,
    brand: Brand | None = None,
    role: str | None = None,
    superuser: bool = False,
    password: str = "password",
    **kwargs,
):
    """A user, optionally a superuser, optionally given ``role`` on ``brand`` through its BrandRole group."""
    User = get_user_model()
    username = username or f"user{next(_counter)}"
    kwargs.setdefault("email", f"{username}@example.com")
    if superuser:
        user = User.objects.create_superuser(username=username, password=password, **kwargs)
    else:
        user = User.objects.create_user(username=username, password=password, **kwargs)
    if brand is not None and role is not None:
        user.groups.add(role_group(brand, role))
        if hasattr(user, "_lfcloud_brand_roles"):
            del user._lfcloud_brand_roles
    return user
