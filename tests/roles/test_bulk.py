"""Bulk actions on the package's models and images act on, and name, only reachable rows."""

import pytest
from django.urls import reverse

from tests.roles.helpers import make_brand_world
from wagtail_lfcloud.models import Product, Role

pytestmark = pytest.mark.django_db


def image_label():
    from wagtail.images import get_image_model

    return get_image_model()._meta.app_label, get_image_model()._meta.model_name


def bulk_url(app, model, action, *ids):
    return (
        reverse("wagtail_bulk_action", args=[app, model, action])
        + "?"
        + "&".join(f"id={i}" for i in ids)
    )


def test_brand_admin_bulk_deletes_own_products_only():
    from django.test import Client

    acme, zed = make_brand_world("Acme"), make_brand_world("Zedcorp")
    for world in (acme, zed):  # products with assets are protected; use fresh ones
        world.spare = Product.objects.create(
            brand=world.brand, sku=f"{world.brand.slug.upper()}-SPARE", name="spare"
        )
    client = Client()
    client.force_login(acme.users[Role.BRAND_ADMIN])
    url = bulk_url("wagtail_lfcloud", "product", "delete", acme.spare.pk, zed.spare.pk)
    page = client.get(url).content.decode()
    assert "ACME-SPARE" in page and "ZEDCORP" not in page.upper()
    client.post(url)
    assert not Product.objects.filter(pk=acme.spare.pk).exists()
    assert Product.objects.filter(pk=zed.spare.pk).exists()


def test_select_all_means_all_reachable_rows():
    from django.test import Client

    acme = make_brand_world("Acme")
    make_brand_world("Zedcorp")  # another brand, whose files "all" must not reach
    client = Client()
    client.force_login(acme.users[Role.STUDIO])
    page = client.get(bulk_url(*image_label(), "add_tags", "all")).content.decode()
    assert "Acme raw" in page
    assert "Zedcorp" not in page and "Acme final" not in page
