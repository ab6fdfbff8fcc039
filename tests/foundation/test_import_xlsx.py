"""XLSX product import: real workbooks written with openpyxl, the same all-or-nothing rules as CSV,
errors numbered by spreadsheet row; the admin page and the management command take them too."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from wagtail_lfcloud.catalog.importers import ImportFailed, import_products
from wagtail_lfcloud.models import Brand, Catalog, Product, Season

pytestmark = pytest.mark.django_db

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def brand():
    return Brand.objects.create(name="Acme", slug="acme")


def workbook(*rows, extra_sheet: bool = False) -> bytes:
    """An .xlsx file whose first worksheet holds ``rows`` (cells as Excel would type them)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Products"
    for row in rows:
        sheet.append(list(row))
    if extra_sheet:
        book.create_sheet("Notes").append(["sku", "name"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HEADER = ["SKU", "Name", "Style", "Colour", "Catalog", "Season", "ASIN", "GTIN"]


def test_creates_products_from_the_first_worksheet(brand):
    data = workbook(
        HEADER,
        # A GTIN typed as a number (Excel keeps it as a float) stays whole.
        ["SKU1", "Trail boot", "TB", "Black", "Footwear", "SS26", "B000000001", 4006381333931],
        ["SKU2", "Runner", None, "Red", "Footwear", "SS26", None, None],
        [None, None, None],  # blank rows are skipped
        ["SKU3", "Café chair", None, None, None, None, None, None],
        extra_sheet=True,
    )
    result = import_products(io.BytesIO(data), brand)
    assert result.created == ["SKU1", "SKU2", "SKU3"]
    assert result.catalogs_created == ["Footwear"] and result.seasons_created == ["SS26"]
    boot = Product.objects.get(brand=brand, sku="SKU1")
    assert boot.gtin == "4006381333931" and boot.catalog.name == "Footwear"
    assert Product.objects.get(sku="SKU3").name == "Café chair"
    # Importing the same workbook again updates, creates nothing.
    again = import_products(io.BytesIO(data), brand)
    assert again.created == [] and again.updated == ["SKU1", "SKU2", "SKU3"]


def test_columns_in_any_order_and_numbers_as_text(brand):
    data = workbook(["name", "sku", "style"], ["Runner", "SKU9", 1042])
    import_products(io.BytesIO(data), brand)
    assert Product.objects.get(sku="SKU9").style == "1042"


def test_bad_rows_import_nothing_and_each_is_reported_by_row(brand):
    data = workbook(
        ["sku", "name", "asin", "gtin", "season"],
        ["SKU1", "Good", None, None, "SS26"],
        ["bad sku", "Spaces", None, None, None],  # row 3
        ["SKU3", None, None, None, None],  # row 4: no name
        ["SKU4", "Fine", "nope", None, None],  # row 5: bad ASIN
        ["SKU1", "Again", None, None, None],  # row 6: duplicate
        ["SKU6", "Gtin", None, 12, None],  # row 7: bad GTIN
        ["SKU7", "Extra", None, None, None, "surplus"],  # row 8: a value without a header
    )
    with pytest.raises(ImportFailed) as excinfo:
        import_products(io.BytesIO(data), brand)
    errors = excinfo.value.errors
    assert [e.line for e in errors] == [3, 4, 5, 6, 7, 8]
    messages = [str(e) for e in errors]
    assert messages[0].startswith("Row 3: sku:")
    assert "name" in messages[1]
    assert "ASIN" in messages[2]
    assert "first on row 2" in messages[3]
    assert "GTIN" in messages[4]
    assert messages[5] == "Row 8: Value(s) in column(s) F, which have no header."
    # Nothing written, not even the season the good row created.
    assert not Product.objects.exists() and not Season.objects.exists()
    assert not Catalog.objects.exists()


def _damaged() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (workbook(), "The first worksheet is empty."),
        (workbook(["name", "style"], ["A", "B"]), "Row 1: Missing required column(s): sku"),
        (workbook(["sku", "name", "price"], ["A", "B", 1]), "Row 1: Unknown column(s): price"),
        (workbook(["sku", "name"]), "no product rows"),
        (_damaged(), "not a readable XLSX workbook"),
        (workbook(["sku", "name"], ["A", "B"])[:300], "not a readable XLSX workbook"),
    ],
    # Named, not identified by their bytes: a zip holds the time it was written, and each xdist
    # worker collects at its own moment (different ids make xdist refuse the run).
    ids=["empty", "no-sku-column", "unknown-column", "no-rows", "damaged-zip", "truncated"],
)
def test_malformed_workbooks_are_refused_with_a_reason(brand, data, expected):
    with pytest.raises(ImportFailed) as excinfo:
        import_products(io.BytesIO(data), brand)
    assert expected in str(excinfo.value)
    assert not Product.objects.exists()


def test_dates_are_read_as_iso_text(brand):
    data = workbook(["sku", "name", "style"], ["SKU1", "Dated", dt.datetime(2026, 3, 1)])
    import_products(io.BytesIO(data), brand)
    assert Product.objects.get().style == "2026-03-01"


def test_management_command_takes_xlsx(brand, tmp_path, capsys):
    path = tmp_path / "products.xlsx"
    path.write_bytes(workbook(HEADER, ["SKU1", "Trail boot", None, None, None, None, None, None]))
    call_command("lfcloud_import_products", str(path), "--brand", "acme")
    assert "1 created, 0 updated" in capsys.readouterr().out
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook(["sku", "name"], ["SKU2", "fine"], ["bad sku", "x"]))
    with pytest.raises(CommandError, match="Nothing was imported.\nRow 3: sku:"):
        call_command("lfcloud_import_products", str(bad), "--brand", "acme")
    assert not Product.objects.filter(sku="SKU2").exists()


def test_admin_import_page_takes_xlsx(brand, client, django_user_model):
    admin = django_user_model.objects.create_superuser("admin", "a@example.com", "pw")
    client.force_login(admin)
    url = "/admin/lfcloud/products/import/"
    page = client.get(url).content.decode()
    assert "CSV or XLSX file" in page and ".xlsx" in page
    bad = workbook(["sku", "name"], ["bad sku", "x"], ["SKU2", None])
    response = client.post(
        url, {"brand": brand.pk, "file": SimpleUploadedFile("p.xlsx", bad, XLSX_TYPE)}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Nothing was imported" in content and "Row 2" in content and "Row 3" in content
    good = workbook(HEADER, ["SKU1", "Trail boot", None, None, None, None, None, None])
    response = client.post(
        url, {"brand": brand.pk, "file": SimpleUploadedFile("p.xlsx", good, XLSX_TYPE)}
    )
    assert response.status_code == 302
    assert Product.objects.get(brand=brand).name == "Trail boot"
