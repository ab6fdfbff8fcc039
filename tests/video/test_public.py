"""Public signed links (``/lfcloud/public/…``) to a video channel's clip and its poster frame:
the approved clip's bytes, in byte ranges for players, its poster at ``…/poster.jpg``; never a
clip that is not approved."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.models import TaskState

from tests.factories import make_asset, make_user
from tests.video.clips import SMALL, make_clip
from tests.video.conftest import NAME
from wagtail_lfcloud.assets.uploads import upload_version
from wagtail_lfcloud.delivery.public_urls import asset_urls, public_poster_url, public_url
from wagtail_lfcloud.models import AssetKind, ChannelRendition

pytestmark = pytest.mark.django_db


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


@pytest.fixture
def clip_asset(brand, product, workflow, settings):
    settings.WAGTAIL_LFCLOUD_VIDEO_CHANNELS = SMALL
    return make_asset(product, "turntable-15s", channels=["amazon_video"], kind=AssetKind.VIDEO)


def upload(asset, seconds, captured):
    studio = make_user(f"studio{seconds}", brand=asset.brand, role="studio")
    data = make_clip(seconds=seconds, size=(320, 180))
    with captured(execute=True):
        return upload_version(
            SimpleUploadedFile(NAME, data), brand=asset.brand, user=studio
        ).version


def approve(asset, captured):
    approver = make_user("approver", brand=asset.brand, role="approver")
    step = TaskState.objects.for_instance(asset).filter(status="in_progress").get().specific
    with captured(execute=True):  # the channel transcodes run at once (test task backend)
        step.task.specific.on_action(step, approver, "approve")


def links(asset):
    clip = path_of(public_url(asset.brand, "SKU12345", "turntable-15s", "amazon_video"))
    poster = path_of(public_poster_url(asset.brand, "SKU12345", "turntable-15s", "amazon_video"))
    return clip, poster


def test_a_public_link_serves_the_approved_clip_in_byte_ranges_and_its_poster(
    client, clip_asset, django_capture_on_commit_callbacks
):
    version = upload(clip_asset, 1, django_capture_on_commit_callbacks)
    approve(clip_asset, django_capture_on_commit_callbacks)
    row = ChannelRendition.objects.get(version=version, channel="amazon_video")
    with row.file.open("rb") as f:
        data = f.read()
    clip_url, poster_url = links(clip_asset)

    whole = client.get(clip_url)
    assert whole.status_code == 200
    assert whole["Content-Type"] == "video/mp4"
    assert whole["Accept-Ranges"] == "bytes"
    assert whole["Content-Length"] == str(len(data))
    assert whole["X-LFCloud-Version"] == "1"
    assert whole["Cache-Control"].startswith("public, max-age=")
    assert b"".join(whole.streaming_content) == data

    # A player's byte ranges: the start, the end (the MP4 index may be there), a middle piece.
    first = client.get(clip_url, HTTP_RANGE="bytes=0-99")
    assert first.status_code == 206
    assert first["Content-Range"] == f"bytes 0-99/{len(data)}"
    assert first["Content-Type"] == "video/mp4" and first["ETag"] == whole["ETag"]
    assert b"".join(first.streaming_content) == data[:100]
    last = client.get(clip_url, HTTP_RANGE="bytes=-100")
    assert b"".join(last.streaming_content) == data[-100:]
    middle = client.get(clip_url, HTTP_RANGE="bytes=1000-")
    assert middle["Content-Range"] == f"bytes 1000-{len(data) - 1}/{len(data)}"
    assert b"".join(middle.streaming_content) == data[1000:]
    assert client.get(clip_url, HTTP_RANGE=f"bytes={len(data)}-").status_code == 416
    # A range of another version (If-Range with an old ETag) gets the whole current file.
    stale = client.get(clip_url, HTTP_RANGE="bytes=0-99", HTTP_IF_RANGE='"0-old"')
    assert stale.status_code == 200 and stale["Content-Length"] == str(len(data))
    assert client.get(clip_url, HTTP_IF_NONE_MATCH=whole["ETag"]).status_code == 304

    poster = client.get(poster_url)
    assert poster.status_code == 200 and poster["Content-Type"] == "image/jpeg"
    assert poster["ETag"] != whole["ETag"]
    with PILImage.open(io.BytesIO(b"".join(poster.streaming_content))) as picture:
        assert (picture.format, picture.size) == ("JPEG", (320, 180))
    # The signature covers the clip's link, so the poster's too.
    tampered = poster_url.replace("turntable-15s", "front")
    assert client.get(tampered).status_code == 403

    # Approvals purge the poster's link with the clip's; the admin page lists both.
    assert public_poster_url(clip_asset.brand, "SKU12345", "turntable-15s", "amazon_video") in (
        asset_urls(clip_asset)
    )
    client.force_login(make_user(superuser=True))
    page = client.get(reverse("wagtail_lfcloud_admin:asset_public_links", args=[clip_asset.pk]))
    html = page.content.decode()
    assert 'data-channel="amazon_video"' in html and 'data-channel="amazon_main"' not in html
    assert clip_url in html and poster_url in html


def test_a_public_link_never_serves_a_clip_that_is_not_approved(
    client, clip_asset, django_capture_on_commit_callbacks
):
    upload(clip_asset, 1, django_capture_on_commit_callbacks)
    clip_url, poster_url = links(clip_asset)
    for url in (clip_url, poster_url):
        refused = client.get(url)
        assert refused.status_code == 404, url
        assert refused["Content-Type"] == "application/problem+json"
        assert refused["Cache-Control"] == "no-store"

    approve(clip_asset, django_capture_on_commit_callbacks)
    served = b"".join(client.get(clip_url).streaming_content)
    poster = b"".join(client.get(poster_url).streaming_content)
    # Version 2 waits for review: the links keep serving version 1, whole and in ranges.
    upload(clip_asset, 1.2, django_capture_on_commit_callbacks)
    again = client.get(clip_url)
    assert again["X-LFCloud-Version"] == "1"
    assert b"".join(again.streaming_content) == served
    ranged = client.get(clip_url, HTTP_RANGE="bytes=0-99")
    assert ranged["X-LFCloud-Version"] == "1"
    assert b"".join(ranged.streaming_content) == served[:100]
    assert b"".join(client.get(poster_url).streaming_content) == poster
