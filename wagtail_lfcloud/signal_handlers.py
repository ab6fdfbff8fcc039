"""Signal wiring. Each handler delegates to the module that owns the behaviour."""

from __future__ import annotations

from django.db.models.signals import post_save


def _brand_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    from .library import ensure_brand_tree

    ensure_brand_tree(instance)


def _catalog_or_season_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    from .library import rename_places

    rename_places(instance)


def _brand_roles(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    from .roles import ensure_brand_roles

    # Creates the five role groups on creation; on a rename, renames them.
    ensure_brand_roles(instance)


def connect() -> None:
    from .models import Brand, Catalog, Season

    post_save.connect(_brand_saved, sender=Brand, dispatch_uid="lfcloud_brand_tree")
    post_save.connect(_brand_roles, sender=Brand, dispatch_uid="lfcloud_brand_roles")
    post_save.connect(_catalog_or_season_saved, sender=Catalog, dispatch_uid="lfcloud_catalog_rename")
    post_save.connect(_catalog_or_season_saved, sender=Season, dispatch_uid="lfcloud_season_rename")
