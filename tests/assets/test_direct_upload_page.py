"""The upload page's path straight to S3 (moto server): the admin endpoints the page's script calls.

Start (presigned URLs), PUT the bytes, resume an interrupted multipart upload (only the parts S3
lacks), complete, and read the outcome as the normal upload says it; the same permission checks
as the normal upload (a studio of another brand gets nothing), CSRF on every POST, and no direct
path without S3.
"""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from tests.api.test_direct_uploads import LIMITS, big_png, put
from tests.factories import make_asset, make_brand, make_product, make_user
from tests.storage.hostile_files import png_bomb
from wagtail_lfcloud.models import AssetKind, AssetVersion, DirectUpload

pytestmark = [pytest.mark.django_db]

NAME = "SKU12345_2026-02_front.png"
START = "wagtail_lfcloud_admin:direct_upload_start"


def url(name: str, upload_id: int) -> str:
    return reverse(f"wagtail_lfcloud_admin:direct_upload_{name}", args=[upload_id])


def post(client, path, data):
    return client.post(path, json.dumps(data), content_type="application/json")


def start(client, brand, name, size, content_type="image/png"):
    return post(
        client,
        reverse(START),
        {"brand": brand.pk, "filename": name, "size": size, "content_type": content_type},
    )


@pytest.fixture
def studio_client(client, studio):
    client.force_login(studio)
    return client


def finish(client, upload_id, parts, capture):
    with capture(execute=True):
        done = post(client, url("complete", upload_id), {"parts": parts})
    assert done.status_code == 202, done.content
    return client.get(url("state", upload_id)).json()


@pytest.mark.s3
@override_settings(**LIMITS)
def test_an_interrupted_multipart_upload_resumes_with_the_missing_parts_only(
    studio_client, brand, asset, s3_storages, django_capture_on_commit_callbacks
):
    data = big_png()
    started = start(studio_client, brand, NAME, len(data))
    assert started.status_code == 201, started.content
    body = started.json()
    size = body["part_size"]
    assert [p["number"] for p in body["parts"]] == [1, 2, 3]
    put(body["parts"][0]["url"], data[:size])  # the first part arrives, then the tab is closed

    resumed = studio_client.get(url("resume", body["id"])).json()
    assert [p["number"] for p in resumed["uploaded"]] == [1]
    assert [p["number"] for p in resumed["parts"]] == [2, 3]  # fresh URLs for the rest only
    etags = {p["number"]: p["etag"] for p in resumed["uploaded"]}
    for part in resumed["parts"]:
        n = part["number"]
        etags[n] = put(part["url"], data[(n - 1) * size :][:size])

    state = finish(
        studio_client,
        body["id"],
        [{"number": n, "etag": e} for n, e in sorted(etags.items())],
        django_capture_on_commit_callbacks,
    )
    assert state["status"] == "registered" and state["ok"], state
    assert state["outcome"] in ("success", "warning") and "version 1" in state["message"]
    assert state["review_url"].startswith(
        reverse("wagtail_lfcloud_admin:asset_review", args=[asset.pk])
    )
    version = AssetVersion.objects.get(asset=asset)
    with version.image.file.open("rb") as stored:
        assert stored.read() == data
    assert not [k for k in s3_storages.original_keys() if k.startswith("lfcloud-private/uploads/")]
    # A finished upload is not resumed: the page is told how it went and starts afresh.
    assert studio_client.get(url("resume", body["id"])).json()["status"] == "registered"


@pytest.mark.s3
@override_settings(**LIMITS)
def test_a_refused_file_says_why_and_leaves_nothing(
    studio_client, brand, asset, s3_storages, django_capture_on_commit_callbacks
):
    data = png_bomb(30000, 30000)
    body = start(studio_client, brand, NAME, len(data)).json()
    put(body["url"], data, body["headers"])
    state = finish(studio_client, body["id"], [], django_capture_on_commit_callbacks)
    assert (state["status"], state["outcome"], state["code"]) == ("refused", "refused", "not_image")
    assert "pixels" in state["error"]
    assert not AssetVersion.objects.exists()
    assert s3_storages.original_keys() == []


@pytest.mark.s3
@override_settings(**LIMITS)
def test_a_clip_goes_straight_to_s3_too(
    studio_client, brand, product, asset, s3_storages, django_capture_on_commit_callbacks
):
    pytest.importorskip("av")
    from tests.video.clips import make_clip

    clip_asset = make_asset(product, "turntable-15s", kind=AssetKind.VIDEO)
    data = make_clip()
    # A clip for a photo angle is refused before any byte is sent.
    wrong = start(studio_client, brand, "SKU12345_2026-02_front.mp4", len(data), "video/mp4")
    assert wrong.status_code == 400 and wrong.json()["code"] == "wrong_kind"
    body = start(
        studio_client, brand, "SKU12345_2026-02_turntable-15s.mp4", len(data), "video/mp4"
    ).json()
    put(body["url"], data, body["headers"])
    state = finish(studio_client, body["id"], [], django_capture_on_commit_callbacks)
    assert state["status"] == "registered", state
    version = AssetVersion.objects.get(asset=clip_asset)
    assert version.clip.duration > 0
    # The clip itself is kept in the site's (private) S3 bucket, not on a local disk.
    assert version.clip.file.name.startswith("lfcloud-private/clips/")
    assert version.clip.file.name in s3_storages.original_keys()


@pytest.mark.s3
@override_settings(**LIMITS)
def test_only_the_uploader_of_the_brand_reaches_an_upload(
    client, studio, brand, asset, s3_storages, django_capture_on_commit_callbacks
):
    other = make_brand("Globex")
    make_asset(make_product(other, "GLX-1"), "front")
    other_studio = make_user("globex_studio", brand=other, role="studio")
    # A studio of brand B asks for an upload of brand A's asset: nothing is presigned.
    client.force_login(other_studio)
    assert start(client, brand, NAME, 1000).json()["code"] == "brand"
    assert start(client, other, NAME, 1000).json()["code"] == "sku"  # A's SKU under B's name
    assert not DirectUpload.objects.exists()
    # ...nor reaches brand A's upload in progress.
    client.force_login(studio)
    upload_id = start(client, brand, NAME, 12 * 1024 * 1024).json()["id"]
    for person in (
        other_studio,
        make_user("studio2", brand=brand, role="studio"),  # same brand, not the uploader
    ):
        client.force_login(person)
        assert client.get(url("state", upload_id)).status_code == 404
        assert client.get(url("resume", upload_id)).status_code == 404
        assert post(client, url("complete", upload_id), {"parts": []}).status_code == 404
    # A marketer may not upload at all (Wagtail sends them back to the dashboard).
    client.force_login(make_user("marketer", brand=brand, role="marketer"))
    assert start(client, brand, NAME, 1000).status_code in (302, 403)
    assert DirectUpload.objects.get().status == "started"


@pytest.mark.s3
@override_settings(**LIMITS)
def test_every_post_needs_the_csrf_token(studio, brand, asset, s3_storages):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(studio)
    page = browser.get(reverse("wagtail_lfcloud_admin:upload"))
    assert f'data-direct-url="{reverse(START)}"' in page.content.decode()
    data = {"brand": brand.pk, "filename": NAME, "size": 1000, "content_type": "image/png"}
    assert post(browser, reverse(START), data).status_code == 403
    token = browser.cookies["csrftoken"].value
    answer = browser.post(
        reverse(START), json.dumps(data), content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert answer.status_code == 201 and answer.json()["url"].startswith(
        s3_storages.server.endpoint_url
    )
    upload_id = answer.json()["id"]
    assert post(browser, url("complete", upload_id), {"parts": []}).status_code == 403


def test_without_s3_the_page_posts_files_as_before(studio_client, brand, asset):
    page = studio_client.get(reverse("wagtail_lfcloud_admin:upload"))
    assert "data-direct-url" not in page.content.decode()
    answer = start(studio_client, brand, NAME, 1000)
    assert answer.status_code == 400 and answer.json()["code"] == "not_available"
    # The no-JavaScript form still works.
    png = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (64, 64), "white").save(png, "PNG")
    png.seek(0)
    png.name = NAME
    studio_client.post(reverse("wagtail_lfcloud_admin:upload"), {"brand": brand.pk, "files": [png]})
    assert AssetVersion.objects.filter(asset=asset).exists()


@pytest.mark.s3
@override_settings(**LIMITS)
def test_an_upload_s3_dropped_is_started_afresh(studio_client, brand, asset, s3_storages):
    body = start(studio_client, brand, NAME, 12 * 1024 * 1024).json()
    s3 = s3_storages.server.client()
    (pending,) = s3.list_multipart_uploads(Bucket=s3_storages.originals)["Uploads"]
    # A lifecycle rule aborts it before the studio comes back.
    s3.abort_multipart_upload(
        Bucket=s3_storages.originals, Key=pending["Key"], UploadId=pending["UploadId"]
    )
    resumed = studio_client.get(url("resume", body["id"])).json()
    assert (resumed["status"], resumed["outcome"]) == ("aborted", "refused")  # the page starts anew
    assert DirectUpload.objects.get().status == "aborted"
