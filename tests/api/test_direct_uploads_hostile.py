"""Uploads straight to S3 against a client that lies: about the content type (the stored original
is typed by what it is, never by what the client said), about the size (none past what S3 can
hold), about the bytes (replaced in the bucket while the check reads them), about the file name
(a path never leaves the staging folder) and about the kind (an image named as a clip); and a
brand token reaching another brand's upload of the same person."""

from __future__ import annotations

import io

import pytest
from django.test.utils import override_settings

from tests.api.test_write_scopes import brand_token
from tests.factories import make_asset, make_product, make_user, role_group
from tests.storage.hostile_files import noisy
from wagtail_lfcloud.assets import direct
from wagtail_lfcloud.models import AssetKind, AssetVersion, DirectUpload, Role

from .conftest import API, auth
from .test_direct_uploads import LIMITS, put, start

pytestmark = [pytest.mark.django_db, pytest.mark.s3]

NAME = "SKU12345_2026-02_front.png"


def png(size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    noisy(size).save(buffer, "PNG")
    return buffer.getvalue()


def complete(client, token, upload_id, capture, parts=()):
    with capture(execute=True):
        return client.post(
            f"{API}/uploads/direct/{upload_id}/complete",
            {"parts": list(parts)},
            content_type="application/json",
            **auth(token),
        )


def stored_type(s3_storages, field) -> str:
    """The ``Content-Type`` S3 answers for the stored file ``field``."""
    key = field.storage._normalize_name(field.name)
    head = s3_storages.server.client().head_object(Bucket=field.storage.bucket_name, Key=key)
    return head["ContentType"]


@override_settings(**LIMITS)
def test_the_stored_original_is_typed_by_its_bytes_not_by_the_client(
    client, tokens, s3_storages, approved_asset, django_capture_on_commit_callbacks
):
    token, data = tokens[Role.STUDIO], png()
    body = start(client, token, NAME, len(data), content_type="text/html").json()
    put(body["url"], data, body["headers"])
    complete(client, token, body["id"], django_capture_on_commit_callbacks)
    upload = DirectUpload.objects.get()
    assert upload.status == "registered", upload.error
    # Opened from a presigned link, the original must not be rendered as a web page.
    assert stored_type(s3_storages, upload.version.image.file) == "image/png"


@override_settings(**{**LIMITS, "WAGTAILIMAGES_MAX_UPLOAD_SIZE": None})
def test_without_a_size_limit_no_upload_is_larger_than_s3_holds(
    client, tokens, s3_storages, approved_asset
):
    for size in (5 * 1024**4 + 1, 10**19, 10**40):
        refused = start(client, tokens[Role.STUDIO], NAME, size)
        assert refused.status_code == 413 and refused.json()["code"] == "too_large", size
    assert not DirectUpload.objects.exists()


@override_settings(**LIMITS)
def test_bytes_replaced_while_they_are_checked_are_refused(
    client, tokens, s3_storages, approved_asset, django_capture_on_commit_callbacks, monkeypatch
):
    token, data = tokens[Role.STUDIO], png()
    body = start(client, token, NAME, len(data)).json()
    put(body["url"], data, body["headers"])
    other = png((900, 900))  # far over the announced size, sent with the same presigned URL

    real = direct._client

    class Swapping:
        """S3, with the client's second PUT landing right after the check looked at the object."""

        def __init__(self, inner):
            self._inner = inner

        def __getattr__(self, name):
            return getattr(self._inner, name)

        def head_object(self, **kwargs):
            head = self._inner.head_object(**kwargs)
            put(body["url"], other, body["headers"])
            return head

    monkeypatch.setattr(direct, "_client", lambda: Swapping(real()))
    complete(client, token, body["id"], django_capture_on_commit_callbacks)
    upload = DirectUpload.objects.get()
    assert (upload.status, upload.error_code) == ("refused", "incomplete"), upload.error
    assert not AssetVersion.objects.filter(original_filename=NAME, number=2).exists()
    assert not [k for k in s3_storages.original_keys() if k.startswith("lfcloud-private/")]


@override_settings(**LIMITS)
def test_a_path_in_the_name_stays_in_the_staging_folder_and_an_image_named_as_a_clip_is_refused(
    client, tokens, s3_storages, approved_asset, django_capture_on_commit_callbacks
):
    token, data = tokens[Role.STUDIO], png()
    for name in (f"../../{NAME}", f"/etc/{NAME}", f"lfcloud-private/originals/x/../{NAME}"):
        body = start(client, token, name, len(data))
        assert body.status_code == 201, name
        upload = DirectUpload.objects.get(pk=body.json()["id"])
        assert upload.key.startswith(direct.STAGING_FOLDER) and ".." not in upload.key
        assert upload.key.endswith(f"/{NAME}") and upload.key.count("/") == 3
    assert start(client, token, f"..\\..\\{NAME}", len(data)).json()["code"] == "name"

    make_asset(approved_asset.product, "turntable-15s", kind=AssetKind.VIDEO)
    clip_name = "SKU12345_2026-02_turntable-15s.mp4"
    body = start(client, token, clip_name, len(data), content_type="video/mp4").json()
    put(body["url"], data, body["headers"])
    complete(client, token, body["id"], django_capture_on_commit_callbacks)
    upload = DirectUpload.objects.get(pk=body["id"])
    assert upload.status == "refused" and upload.version is None
    assert not AssetVersion.objects.filter(asset__angle="turntable-15s").exists()


@override_settings(**LIMITS)
def test_a_brand_token_reaches_only_its_brands_uploads_and_only_with_the_upload_scope(
    client, brand, other_brand, s3_storages, approved_asset
):
    make_asset(make_product(other_brand, "GLX-1"), "front")
    studio = make_user("two_brand_studio", brand=brand, role=Role.STUDIO)
    studio.groups.add(role_group(other_brand, Role.STUDIO))  # the same person studios brand B too
    acme = brand_token(studio, brand, ["upload"])
    globex = brand_token(studio, other_brand, ["upload"])
    read = brand_token(studio, brand, ["read"])
    upload_id = start(client, acme, NAME, 12 * 1024 * 1024).json()["id"]

    # Brand B's token of the very same person: brand A's upload does not exist for it.
    for token in (globex, read):
        for path in (f"/uploads/direct/{upload_id}", f"/uploads/direct/{upload_id}/resume"):
            assert client.get(f"{API}{path}", **auth(token)).status_code in (403, 404), path
        completed = client.post(
            f"{API}/uploads/direct/{upload_id}/complete",
            {"parts": []},
            content_type="application/json",
            **auth(token),
        )
        assert completed.status_code in (403, 404)
    named = client.post(
        f"{API}/uploads/direct",
        {"filename": NAME, "size": 10, "brand": brand.slug},
        content_type="application/json",
        **auth(globex),
    )
    assert named.status_code == 404 and named.json()["code"] == "unknown_brand"
    assert start(client, read, NAME, 10).json()["code"] == "read_only_token"
    assert DirectUpload.objects.get().status == "started"
    resumed = client.get(f"{API}/uploads/direct/{upload_id}/resume", **auth(acme)).json()
    assert [p["number"] for p in resumed["parts"]] == [1, 2, 3]


@override_settings(**LIMITS)
def test_a_stored_clip_is_typed_by_its_bytes_not_by_the_client(
    client, tokens, s3_storages, approved_asset, django_capture_on_commit_callbacks, monkeypatch
):
    pytest.importorskip("av")
    from django.core.files.storage import storages

    from tests.video.clips import make_clip
    from wagtail_lfcloud.models import VersionClip

    # The clip's field resolved its (private) storage when the model was defined: S3 here.
    monkeypatch.setattr(VersionClip._meta.get_field("file"), "storage", storages["default"])

    make_asset(approved_asset.product, "turntable-15s", kind=AssetKind.VIDEO)
    token, data = tokens[Role.STUDIO], make_clip(seconds=1)
    name = "SKU12345_2026-02_turntable-15s.mp4"
    body = start(client, token, name, len(data), content_type="text/html").json()
    put(body["url"], data, body["headers"])
    complete(client, token, body["id"], django_capture_on_commit_callbacks)
    upload = DirectUpload.objects.get()
    assert upload.status == "registered", upload.error
    assert stored_type(s3_storages, upload.version.clip.file) == "video/mp4"
    assert stored_type(s3_storages, upload.version.image.file) == "image/jpeg"


@override_settings(**LIMITS)
def test_the_review_player_link_is_typed_by_name_even_for_a_clip_stored_with_a_lie(
    client, tokens, s3_storages, approved_asset, django_capture_on_commit_callbacks, monkeypatch
):
    """A clip stored before uploads were typed by their bytes may still say ``text/html`` in S3:
    the presigned link the review player is sent to overrides the type, so the bucket's domain
    never serves it as a web page."""
    pytest.importorskip("av")
    import urllib.request

    from django.core.files.storage import storages
    from django.urls import reverse

    from tests.video.clips import make_clip
    from wagtail_lfcloud.models import VersionClip

    monkeypatch.setattr(VersionClip._meta.get_field("file"), "storage", storages["default"])
    make_asset(approved_asset.product, "turntable-15s", kind=AssetKind.VIDEO)
    token, data = tokens[Role.STUDIO], make_clip(seconds=1)
    body = start(client, token, "SKU12345_2026-02_turntable-15s.mp4", len(data)).json()
    put(body["url"], data, body["headers"])
    complete(client, token, body["id"], django_capture_on_commit_callbacks)
    clip = DirectUpload.objects.get().version.clip
    storage = clip.file.storage
    key = storage._normalize_name(clip.file.name)
    s3 = s3_storages.server.client()
    s3.copy_object(
        Bucket=storage.bucket_name,
        Key=key,
        CopySource={"Bucket": storage.bucket_name, "Key": key},
        ContentType="text/html",
        MetadataDirective="REPLACE",
    )
    assert stored_type(s3_storages, clip.file) == "text/html"

    client.force_login(make_user(superuser=True))
    response = client.get(
        reverse("wagtail_lfcloud_admin:clip_file", args=[clip.version_id, "clip"])
    )
    assert response.status_code == 302
    with urllib.request.urlopen(response["Location"]) as answer:
        assert answer.headers["Content-Type"] == "video/mp4"
        assert answer.headers["Content-Disposition"] == "inline"
        assert answer.read() == data
