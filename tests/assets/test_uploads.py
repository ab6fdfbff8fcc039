"""Uploading: what is accepted, and every refusal leaving nothing behind."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.images import get_image_model

from tests.factories import (
    image_bytes,
    image_upload,
    make_asset,
    make_brand,
    make_product,
    make_user,
)
from wagtail_lfcloud.assets.uploads import UploadRefused, upload_version
from wagtail_lfcloud.models import AssetVersion, VersionStatus

pytestmark = pytest.mark.django_db

NAME = "SKU12345_2025-10_front.png"


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


def assert_nothing_created(settings):
    assert get_image_model().objects.count() == 0
    assert AssetVersion.objects.count() == 0
    assert stored_files(settings) == []


@pytest.fixture
def other_brand_product(db):
    other = make_brand("Other")
    product = make_product(other, "OTHER-1")
    make_asset(product, "front")
    return product


@pytest.mark.parametrize(
    ("upload", "code", "words"),
    [
        (
            lambda: SimpleUploadedFile(NAME, b"this is text, not pixels"),
            "not_image",
            "not an image",
        ),
        (
            lambda: SimpleUploadedFile(NAME, image_bytes((64, 64))[:-40] + b"\0" * 8),
            "corrupt",
            "damaged",
        ),
        (
            lambda: SimpleUploadedFile(
                "SKU12345_2025-10_front.jpg", image_bytes((64, 64), fmt="JPEG")[:300]
            ),
            "corrupt",
            "damaged",
        ),
        (lambda: image_upload("SKU12345_2025-10_sideways.png"), "name", "angle"),
        (lambda: image_upload("SKU12345_front.png"), "name", "pattern"),
        (lambda: image_upload("SKU12345_2025-10_back.png"), "not_ordered", "was not ordered"),
        (lambda: image_upload("NOPE-9_2025-10_front.png"), "sku", "no product with SKU NOPE-9"),
        (lambda: image_upload("OTHER-1_2025-10_front.png"), "sku", "no product with SKU OTHER-1"),
    ],
    ids=[
        "text",
        "truncated-png",
        "truncated-jpeg",
        "unknown-angle",
        "bad-name",
        "not-ordered",
        "unknown-sku",
        "other-brands-sku",
    ],
)
def test_refused_uploads_say_why_and_create_nothing(
    settings, brand, asset, studio, other_brand_product, upload, code, words
):
    get_image_model().objects.all().delete()
    with pytest.raises(UploadRefused) as refused:
        upload_version(upload(), brand=brand, user=studio)
    assert refused.value.code == code
    assert words in str(refused.value)
    assert_nothing_created(settings)


def test_file_over_the_size_limit_is_refused(settings, brand, asset, studio):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = 100
    with pytest.raises(UploadRefused) as refused:
        upload_version(image_upload(NAME), brand=brand, user=studio)
    assert refused.value.code == "too_large"
    assert "100" in str(refused.value)
    assert_nothing_created(settings)


def test_users_without_upload_capability_are_refused(settings, brand, asset, marketer):
    with pytest.raises(UploadRefused) as refused:
        upload_version(image_upload(NAME), brand=brand, user=marketer)
    assert refused.value.code == "permission"
    assert_nothing_created(settings)


def test_sku_is_matched_case_insensitively_and_metadata_is_set(brand, asset, studio):
    result = upload_version(
        image_upload("sku12345_2025-10_front.png", size=(40, 30)), brand=brand, user=studio
    )
    version = result.version
    assert version.asset == asset and version.number == 1 and version.period == "2025-10"
    assert (
        version.uploaded_by == studio and version.original_filename == "sku12345_2025-10_front.png"
    )
    image = version.image
    assert (image.width, image.height) == (40, 30)
    assert image.file_size == image.file.size and image.file_hash == version.file_hash
    assert image.uploaded_by_user == studio
    asset.refresh_from_db()
    assert asset.submitted_version == version
    assert asset.get_latest_revision().content["submitted_version"] == version.pk


def test_exact_duplicate_is_refused_naming_the_version(settings, brand, asset, studio):
    upload_version(image_upload(NAME, color=(1, 2, 3)), brand=brand, user=studio)
    files_before = stored_files(settings)
    with pytest.raises(UploadRefused) as refused:
        upload_version(
            image_upload("sku12345_2025-10_front.png", color=(1, 2, 3)), brand=brand, user=studio
        )
    assert refused.value.code == "duplicate"
    assert "version 1" in str(refused.value)
    assert AssetVersion.objects.count() == 1
    assert stored_files(settings) == files_before


def test_a_database_failure_after_storing_deletes_the_file(
    settings, brand, asset, studio, monkeypatch
):
    def fail(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(AssetVersion.objects, "create", fail)
    with pytest.raises(RuntimeError):
        upload_version(image_upload(NAME), brand=brand, user=studio)
    assert_nothing_created(settings)


def test_new_upload_supersedes_the_version_in_review(brand, asset, studio):
    first = upload_version(image_upload(NAME, color=(10, 10, 10)), brand=brand, user=studio).version
    second = upload_version(
        image_upload(NAME, color=(20, 20, 20)), brand=brand, user=studio
    ).version
    first.refresh_from_db()
    assert second.number == 2 and second.status == VersionStatus.IN_REVIEW
    assert first.status == VersionStatus.SUPERSEDED
    asset.refresh_from_db()
    assert asset.current_workflow_state.status == "in_progress"
    assert asset.current_workflow_task_state.revision.content["submitted_version"] == second.pk


def test_batch_upload_page_reports_each_file(client, brand, asset, studio):
    client.force_login(studio)
    page = client.get(reverse("wagtail_lfcloud_admin:upload"))
    assert page.status_code == 200 and b"data-lfcloud-dropzone" in page.content
    response = client.post(
        reverse("wagtail_lfcloud_admin:upload"),
        {
            "brand": brand.pk,
            "files": [image_upload(NAME), SimpleUploadedFile("notes.txt", b"hello")],
        },
    )
    assert response.status_code == 200
    assert response.content.count(b'data-lfcloud-result="ok"') == 1
    assert response.content.count(b'data-lfcloud-result="refused"') == 1
    assert AssetVersion.objects.count() == 1


def test_json_endpoint_refuses_with_the_reason(client, brand, asset, studio):
    client.force_login(studio)
    response = client.post(
        reverse("wagtail_lfcloud_admin:upload_file"),
        {"brand": brand.pk, "file": image_upload("SKU12345_2025-10_back.png")},
    )
    assert response.status_code == 400
    assert response.json()["code"] == "not_ordered"


def test_upload_for_a_brand_without_the_capability_is_refused(client, brand, asset):
    other = make_brand("Elsewhere")
    outsider = make_user("outsider", brand=other, role="studio")
    client.force_login(outsider)
    response = client.post(
        reverse("wagtail_lfcloud_admin:upload_file"),
        {"brand": brand.pk, "file": image_upload(NAME)},
    )
    assert response.status_code == 400 and response.json()["code"] == "brand"
    assert AssetVersion.objects.count() == 0
    assert client.get(reverse("wagtail_lfcloud_admin:upload")).status_code == 200  # own brand only
    no_role = make_user("nobody")
    client.force_login(no_role)
    assert client.get(reverse("wagtail_lfcloud_admin:upload")).status_code in (302, 403)


def test_menu_offers_upload_and_library_to_the_right_people(client, brand, studio, marketer):
    client.force_login(studio)
    page = client.get("/admin/").content
    assert b"lfcloud-upload" in page and b"lfcloud-library" in page
    client.force_login(marketer)
    page = client.get("/admin/").content
    assert b"lfcloud-upload" not in page and b"lfcloud-library" in page


def test_the_json_says_how_each_upload_went(client, brand, product, studio, workflow):
    """``outcome`` is what the page colours: success, warning, failure (stored but sent back by the
    compliance check) and refused (nothing stored)."""
    from tests.channels.images import encode, product_shot

    for angle in ("front", "side", "back"):
        make_asset(product, angle, channels=["amazon_main"])
    client.force_login(studio)

    def post(name, data):
        response = client.post(
            reverse("wagtail_lfcloud_admin:upload_file"),
            {"brand": brand.pk, "file": SimpleUploadedFile(name, data, content_type="image/jpeg")},
            headers={"x-requested-with": "XMLHttpRequest"},
        )
        return response.status_code, response.json()

    status, body = post(
        "SKU12345_2025-10_front.jpg", encode(product_shot((2000, 2000)), quality=92)
    )
    assert status == 200 and body["ok"] and body["outcome"] == "success", body
    assert body["status"] == "in_review" and body["warnings"] == []

    # 800 px: below Amazon's 1,000 px zoom size, a warning; still sent for review.
    status, body = post("SKU12345_2025-10_side.jpg", encode(product_shot((800, 800)), quality=92))
    assert status == 200 and body["ok"] and body["outcome"] == "warning", body
    assert body["status"] == "in_review"
    assert any(w.startswith("amazon_main: ") for w in body["warnings"])
    assert "with warnings" in body["message"]

    # 400 px: below Amazon's minimum, the compliance check sends it back at once.
    status, body = post("SKU12345_2025-10_back.jpg", encode(product_shot((400, 400)), quality=92))
    assert status == 200 and body["ok"] and body["outcome"] == "failure", body
    assert body["status"] == "changes_requested"

    # No order for this angle: refused, nothing stored.
    status, body = post("SKU12345_2025-10_top.jpg", encode(product_shot((2000, 2000)), quality=92))
    assert status == 400 and not body["ok"] and body["outcome"] == "refused", body
    assert body["code"] == "not_ordered"


def test_the_page_without_javascript_shows_each_outcome(client, brand, product, studio, workflow):
    from tests.channels.images import encode, product_shot

    make_asset(product, "front", channels=["amazon_main"])
    make_asset(product, "back", channels=["amazon_main"])
    client.force_login(studio)
    response = client.post(
        reverse("wagtail_lfcloud_admin:upload"),
        {
            "brand": brand.pk,
            "files": [
                SimpleUploadedFile(
                    "SKU12345_2025-10_front.jpg", encode(product_shot((2000, 2000)), quality=92)
                ),
                SimpleUploadedFile(
                    "SKU12345_2025-10_back.jpg", encode(product_shot((400, 400)), quality=92)
                ),
                SimpleUploadedFile("notes.txt", b"hello"),
            ],
        },
    )
    page = response.content.decode()
    assert 'data-lfcloud-outcome="success"' in page and "is-success" in page
    assert 'data-lfcloud-outcome="failure"' in page and "is-failure" in page
    assert 'data-lfcloud-outcome="refused"' in page and "is-refused" in page
    assert "is-ok" not in page
