"""Each brand's collection tree in Wagtail's image library."""

import pytest
from wagtail.models import Collection

from wagtail_lfcloud.catalog.library import (
    collection_for,
    collection_for_product,
    ensure_brand_tree,
)
from wagtail_lfcloud.models import Brand, BrandCollection, Catalog, Product, Season

pytestmark = pytest.mark.django_db


def tree_names(collection):
    return sorted(c.name for c in collection.get_children())


def test_creating_a_brand_creates_its_tree():
    brand = Brand.objects.create(name="Acme Shoes", slug="acme")
    top = BrandCollection.objects.get(brand=brand, stage="").collection
    assert top.name == "Acme Shoes"
    assert top.get_parent().name == "LF Cloud"
    assert tree_names(top) == ["Archive", "Finals", "Raw"]


def test_running_twice_creates_nothing_twice():
    brand = Brand.objects.create(name="Acme", slug="acme")
    catalog = Catalog.objects.create(brand=brand, name="Footwear", slug="footwear")
    season = Season.objects.create(brand=brand, code="SS26")
    first = collection_for(brand, "raw", catalog, season)
    count = Collection.objects.count()
    ensure_brand_tree(brand)
    second = collection_for(brand, "raw", catalog, season)
    assert first.pk == second.pk
    assert Collection.objects.count() == count
    # Raw / Footwear / SS26
    assert second.name == "SS26" and second.get_parent().name == "Footwear"
    assert second.get_parent().get_parent().name == "Raw"


def test_two_brands_get_separate_trees():
    a = Brand.objects.create(name="A", slug="a")
    b = Brand.objects.create(name="B", slug="b")
    ids_a = set(BrandCollection.objects.filter(brand=a).values_list("collection_id", flat=True))
    ids_b = set(BrandCollection.objects.filter(brand=b).values_list("collection_id", flat=True))
    assert ids_a and ids_b and not ids_a & ids_b
    root = Collection.objects.get(name="LF Cloud")
    assert tree_names(root) == ["A", "B"]


def test_renames_keep_the_tree_consistent():
    brand = Brand.objects.create(name="Acme", slug="acme")
    catalog = Catalog.objects.create(brand=brand, name="Footwear", slug="footwear")
    season = Season.objects.create(brand=brand, code="SS26")
    for stage in ("raw", "finals"):
        collection_for(brand, stage, catalog, season)
    count = Collection.objects.count()

    brand.name = "Acme Footwear Ltd"
    brand.save()
    catalog.name = "Shoes"
    catalog.save()
    season.code = "SS27"
    season.save()

    assert Collection.objects.count() == count
    top = BrandCollection.objects.get(brand=brand, stage="").collection
    top.refresh_from_db()
    assert top.name == "Acme Footwear Ltd"
    for stage in ("raw", "finals"):
        leaf = collection_for(brand, stage, catalog, season)
        assert leaf.name == "SS27"
        assert leaf.get_parent().name == "Shoes"
    assert Collection.objects.count() == count


def test_a_deleted_collection_is_repaired():
    brand = Brand.objects.create(name="Acme", slug="acme")
    finals = BrandCollection.objects.get(brand=brand, stage="finals").collection
    finals.delete()
    tree = ensure_brand_tree(brand)
    assert tree["finals"].name == "Finals"
    assert tree["finals"].get_parent().pk == tree[""].pk


def test_product_collection_follows_catalog_and_season():
    brand = Brand.objects.create(name="Acme", slug="acme")
    season = Season.objects.create(brand=brand, code="FW25")
    product = Product.objects.create(brand=brand, sku="SKU1", name="Boot", season=season)
    collection = collection_for_product(product, "archive")
    assert collection.name == "FW25"
    assert collection.get_parent().name == "Archive"


def test_unknown_stage_is_refused():
    brand = Brand.objects.create(name="Acme", slug="acme")
    with pytest.raises(ValueError, match="Unknown stage 'drafts'"):
        collection_for(brand, "drafts")
