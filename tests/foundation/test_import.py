"""CSV product import: all or nothing, with line-numbered errors."""

import io

import pytest
from django.core.management import CommandError, call_command

from wagtail_lfcloud.catalog.importers import ImportFailed, import_products
from wagtail_lfcloud.models import Brand, Catalog, Product, Season

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand():
    return Brand.objects.create(name="Acme", slug="acme")


GOOD = """sku,name,style,colour,catalog,season,asin,gtin
SKU1,Trail boot,TB,Black,Footwear,SS26,B000000001,4006381333931
SKU2,Runner,RN,Red,Footwear,SS26,,
"""


def test_creates_products_catalogs_and_seasons(brand):
    result = import_products(GOOD, brand)
    assert result.created == ["SKU1", "SKU2"]
    assert result.catalogs_created == ["Footwear"] and result.seasons_created == ["SS26"]
    boot = Product.objects.get(brand=brand, sku="SKU1")
    assert (
        boot.catalog.name == "Footwear"
        and boot.season.code == "SS26"
        and boot.gtin == "4006381333931"
    )


def test_updates_existing_products_case_insensitively(brand):
    Product.objects.create(brand=brand, sku="sku1", name="Old name")
    result = import_products(GOOD, brand)
    assert result.updated == ["SKU1"] and result.created == ["SKU2"]
    assert Product.objects.filter(brand=brand).count() == 2
    assert Product.objects.get(brand=brand, sku__iexact="sku1").name == "Trail boot"


def test_a_bad_row_imports_nothing_and_every_bad_row_is_reported(brand):
    text = (
        "sku,name,asin,gtin\n"
        "SKU1,Good,,\n"
        "bad sku,Spaces,,\n"  # line 3
        "SKU3,,,\n"  # line 4: no name
        "SKU4,Fine,nope,\n"  # line 5: bad ASIN
        "SKU1,Again,,\n"  # line 6: duplicate
        "SKU6,Gtin,,12\n"  # line 7: bad GTIN
    )
    with pytest.raises(ImportFailed) as excinfo:
        import_products(text, brand)
    lines = [e.line for e in excinfo.value.errors]
    assert lines == [3, 4, 5, 6, 7]
    messages = [str(e) for e in excinfo.value.errors]
    assert "Line 3: sku:" in messages[0]
    assert "name" in messages[1]
    assert "ASIN" in messages[2]
    assert "first on line 2" in messages[3]
    assert "GTIN" in messages[4]
    assert not Product.objects.exists()
    assert not Catalog.objects.exists() and not Season.objects.exists()


def test_bad_catalog_rows_roll_back_created_catalogs(brand):
    text = "sku,name,catalog,season\nSKU1,A,Shoes,SS26\nSKU2,B,Bags,bad code!\n"
    with pytest.raises(ImportFailed) as excinfo:
        import_products(text, brand)
    assert [e.line for e in excinfo.value.errors] == [3]
    assert "season 'bad code!'" in str(excinfo.value.errors[0])
    assert not Catalog.objects.exists() and not Product.objects.exists()


@pytest.mark.parametrize(
    "data,expected",
    [
        (b"", "The file is empty."),
        (b"name,style\nA,B\n", "Missing required column(s): sku"),
        (b"sku,name,price\nA,B,1\n", "Unknown column(s): price"),
        (b"sku,name\n", "no product rows"),
        (b"sku,name\nA,B,C\n", "Line 2: Expected 2 values, found 3."),
        ("sku,name\nSKU1,Caf\u00e9\n".encode("latin-1"), "not UTF-8"),
    ],
)
def test_malformed_files_are_refused_with_a_reason(brand, data, expected):
    with pytest.raises(ImportFailed) as excinfo:
        import_products(io.BytesIO(data), brand)
    assert expected in str(excinfo.value)
    assert not Product.objects.exists()


def test_semicolon_separated_and_bom(brand):
    data = "\ufeffsku;name\nSKU1;Caf\u00e9 chair\n".encode("utf-8")
    import_products(io.BytesIO(data), brand)
    assert Product.objects.get().name == "Caf\u00e9 chair"


def test_management_command(brand, tmp_path, capsys):
    path = tmp_path / "products.csv"
    path.write_text(GOOD)
    call_command("lfcloud_import_products", str(path), "--brand", "acme")
    assert "2 created, 0 updated" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,name\nbad sku,x\n")
    with pytest.raises(CommandError, match="Line 2"):
        call_command("lfcloud_import_products", str(bad), "--brand", "acme")
    with pytest.raises(CommandError, match="No brand with slug 'nope'"):
        call_command("lfcloud_import_products", str(path), "--brand", "nope")


def test_admin_import_view(brand, client, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", "a@example.com", "pw")
    client.force_login(admin)
    url = "/admin/lfcloud/products/import/"
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"brand": brand.pk, "file": io.BytesIO(b"sku,name\nbad sku,x\nSKU2,\n")}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Nothing was imported" in content and "Line 2" in content and "Line 3" in content
    upload = io.BytesIO(GOOD.encode())
    upload.name = "p.csv"
    response = client.post(url, {"brand": brand.pk, "file": upload})
    assert response.status_code == 302
    assert Product.objects.filter(brand=brand).count() == 2


def test_admin_import_view_denied_without_catalog_rights(brand, client, django_user_model):
    user = django_user_model.objects.create_user("nobody", "n@example.com", "pw")
    client.force_login(user)
    response = client.get("/admin/lfcloud/products/import/")
    assert response.status_code in (302, 403)
