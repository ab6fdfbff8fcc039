"""Bundles with S3 (the moto server): streamed zips carry a Content-Length; built zips go to private
storage and are handed out as short-lived presigned links, never through a web process."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
import zipfile
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_asset, make_user
from wagtail_lfcloud.models import DownloadBundle, Role, UsageRights

from .conftest import API, approve, auth

pytestmark = [pytest.mark.django_db, pytest.mark.s3]


@pytest.fixture
def assets_on_s3(s3_storages, product):
    """Three approved assets whose channel files are on the moto server's renditions bucket."""
    assets = []
    for n, angle in enumerate(("front", "side", "back")):
        asset = make_asset(product, angle, channels=["amazon_main"])
        approve(asset, 1, color=(40 * n, 90, 200), channels=("amazon_main",))
        assets.append(asset)
    assert s3_storages.rendition_keys()  # really on S3
    return assets


def post_bundle(client, token, assets):
    return client.post(
        f"{API}/bundles",
        {"channel": "amazon_main", "assets": [a.pk for a in assets]},
        content_type="application/json",
        **auth(token),
    )


def names(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return sorted(archive.namelist())


def test_a_streamed_bundle_tells_its_size_first(client, tokens, assets_on_s3):
    response = post_bundle(client, tokens[Role.MARKETER], assets_on_s3)
    assert response.status_code == 200 and response.streaming
    declared = int(response["Content-Length"])
    data = b"".join(response.streaming_content)
    assert len(data) == declared  # browsers show a real progress bar
    assert len(names(data)) == 3


def test_the_admin_streamed_bundle_tells_its_size_too(client, brand, assets_on_s3):
    client.force_login(make_user("mk", brand=brand, role=Role.MARKETER))
    url = reverse("wagtail_lfcloud_admin:bundle_selection")
    query = "&".join(f"asset={a.pk}" for a in assets_on_s3)
    response = client.post(f"{url}?{query}", {"channel": "amazon_main"})
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(data) and len(names(data)) == 3


def build_in_background(client, token, assets, capture):
    with override_settings(WAGTAIL_LFCLOUD_BUNDLE_ASYNC_THRESHOLD=1), capture(execute=True):
        response = post_bundle(client, token, assets)
    assert response.status_code == 202
    return DownloadBundle.objects.get()


def test_a_built_bundle_is_private_and_handed_out_as_a_presigned_link(
    client, tokens, s3_storages, assets_on_s3, django_capture_on_commit_callbacks
):
    token = tokens[Role.MARKETER]
    bundle = build_in_background(client, token, assets_on_s3, django_capture_on_commit_callbacks)
    assert bundle.status == "ready"
    # In the private bucket (originals; no "private" alias in these settings), under the private
    # prefix and an unguessable folder; nothing in the public renditions bucket.
    zips = [k for k in s3_storages.original_keys() if k.endswith(".zip")]
    assert zips == [bundle.file.name]
    assert bundle.file.name.startswith("lfcloud-private/bundles/")
    assert not [k for k in s3_storages.rendition_keys() if k.endswith(".zip")]
    # An anonymous GET of the object's plain URL is refused by S3.
    plain = f"{s3_storages.server.endpoint_url}/{s3_storages.originals}/{bundle.file.name}"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(plain, timeout=10)
    assert refused.value.code == 403

    response = client.get(f"{API}/bundles/{bundle.pk}/download", **auth(token))
    assert response.status_code == 302
    assert response["Cache-Control"] == "no-store"
    location = response["Location"]
    assert location.startswith(s3_storages.server.endpoint_url)
    query = parse_qs(urlsplit(location).query)
    assert query["X-Amz-Expires"] == ["300"]  # WAGTAIL_LFCLOUD_SIGNED_URL_EXPIRY
    with urllib.request.urlopen(location, timeout=10) as fetched:
        assert "attachment" in fetched.headers["Content-Disposition"]
        assert len(names(fetched.read())) == 3

    # The admin's download does the same.
    client.force_login(make_user("mk", brand=assets_on_s3[0].brand, role=Role.MARKETER))
    admin = client.get(reverse("wagtail_lfcloud_admin:bundle_download", args=[bundle.pk]))
    assert admin.status_code == 302 and admin["Location"].startswith(
        s3_storages.server.endpoint_url
    )
    # Other brands get no link.
    assert (
        client.get(f"{API}/bundles/{bundle.pk}/download", **auth(tokens["other"])).status_code
        == 404
    )


def test_no_link_once_the_rights_changed(
    client, tokens, s3_storages, assets_on_s3, django_capture_on_commit_callbacks
):
    token = tokens[Role.MARKETER]
    bundle = build_in_background(client, token, assets_on_s3, django_capture_on_commit_callbacks)
    UsageRights.objects.create(brand=bundle.brand, asset=assets_on_s3[0], expires_at=timezone.now())
    response = client.get(f"{API}/bundles/{bundle.pk}/download", **auth(token))
    assert response.status_code == 451
    assert "Location" not in response
