"""Uploads straight to S3 (the moto server): presigned (multipart) URLs, the bytes sent to S3 by the
client, read back and checked by a task; refused files leave no version and no object; abandoned
multipart uploads are cleaned by lfcloud_purge."""

from __future__ import annotations

import io
import urllib.request
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test.utils import override_settings

from tests.factories import image_bytes
from tests.storage.hostile_files import noisy, png_bomb, zip_bytes
from wagtail_lfcloud.assets.direct import purge_abandoned
from wagtail_lfcloud.models import AssetVersion, DirectUpload, Role

from .conftest import API, auth

pytestmark = [pytest.mark.django_db]

LIMITS = {
    "WAGTAILIMAGES_MAX_UPLOAD_SIZE": 64 * 1024 * 1024,
    "WAGTAIL_LFCLOUD_DIRECT_UPLOAD_MULTIPART_THRESHOLD": 6 * 1024 * 1024,
    "WAGTAIL_LFCLOUD_DIRECT_UPLOAD_PART_SIZE": 5 * 1024 * 1024,
}


def put(url: str, data: bytes, headers=None) -> str:
    # As a browser sends a Blob; urllib would otherwise say it is a form (moto then answers 500).
    headers = {"Content-Type": "application/octet-stream", **(headers or {})}
    request = urllib.request.Request(url, data=data, method="PUT", headers=headers)
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
        return response.headers["ETag"]


def big_png() -> bytes:
    """A real photograph-like PNG of about 12 MB (noise does not compress): three 5 MiB parts."""
    buffer = io.BytesIO()
    noisy((2000, 2000)).save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def start(client, token, name, size, content_type="image/png"):
    return client.post(
        f"{API}/uploads/direct",
        {"filename": name, "size": size, "content_type": content_type},
        content_type="application/json",
        **auth(token),
    )


def send(client, token, name, data, capture):
    """The whole client side: ask, PUT the bytes (in parts) to S3, complete; the task runs."""
    started = start(client, token, name, len(data))
    assert started.status_code == 201, started.content
    body = started.json()
    if body["parts"]:
        size = body["part_size"]
        parts = [
            {"number": p["number"], "etag": put(p["url"], data[(p["number"] - 1) * size :][:size])}
            for p in body["parts"]
        ]
    else:
        put(body["url"], data, body["headers"])
        parts = []
    with capture(execute=True):
        done = client.post(
            f"{API}/uploads/direct/{body['id']}/complete",
            {"parts": parts},
            content_type="application/json",
            **auth(token),
        )
    assert done.status_code == 202, done.content
    return body, client.get(f"{API}/uploads/direct/{body['id']}", **auth(token)).json()


@pytest.mark.s3
@override_settings(**LIMITS)
def test_a_multipart_upload_becomes_the_next_version(
    client, tokens, s3_storages, approved_asset, django_capture_on_commit_callbacks
):
    data = big_png()
    assert len(data) > 10 * 1024 * 1024
    body, state = send(
        client,
        tokens[Role.STUDIO],
        "SKU12345_2026-02_front.png",
        data,
        django_capture_on_commit_callbacks,
    )
    assert len(body["parts"]) == 3 and body["part_size"] == 5 * 1024 * 1024
    assert state["status"] == "registered", state
    version = AssetVersion.objects.get(pk=state["version_id"])
    assert (version.asset, version.number, version.status) == (approved_asset, 2, "in_review")
    with version.image.file.open("rb") as stored:
        assert stored.read() == data  # the very bytes sent, read back from S3
    # No staging object left: only the stored original (and renditions) remain.
    assert not [k for k in s3_storages.original_keys() if k.startswith("lfcloud-private/uploads/")]


@pytest.mark.s3
@override_settings(**LIMITS)
@pytest.mark.parametrize("kind", ["bomb", "polyglot"])
def test_refused_files_leave_no_version_and_no_object(
    client, tokens, s3_storages, approved_asset, django_capture_on_commit_callbacks, kind
):
    if kind == "bomb":  # a small file that decodes to 2.7 GB
        data, code = png_bomb(30000, 30000), "not_image"  # over the pixel limit
    else:  # a real PNG with a ZIP appended
        buffer = io.BytesIO()
        noisy((64, 64)).save(buffer, "PNG")
        data, code = buffer.getvalue() + zip_bytes(), "unsafe"
    before_versions = AssetVersion.objects.count()
    before_keys = s3_storages.original_keys()
    _body, state = send(
        client,
        tokens[Role.STUDIO],
        "SKU12345_2026-02_front.png",
        data,
        django_capture_on_commit_callbacks,
    )
    assert state["status"] == "refused" and state["error_code"] == code, state
    assert state["version_id"] is None and state["error"]
    assert AssetVersion.objects.count() == before_versions
    assert s3_storages.original_keys() == before_keys


@pytest.mark.s3
@override_settings(**LIMITS)
def test_fewer_bytes_than_announced_are_refused(
    client, tokens, s3_storages, approved_asset, django_capture_on_commit_callbacks
):
    token = tokens[Role.STUDIO]
    started = start(client, token, "SKU12345_2026-02_front.png", 5000).json()
    put(started["url"], b"\x89PNG" + b"\x00" * 100, started["headers"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"{API}/uploads/direct/{started['id']}/complete",
            {},
            content_type="application/json",
            **auth(token),
        )
    upload = DirectUpload.objects.get()
    assert (upload.status, upload.error_code) == ("refused", "incomplete")
    assert not [k for k in s3_storages.original_keys() if k.startswith("lfcloud-private/")]


@pytest.mark.s3
@override_settings(**LIMITS)
def test_what_the_name_and_size_say_is_refused_before_any_byte(
    client, tokens, s3_storages, approved_asset
):
    token = tokens[Role.STUDIO]
    bad_name = start(client, token, "holiday.png", 1000)
    assert bad_name.status_code == 400 and bad_name.json()["code"] == "name"
    not_ordered = start(client, token, "SKU12345_2026-02_top.png", 1000)
    assert not_ordered.json()["code"] == "not_ordered"
    too_big = start(client, token, "SKU12345_2026-02_front.png", 65 * 1024 * 1024)
    assert too_big.status_code == 413 and too_big.json()["code"] == "too_large"
    # Marketers may not upload; another brand's upload is not found.
    assert start(client, tokens[Role.MARKETER], "SKU12345_2026-02_front.png", 10).status_code in (
        403,
        404,
    )
    assert not DirectUpload.objects.exists()


def test_without_s3_the_direct_path_is_not_offered(client, tokens, approved_asset):
    response = start(client, tokens[Role.STUDIO], "SKU12345_2026-02_front.png", 1000)
    assert response.status_code == 400 and response.json()["code"] == "not_available"


@pytest.mark.s3
@override_settings(**LIMITS)
def test_abandoned_multipart_uploads_are_purged(
    client, tokens, s3_storages, approved_asset, django_capture_on_commit_callbacks
):
    token = tokens[Role.STUDIO]
    body = start(client, token, "SKU12345_2026-02_front.png", 12 * 1024 * 1024).json()
    put(body["parts"][0]["url"], b"\x00" * (5 * 1024 * 1024))  # one part, then the client vanishes
    s3 = s3_storages.server.client()
    assert s3.list_multipart_uploads(Bucket=s3_storages.originals).get("Uploads")
    # Recent uploads are left alone.
    assert purge_abandoned(timedelta(hours=24)) == []
    out = io.StringIO()
    call_command("lfcloud_purge", "--abandoned-uploads", "0", stdout=out)
    assert "1 abandoned upload" in out.getvalue()
    assert not s3.list_multipart_uploads(Bucket=s3_storages.originals).get("Uploads")
    assert DirectUpload.objects.get().status == "aborted"


@pytest.mark.s3
@override_settings(**LIMITS)
def test_an_interrupted_multipart_upload_resumes_with_the_missing_parts(
    client, tokens, s3_storages, approved_asset, django_capture_on_commit_callbacks
):
    token = tokens[Role.STUDIO]
    data = big_png()
    body = start(client, token, "SKU12345_2026-02_front.png", len(data)).json()
    size = body["part_size"]
    put(body["parts"][1]["url"], data[size : 2 * size])  # part 2 arrived, then the client died
    resumed = client.get(f"{API}/uploads/direct/{body['id']}/resume", **auth(token)).json()
    assert [p["number"] for p in resumed["uploaded"]] == [2]
    assert [p["number"] for p in resumed["parts"]] == [1, 3]
    parts = resumed["uploaded"] + [
        {"number": p["number"], "etag": put(p["url"], data[(p["number"] - 1) * size :][:size])}
        for p in resumed["parts"]
    ]
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            f"{API}/uploads/direct/{body['id']}/complete",
            {"parts": parts},
            content_type="application/json",
            **auth(token),
        )
    assert done.status_code == 202, done.content
    state = client.get(f"{API}/uploads/direct/{body['id']}", **auth(token)).json()
    assert state["status"] == "registered", state
    with AssetVersion.objects.get(pk=state["version_id"]).image.file.open("rb") as stored:
        assert stored.read() == data
    # Over: resuming answers the state, with no URLs.
    over = client.get(f"{API}/uploads/direct/{body['id']}/resume", **auth(token)).json()
    assert (over["status"], over["parts"], over["uploaded"]) == ("registered", [], [])
    # Another brand's token does not find it.
    assert (
        client.get(f"{API}/uploads/direct/{body['id']}/resume", **auth(tokens["other"])).status_code
        == 404
    )


@pytest.mark.s3
def test_a_check_stopped_after_the_version_was_made_leaves_the_upload_registered(
    client, tokens, s3_storages, approved_asset, django_capture_on_commit_callbacks, monkeypatch
):
    """The check's worker dies (or its database connection drops) right after the file became a
    version: the upload is registered with that version all the same, and the check run again
    keeps it so. It used to stay "uploaded" (the registration was a separate write after the
    version's transaction), and the run again refused it as "nothing arrived" (the staging object
    was gone) while the version existed."""
    from wagtail_lfcloud.assets import direct

    token = tokens[Role.STUDIO]
    data = image_bytes((640, 480), color=(30, 90, 160), fmt="JPEG")
    started = start(client, token, "SKU12345_2026-02_front.jpg", len(data), "image/jpeg")
    assert started.status_code == 201, started.content
    body = started.json()
    put(body["url"], data, body["headers"])
    versions = AssetVersion.objects.count()

    real = direct.upload_version

    def then_the_worker_dies(*args, **kwargs):
        real(*args, **kwargs)
        raise ConnectionError("the database connection was lost")

    monkeypatch.setattr(direct, "upload_version", then_the_worker_dies)
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            f"{API}/uploads/direct/{body['id']}/complete",
            {"parts": []},
            content_type="application/json",
            **auth(token),
        )
    assert done.status_code == 202, done.content
    monkeypatch.undo()
    assert AssetVersion.objects.count() == versions + 1
    version = AssetVersion.objects.latest("pk")

    def state():
        return client.get(f"{API}/uploads/direct/{body['id']}", **auth(token)).json()

    assert state()["status"] == "registered" and state()["version_id"] == version.pk, state()
    # The queue runs the failed check again: nothing changes.
    assert direct.register(body["id"]) == DirectUpload.Status.REGISTERED
    assert state()["status"] == "registered" and state()["version_id"] == version.pk, state()
    assert AssetVersion.objects.count() == versions + 1


def _sent(client, token):
    data = image_bytes((640, 480), color=(30, 90, 160), fmt="JPEG")
    started = start(client, token, "SKU12345_2026-02_front.jpg", len(data), "image/jpeg")
    assert started.status_code == 201, started.content
    body = started.json()
    put(body["url"], data, body["headers"])
    upload = DirectUpload.objects.get(pk=body["id"])
    DirectUpload.objects.filter(pk=upload.pk).update(status=DirectUpload.Status.UPLOADED)
    return upload


@pytest.mark.s3
def test_a_check_that_fails_before_the_version_is_made_can_be_run_again(
    client, tokens, s3_storages, approved_asset, monkeypatch
):
    """The database fails inside the check, before the version commits: the staging object is
    kept, and the check run again makes the version (it was refused as "nothing arrived")."""
    from django.db import OperationalError

    from wagtail_lfcloud.assets import direct

    upload = _sent(client, tokens[Role.STUDIO])
    versions = AssetVersion.objects.count()

    def lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(direct, "upload_version", lost)
    with pytest.raises(OperationalError):
        direct.register(upload.pk)
    monkeypatch.undo()
    assert DirectUpload.objects.get(pk=upload.pk).status == DirectUpload.Status.UPLOADED
    assert AssetVersion.objects.count() == versions
    assert direct.register(upload.pk) == DirectUpload.Status.REGISTERED
    assert AssetVersion.objects.count() == versions + 1
    assert not [k for k in s3_storages.original_keys() if k.startswith("lfcloud-private/uploads/")]


@pytest.mark.s3
def test_an_upload_given_up_while_it_is_checked_makes_no_version(
    client, tokens, s3_storages, approved_asset, monkeypatch
):
    """lfcloud_purge (or the client) gives the upload up while its check runs: the check makes
    no version, instead of one whose upload says aborted."""
    from wagtail_lfcloud.assets import direct

    upload = _sent(client, tokens[Role.STUDIO])
    versions = AssetVersion.objects.count()
    real = direct.upload_version

    def given_up_meanwhile(*args, **kwargs):
        DirectUpload.objects.filter(pk=upload.pk).update(status=DirectUpload.Status.ABORTED)
        return real(*args, **kwargs)

    monkeypatch.setattr(direct, "upload_version", given_up_meanwhile)
    assert direct.register(upload.pk) == DirectUpload.Status.ABORTED
    assert AssetVersion.objects.count() == versions
    assert not [k for k in s3_storages.original_keys() if k.startswith("lfcloud-private/uploads/")]
