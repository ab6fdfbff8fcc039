"""Phone clips: a portrait clip is stored landscape with a display matrix that turns it when
shown. Probing reports the size it is shown at, the poster frame and the transcodes come out
upright, and the channels' aspect rules judge the clip as it is shown."""

import io

import av
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image as PILImage
from PIL import ImageStat

from tests.factories import make_asset
from tests.video.clips import make_clip
from wagtail_lfcloud.assets.uploads import upload_version
from wagtail_lfcloud.models import AssetKind, VersionClip
from wagtail_lfcloud.video.compliance import check_clip
from wagtail_lfcloud.video.presets import BUILTIN_VIDEO_PRESETS
from wagtail_lfcloud.video.probe import TranscodeSpec, probe, transcode

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not hasattr(av.video.stream.VideoStream, "set_display_rotation"),
        reason="writing a display matrix needs PyAV >= 18",
    ),
]

NAME = "SKU12345_2025-10_social-9x16.mp4"
#: Stored 320x180 (16:9) with its top-left quarter white, shown turned a quarter clockwise
#: (9:16, 180x320): what a phone held upright records.
PORTRAIT = {"seconds": 1, "size": (320, 180), "rotation": -90, "mark": True, "audio": False}


def white_corner(picture) -> str:
    """Which corner of ``picture`` (a PIL image) is the white mark."""
    rgb = picture.convert("L")
    w, h = rgb.size
    boxes = {
        "top-left": (0, 0, w // 8, h // 8),
        "top-right": (w - w // 8, 0, w, h // 8),
        "bottom-left": (0, h - h // 8, w // 8, h),
        "bottom-right": (w - w // 8, h - h // 8, w, h),
    }
    brightness = {k: ImageStat.Stat(rgb.crop(b)).mean[0] for k, b in boxes.items()}
    return max(brightness, key=brightness.get)


@pytest.fixture(scope="module")
def portrait():
    return make_clip(**PORTRAIT)


def test_probe_reports_the_size_the_clip_is_shown_at(portrait):
    info = probe(io.BytesIO(portrait), NAME)
    assert (info.width, info.height, info.rotation) == (180, 320, 270)
    assert info.aspect == pytest.approx(9 / 16)
    # The same pictures without the display matrix are shown as stored.
    plain = probe(io.BytesIO(make_clip(**{**PORTRAIT, "rotation": 0})), NAME)
    assert (plain.width, plain.height, plain.rotation) == (320, 180, 0)


def test_the_aspect_rule_judges_the_clip_as_it_is_shown(portrait):
    rules = BUILTIN_VIDEO_PRESETS["tiktok"]["rules"]  # 9:16
    shown = probe(io.BytesIO(portrait), NAME)
    [aspect] = [r for r in check_clip(shown, rules, source=True) if r.code == "aspect"]
    assert aspect.status == "pass", aspect.message
    stored = probe(io.BytesIO(make_clip(**{**PORTRAIT, "rotation": 0})), NAME)
    [aspect] = [r for r in check_clip(stored, rules, source=True) if r.code == "aspect"]
    assert aspect.status == "fail"


def test_an_uploaded_phone_clip_gets_an_upright_poster(brand, product, studio, portrait):
    make_asset(product, "social-9x16", kind=AssetKind.VIDEO)
    version = upload_version(SimpleUploadedFile(NAME, portrait), brand=brand, user=studio).version
    clip = VersionClip.objects.get(version=version)
    assert (clip.width, clip.height) == (180, 320)
    with version.image.file.open("rb") as f, PILImage.open(f) as poster:
        assert poster.size == (180, 320)
        # Stored top-left, turned a quarter clockwise: top-right, as a phone shows it.
        assert white_corner(poster) == "top-right"


def test_a_transcode_of_a_phone_clip_is_upright_with_no_display_matrix(portrait, tmp_path):
    target = tmp_path / "out.mp4"
    spec = TranscodeSpec(max_width=180, max_height=320, video_options={"preset": "ultrafast"})
    made = transcode(io.BytesIO(portrait), str(target), spec)
    assert (made["width"], made["height"]) == (180, 320)
    with open(target, "rb") as f:
        info = probe(f, "out.mp4")
    assert (info.width, info.height, info.rotation) == (180, 320, 0)
    with av.open(str(target)) as out:
        frame = next(out.decode(video=0))
        assert (frame.width, frame.height) == (180, 320)
        assert white_corner(frame.to_image()) == "top-right"
