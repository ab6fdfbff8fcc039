"""Each brand's space in Wagtail's image library.

Every brand gets a collection subtree::

    LF Cloud / <Brand> / Raw     / <Catalog> / <Season>
                       / Finals  / <Catalog> / <Season>
                       / Archive / <Catalog> / <Season>

Raw holds uploads and drafts, Finals the approved current files, Archive the superseded ones.
Places are recorded in :class:`~wagtail_lfcloud.models.BrandCollection` and looked up by key,
never by name, so renames keep the tree consistent and running any of this twice creates nothing twice.
"""

from __future__ import annotations

from django.db import transaction
from wagtail.models import Collection

from ..conf import lfcloud_settings
from ..models import Brand, BrandCollection, Catalog, Product, Season, Stage


def get_root_collection() -> Collection:
    """The collection all brand trees live under (created on first use)."""
    name = lfcloud_settings.ROOT_COLLECTION_NAME
    root = Collection.get_first_root_node()
    existing = root.get_children().filter(name=name).first()
    if existing is not None:
        return existing
    return root.add_child(instance=Collection(name=name))


def _stage_name(stage: str) -> str:
    return lfcloud_settings.STAGE_COLLECTION_NAMES.get(stage, stage.title())


_NOT_LOOKED_UP = object()


def _place(
    brand: Brand,
    parent: Collection | None,
    name: str,
    *,
    stage="",
    catalog=None,
    season=None,
    place=_NOT_LOOKED_UP,
) -> Collection:
    """The collection of ``brand`` for this stage / catalog / season, renamed to ``name`` if it
    was renamed, created under ``parent`` if missing. ``place``: its ``BrandCollection`` (or
    None), if the caller has looked it up already."""
    if place is _NOT_LOOKED_UP:
        place = (
            BrandCollection.objects.select_related("collection")
            .filter(brand=brand, stage=stage, catalog=catalog, season=season)
            .first()
        )
    if place is not None:
        collection = place.collection
        if collection.name != name:
            collection.name = name
            collection.save(update_fields=["name"])
        return collection
    collection = parent.add_child(instance=Collection(name=name))
    BrandCollection.objects.create(
        brand=brand, stage=stage, catalog=catalog, season=season, collection=collection
    )
    return collection


@transaction.atomic
def ensure_brand_tree(brand: Brand) -> dict[str, Collection]:
    """Create (or repair, or rename) the brand's top collection and its three stage collections.

    Returns ``{"": top, "raw": ..., "finals": ..., "archive": ...}``.
    """
    # Serialise tree changes for one brand: treebeard path allocation is not safe under concurrency.
    Brand.objects.select_for_update().filter(pk=brand.pk).first()
    # The top and the stage collections in one query (every brand save comes here).
    places = {
        place.stage: place
        for place in BrandCollection.objects.select_related("collection").filter(
            brand=brand, catalog=None, season=None
        )
    }
    # The root is needed only to create the top collection.
    root = get_root_collection() if places.get("") is None else None
    top = _place(brand, root, brand.name, place=places.get(""))
    tree = {"": top}
    for stage in Stage.values:
        tree[stage] = _place(brand, top, _stage_name(stage), stage=stage, place=places.get(stage))
    return tree


@transaction.atomic
def collection_for(
    brand: Brand, stage: str, catalog: Catalog | None = None, season: Season | None = None
) -> Collection:
    """The collection for ``stage`` of ``brand``, narrowed to a catalog and/or season, created if missing."""
    if stage not in Stage.values:
        raise ValueError(f"Unknown stage {stage!r}; expected one of {', '.join(Stage.values)}.")
    tree = ensure_brand_tree(brand)
    collection = tree[stage]
    if catalog is not None:
        collection = _place(brand, collection, catalog.name, stage=stage, catalog=catalog)
    if season is not None:
        collection = _place(
            brand, collection, season.code, stage=stage, catalog=catalog, season=season
        )
    return collection


def collection_for_product(product: Product, stage: str) -> Collection:
    """Where a product's files of ``stage`` belong: its catalog and season inside the brand's stage."""
    return collection_for(product.brand, stage, product.catalog, product.season)


def rename_places(instance: Brand | Catalog | Season) -> None:
    """Bring collection names in line after a catalog or season was renamed."""
    if isinstance(instance, Catalog):
        places = BrandCollection.objects.filter(catalog=instance, season__isnull=True)
        name = instance.name
    elif isinstance(instance, Season):
        places = BrandCollection.objects.filter(season=instance)
        name = instance.code
    else:
        ensure_brand_tree(instance)
        return
    for place in places.select_related("collection"):
        if place.collection.name != name:
            place.collection.name = name
            place.collection.save(update_fields=["name"])
