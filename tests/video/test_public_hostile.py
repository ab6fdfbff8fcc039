"""Hostile requests to a clip's public link: odd ``Range`` headers never break it (no 500) and a
416 is never kept by a CDN (one bad request must not take the clip down for every viewer); a
stale or weak ``If-Range`` gets the whole file; the poster, the ranges and the clip all stop at
the usage rights (451) and at a rotated key (403); an image channel's link has no poster."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import make_asset
from tests.video.test_public import SMALL, approve, links, path_of, upload
from wagtail_lfcloud.delivery.public_urls import public_poster_url, rotate_key
from wagtail_lfcloud.models import AssetKind, UsageRights

pytestmark = pytest.mark.django_db


@pytest.fixture
def served(client, brand, product, workflow, settings, django_capture_on_commit_callbacks):
    settings.WAGTAIL_LFCLOUD_VIDEO_CHANNELS = SMALL
    asset = make_asset(product, "turntable-15s", channels=["amazon_video"], kind=AssetKind.VIDEO)
    upload(asset, 1, django_capture_on_commit_callbacks)
    approve(asset, django_capture_on_commit_callbacks)
    clip_url, poster_url = links(asset)
    whole = client.get(clip_url)
    assert whole.status_code == 200
    return asset, clip_url, poster_url, whole, int(whole["Content-Length"])


def test_odd_ranges_answer_416_or_the_whole_clip_and_a_416_is_never_cached(client, served):
    _asset, clip_url, _poster, whole, size = served
    for header in ("bytes=-0", "bytes=999999999-", f"bytes={size}-", "bytes=5-2"):
        answer = client.get(clip_url, HTTP_RANGE=header)
        assert answer.status_code == 416, header
        assert answer["Content-Range"] == f"bytes */{size}"
        # A CDN keeping this answer would refuse the clip to every viewer of the link.
        assert answer["Cache-Control"] == "no-store", header
    huge = "9" * 5000  # past Python's int() digit limit
    for header in (f"bytes={huge}-", f"bytes=0-{huge}", f"bytes=-{huge}"):
        answer = client.get(clip_url, HTTP_RANGE=header)
        assert answer.status_code in (200, 206, 416), header[:20]
    assert client.get(clip_url, HTTP_RANGE=f"bytes=0-{huge}")["Content-Length"] == str(size)
    assert client.get(clip_url, HTTP_RANGE=f"bytes=-{huge}")["Content-Length"] == str(size)
    # Several ranges, another unit, garbage: the whole clip (a server may ignore Range).
    for header in ("bytes=0-1,5-6", "items=0-1", "bytes=-1-2", "bytes=a-b", "bytes=--1"):
        answer = client.get(clip_url, HTTP_RANGE=header)
        assert (answer.status_code, answer["Content-Length"]) == (200, str(size)), header
    # If-Range compares strongly: a weak or another ETag, or a date, gets the whole clip.
    for if_range in (f"W/{whole['ETag']}", '"1-0000"', "Sun, 06 Dec 2026 00:00:00 GMT"):
        answer = client.get(clip_url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=if_range)
        assert (answer.status_code, answer["Content-Length"]) == (200, str(size)), if_range
    match = client.get(clip_url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=whole["ETag"])
    assert (match.status_code, match["Content-Length"]) == (206, "10")


def test_expired_rights_and_a_rotated_key_stop_the_clip_its_ranges_and_its_poster(
    client, served, django_capture_on_commit_callbacks
):
    asset, clip_url, poster_url, _whole, _size = served
    assert client.get(poster_url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        rights = UsageRights.objects.create(
            brand=asset.brand, asset=asset, expires_at=timezone.now() - timedelta(minutes=1)
        )
    for url, extra in (
        (clip_url, {}),
        (clip_url, {"HTTP_RANGE": "bytes=0-99"}),
        (poster_url, {}),
    ):
        refused = client.get(url, **extra)
        assert refused.status_code == 451, url
        assert refused["Content-Type"] == "application/problem+json"
        assert refused["Cache-Control"] == "no-store"
    rights.delete()
    assert client.get(clip_url, HTTP_RANGE="bytes=0-99").status_code == 206

    rotate_key(asset.brand)
    for url, extra in ((clip_url, {"HTTP_RANGE": "bytes=0-99"}), (poster_url, {})):
        refused = client.get(url, **extra)
        assert refused.status_code == 403 and refused.json()["code"] == "invalid_signature"
    asset.brand.refresh_from_db()
    fresh = path_of(public_poster_url(asset.brand, "SKU12345", "turntable-15s", "amazon_video"))
    assert client.get(fresh).status_code == 200
    # An image channel's link has no poster frame.
    image = path_of(public_poster_url(asset.brand, "SKU12345", "turntable-15s", "amazon_main"))
    with django_capture_on_commit_callbacks(execute=True):
        client.get(image)  # 202 while the photo channel's file of the poster is made
    answer = client.get(image)
    assert answer.status_code == 404 and answer["Cache-Control"] == "no-store"
    assert answer.json()["code"] == "no_poster"
