"""Uploading a clip: it becomes the next version of its video deliverable, with a poster frame
and a review preview; every bad clip is refused with a reason and leaves nothing behind."""

import os

import av
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from wagtail.images import get_image_model

from tests.factories import make_asset
from tests.video.clips import make_clip
from tests.video.conftest import NAME
from wagtail_lfcloud.assets.uploads import UploadRefused, upload_version
from wagtail_lfcloud.models import AssetVersion, VersionClip, VersionStatus

pytestmark = pytest.mark.django_db


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


def test_a_clip_becomes_a_version_with_poster_and_preview(
    brand, video_asset, studio, clip_bytes, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = upload_version(SimpleUploadedFile(NAME, clip_bytes), brand=brand, user=studio)

    version = result.version
    assert result.status == VersionStatus.IN_REVIEW
    assert (version.number, version.original_filename) == (1, NAME)
    clip = VersionClip.objects.get(version=version)
    assert (clip.width, clip.height, clip.fps) == (320, 240, 25.0)
    assert clip.video_codec == "h264" and clip.audio_codec == "aac"
    assert clip.duration == pytest.approx(2.0, abs=0.05)
    assert clip.frames == 50 and clip.bytes == len(clip_bytes)
    assert clip.file.read() == clip_bytes
    # The clip and its preview are private, under unguessable names.
    assert clip.file.name.startswith("lfcloud-private/clips/lfc")
    # The version's image is the poster frame: a JPEG of the clip's size, in the raw collection.
    poster = version.image
    assert poster.title == "SKU12345 turntable-15s v1"
    with poster.file.open("rb") as f, PILImage.open(f) as picture:
        assert (picture.format, picture.size) == ("JPEG", (320, 240))
    # The review preview (made by the video task, run at once by the test backend): WebM that
    # plays in any browser, with the sound.
    assert clip.preview.name.endswith("_preview.webm")
    with clip.preview.open("rb") as f, av.open(f) as made:
        assert made.streams.video[0].codec_context.name == "vp8"
        assert made.streams.audio[0].codec_context.name == "opus"
    assert "turntable-15s v1" in str(version.image.title)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"codec": "prores_ks", "format": "mov", "audio": False, "seconds": 1}, "x.mov"),
        ({"codec": "libx265", "audio": False, "seconds": 1}, "x.mp4"),
    ],
    ids=["prores-mov", "h265-mp4"],
)
def test_prores_and_h265_are_accepted(brand, video_asset, studio, kwargs, name):
    data = make_clip(**kwargs)
    name = NAME.replace(".mp4", os.path.splitext(name)[1])
    result = upload_version(SimpleUploadedFile(name, data), brand=brand, user=studio)
    clip = result.version.clip
    assert clip.video_codec == {"prores_ks": "prores", "libx265": "hevc"}[kwargs["codec"]]
    assert clip.audio_codec == ""
    assert clip.summary.endswith("no sound")


def refused(brand, user, name, data, code):
    with pytest.raises(UploadRefused) as caught:
        upload_version(SimpleUploadedFile(name, data), brand=brand, user=user)
    assert caught.value.code == code, str(caught.value)
    return str(caught.value)


def assert_nothing_created(settings):
    assert AssetVersion.objects.count() == 0
    assert VersionClip.objects.count() == 0
    assert get_image_model().objects.count() == 0
    assert stored_files(settings) == []


def test_hostile_and_broken_clips_are_refused_with_nothing_left(
    brand, video_asset, studio, clip_bytes, settings
):
    # Text named .mp4
    message = refused(brand, studio, NAME, b"hello, not a video at all", "not_video")
    assert "not an MP4 or QuickTime" in message
    # An HLS playlist dressed as a clip: never handed to a demuxer that would follow its URLs.
    playlist = b"#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:10.0,\nfile:///etc/passwd\n"
    refused(brand, studio, NAME, playlist, "not_video")
    # Cut in the middle of its data (an interrupted copy).
    message = refused(brand, studio, NAME, clip_bytes[: len(clip_bytes) // 2], "corrupt")
    assert NAME in message
    # A header box and then garbage.
    refused(brand, studio, NAME, clip_bytes[:32] + os.urandom(2000), "corrupt")
    # A codec that is not accepted (MPEG-4 part 2).
    message = refused(brand, studio, NAME, make_clip(codec="mpeg4", seconds=0.5), "codec")
    assert "mpeg4" in message and "H.264" in message
    assert_nothing_created(settings)


def test_limits_come_from_settings(brand, video_asset, studio, clip_bytes, settings):
    settings.WAGTAIL_LFCLOUD_VIDEO_MAX_SECONDS = 1
    assert "the longest clip accepted is 1 s" in refused(
        brand, studio, NAME, clip_bytes, "too_long"
    )
    settings.WAGTAIL_LFCLOUD_VIDEO_MAX_SECONDS = 180
    settings.WAGTAIL_LFCLOUD_VIDEO_MAX_BYTES = 10_000
    assert "the largest clip accepted is" in refused(brand, studio, NAME, clip_bytes, "too_large")
    settings.WAGTAIL_LFCLOUD_VIDEO_MAX_BYTES = 10**9
    settings.WAGTAIL_LFCLOUD_VIDEO_MAX_DIMENSION = 200
    assert "320×240" in refused(brand, studio, NAME, clip_bytes, "too_large")
    assert_nothing_created(settings)


def test_a_clip_for_a_photo_angle_and_a_photo_for_a_clip_are_refused(
    brand, product, video_asset, studio, clip_bytes, settings
):
    from tests.factories import image_bytes

    make_asset(product, "front")
    message = refused(brand, studio, "SKU12345_2025-10_front.mp4", clip_bytes, "wrong_kind")
    assert "photo deliverable" in message
    message = refused(
        brand, studio, "SKU12345_2025-10_turntable-15s.png", image_bytes(), "wrong_kind"
    )
    assert "video deliverable" in message and ".mp4" in message
    assert_nothing_created(settings)


def test_the_same_clip_twice_is_a_duplicate(brand, video_asset, studio, clip_bytes):
    upload_version(SimpleUploadedFile(NAME, clip_bytes), brand=brand, user=studio)
    refused(brand, studio, NAME, clip_bytes, "duplicate")
    assert VersionClip.objects.count() == 1


def test_the_upload_page_takes_clips(client, brand, video_asset, studio, clip_bytes):
    client.force_login(studio)
    page = client.get(reverse("wagtail_lfcloud_admin:upload"))
    assert 'accept="image/*,video/mp4,video/quicktime,.mp4,.mov,.m4v"' in page.content.decode()
    response = client.post(
        reverse("wagtail_lfcloud_admin:upload_file"),
        {"brand": brand.pk, "file": SimpleUploadedFile(NAME, clip_bytes)},
    )
    data = response.json()
    assert response.status_code == 200, data
    assert data["version"] == 1 and data["outcome"] == "success"
