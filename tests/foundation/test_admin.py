"""The catalog admin screens: listing, search, filters, export, brand scoping."""

import csv
import io

import openpyxl
import pytest

from tests.factories import make_user
from wagtail_lfcloud.models import Brand, Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def brands():
    acme = Brand.objects.create(name="Acme", slug="acme")
    other = Brand.objects.create(name="Other", slug="other")
    Product.objects.create(brand=acme, sku="ACME-1", name="Trail boot")
    Product.objects.create(brand=acme, sku="ACME-2", name="Runner")
    Product.objects.create(brand=other, sku="OTHER-1", name="Secret prototype")
    return acme, other


@pytest.fixture
def superuser(client, django_user_model):
    user = django_user_model.objects.create_superuser("admin", "a@example.com", "pw")
    client.force_login(user)
    return user


def test_menu_lists_the_lf_cloud_area(client, superuser):
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "LF Cloud" in response.content.decode()


def test_product_listing_search_and_filter(client, superuser, brands):
    acme, _ = brands
    url = "/admin/snippets/wagtail_lfcloud/product/"
    content = client.get(url).content.decode()
    assert "ACME-1" in content and "OTHER-1" in content
    content = client.get(url, {"q": "runner"}).content.decode()
    assert "ACME-2" in content and "ACME-1" not in content
    content = client.get(url, {"brand": acme.pk}).content.decode()
    assert "ACME-1" in content and "OTHER-1" not in content


def test_product_export_csv_and_xlsx(client, superuser, brands):
    url = "/admin/snippets/wagtail_lfcloud/product/"
    response = client.get(url, {"export": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["Brand", "SKU", "Name"]
    assert {r[1] for r in rows[1:]} == {"ACME-1", "ACME-2", "OTHER-1"}
    response = client.get(url, {"export": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.active.max_row == 4


def test_listing_is_scoped_to_the_users_brands(client, brands):
    acme, _ = brands
    client.force_login(make_user("ann", brand=acme, role="brand_admin"))
    content = client.get("/admin/snippets/wagtail_lfcloud/product/").content.decode()
    assert "ACME-1" in content
    assert "OTHER-1" not in content and "Secret prototype" not in content
    export = client.get("/admin/snippets/wagtail_lfcloud/product/", {"export": "csv"})
    assert "OTHER-1" not in b"".join(export.streaming_content).decode()


def test_create_product_form_refuses_a_duplicate_sku(client, superuser, brands):
    acme, _ = brands
    response = client.post(
        "/admin/snippets/wagtail_lfcloud/product/add/",
        {
            "brand": acme.pk,
            "sku": "acme-1",
            "name": "Clash",
            "style": "",
            "colour": "",
            "asin": "",
            "gtin": "",
        },
    )
    assert response.status_code == 200
    assert "already has a product with SKU" in response.content.decode()
    assert Product.objects.filter(brand=acme).count() == 2
