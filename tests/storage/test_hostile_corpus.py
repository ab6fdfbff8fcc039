"""A corpus of hostile and demanding files, each posted to the real upload endpoint.

Every file is generated here (tests/storage/hostile_files.py). A refusal must answer 400 with
its code and a message naming the problem, and leave no image, version or rendition row and no
file in MEDIA_ROOT. An accepted file must be processed: previews made, channel renditions right.
"""

import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from PIL.PngImagePlugin import PngInfo
from wagtail.images import get_image_model

from tests.storage import hostile_files as H
from wagtail_lfcloud.assets.previews import PREVIEW_SPECS
from wagtail_lfcloud.models import AssetVersion

pytestmark = pytest.mark.django_db

JPG, PNG, TIF, WEBP = (f"SKU10001_2025-10_front.{ext}" for ext in ("jpg", "png", "tif", "webp"))
MB = 1_000_000


def media_files(settings) -> list[str]:
    return sorted(
        os.path.join(d, f) for d, _dirs, files in os.walk(settings.MEDIA_ROOT) for f in files
    )


def counts() -> tuple[int, int, int]:
    Image = get_image_model()
    return (
        Image.objects.count(),
        AssetVersion.objects.count(),
        Image.get_rendition_model().objects.count(),
    )


def post(client, studio, content: bytes, name: str, filename: str | None = None):
    data = {"brand": studio.brand.pk, "file": SimpleUploadedFile(name, content)}
    if filename:
        data["filename"] = filename
    return client.post(reverse("wagtail_lfcloud_admin:upload_file"), data)


def png_with_text(text: str) -> bytes:
    info = PngInfo()
    info.add_text("Comment", text)
    return H.png(pnginfo=info)


def webp_lying_about_its_length() -> bytes:
    data = bytearray(H.encode(H.noisy((64, 64)), "WEBP"))
    data[4:8] = (len(data) + 5000).to_bytes(4, "little")
    return bytes(data)


#: (id, content, name, filename posted, settings, code, words in the message)
REFUSED = [
    ("zero-bytes", lambda: b"", JPG, None, {}, "not_image", "empty"),
    (
        "random-bytes",
        lambda: os.urandom(4096),
        JPG,
        None,
        {},
        "not_image",
        "not an image we can accept",
    ),
    (
        "truncated-jpeg",
        lambda: H.noisy_jpeg((256, 256))[:5000],
        JPG,
        None,
        {},
        "corrupt",
        "damaged or incomplete",
    ),
    (
        "truncated-png",
        lambda: H.png((300, 300), colour=(1, 2, 3))[:-40],
        PNG,
        None,
        {},
        "corrupt",
        "damaged",
    ),
    ("png-named-jpg", lambda: H.png(), JPG, None, {}, "not_image", "extension does not match"),
    (
        "jpeg-named-png",
        lambda: H.noisy_jpeg(),
        PNG,
        None,
        {},
        "not_image",
        "extension does not match",
    ),
    (
        "jpeg-named-tif",
        lambda: H.noisy_jpeg(),
        TIF,
        None,
        {},
        "not_image",
        "not a valid .tiff image",
    ),
    ("svg-script-named-jpg", lambda: H.SVG, JPG, None, {}, "not_image", JPG),
    ("svg-script", lambda: H.SVG, "SKU10001_2025-10_front.svg", None, {}, "name", "svg"),
    (
        "jpeg-over-64k-html-reterminated",
        lambda: H.jpeg_over(70_000, H.HTML + b"\xff\xd9"),
        JPG,
        None,
        {},
        "unsafe",
        "appended after the end of its image",
    ),
    (
        "png-over-64k-html-after-second-iend",
        lambda: H.encode(H.noisy((200, 200)), "PNG") + H.HTML + H.png_chunk(b"IEND", b""),
        PNG,
        None,
        {},
        "unsafe",
        "appended after the end of its image",
    ),
    (
        "jpeg-zip-appended",
        lambda: H.noisy_jpeg() + H.zip_bytes(),
        JPG,
        None,
        {},
        "unsafe",
        "bytes of data appended",
    ),
    (
        "png-zip-appended",
        lambda: H.png() + H.zip_bytes(),
        PNG,
        None,
        {},
        "unsafe",
        "bytes of data appended",
    ),
    (
        "webp-html-appended",
        lambda: H.encode(H.noisy((64, 64)), "WEBP") + H.HTML,
        WEBP,
        None,
        {},
        "unsafe",
        "appended after the end",
    ),
    (
        "tiff-html-appended",
        lambda: H.tiff(64, 48, H.rgb16_strip(64)) + H.HTML,
        TIF,
        None,
        {},
        "unsafe",
        "appended after the end",
    ),
    (
        "jpeg-script-in-comment",
        lambda: H.encode(H.noisy((64, 64)), "JPEG", comment=b"<script>alert(1)</script>"),
        JPG,
        None,
        {},
        "unsafe",
        "in its metadata",
    ),
    (
        "png-html-in-text-chunk",
        lambda: png_with_text("<html><script>alert(1)</script></html>"),
        PNG,
        None,
        {},
        "unsafe",
        "in its metadata",
    ),
    (
        "webp-lying-length",
        webp_lying_about_its_length,
        WEBP,
        None,
        {},
        "corrupt",
        "damaged or incomplete",
    ),
    (
        "pixel-bomb",
        lambda: H.png_header_only(100_000, 100_000),
        PNG,
        None,
        {},
        "not_image",
        "pixels",
    ),
    (
        "decoded-size-bomb",
        lambda: H.png_bomb(11_000, 11_000, colour_type=6),
        PNG,
        None,
        {},
        "too_large",
        "11000x11000 pixels x 4 bands x 1 byte = 484 MB decoded, more than the 400 MB allowed",
    ),
    (
        "tiff-16-bit-too-large",
        lambda: H.tiff(6000, 4000, H.rgb16_strip(6000)),
        TIF,
        None,
        {"WAGTAIL_LFCLOUD_MAX_DECODED_BYTES": 100 * MB},
        "too_large",
        "x 3 bands x 2 bytes = 144 MB decoded",
    ),
    (
        "animated-webp-frames-add-up",
        lambda: H.animated("WEBP", (1500, 1500), 8, lossless=True, method=0),
        WEBP,
        None,
        {"WAGTAIL_LFCLOUD_MAX_DECODED_BYTES": 50 * MB},
        "too_large",
        "x 8 frames = 54 MB decoded",
    ),
    (
        "huge-gif-frame",
        lambda: H.gif_with_huge_frame(huge=(8000, 8000)),
        "SKU10001_2025-10_front.gif",
        None,
        {"WAGTAIL_LFCLOUD_UPLOAD_EXTENSIONS": ["jpg", "png", "gif"]},
        "too_large",
        "8000x8000 pixels",
    ),
    (
        "path-traversal",
        H.noisy_jpeg,
        "x.jpg",
        "../../SKU10001_2025-10_front.jpg",
        {},
        "name",
        "outside its folder",
    ),
    (
        "backslash-traversal",
        H.noisy_jpeg,
        "x.jpg",
        "..\\..\\SKU10001_2025-10_front.jpg",
        {},
        "name",
        "outside its folder",
    ),
    (
        "unicode-right-to-left",
        H.noisy_jpeg,
        "x.jpg",
        "SKU10001_2025-10_front\u202egpj.jpg",
        {},
        "name",
        "control or invisible",
    ),
    ("unicode-angle", H.noisy_jpeg, "x.jpg", "SKU10001_2025-10_frônt.jpg", {}, "name", "angle"),
]


@pytest.mark.parametrize("case", REFUSED, ids=[case[0] for case in REFUSED])
def test_hostile_file_is_refused_and_leaves_nothing(client, studio, settings, case):
    _id, make, name, filename, overrides, code, words = case
    for key, value in overrides.items():
        setattr(settings, key, value)
    client.force_login(studio.user)
    before_rows, before_files = counts(), media_files(settings)
    response = post(client, studio, make(), name, filename)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == code, body
    assert words.lower() in body["error"].lower(), body["error"]
    assert counts() == before_rows
    assert media_files(settings) == before_files


def accepted(client, studio, content: bytes, name: str, capture):
    client.force_login(studio.user)
    with capture(execute=True):  # the upload's on_commit: the preview task (immediate backend)
        response = post(client, studio, content, name)
    assert response.status_code == 200, response.content
    assert response.json()["ok"] is True
    version = AssetVersion.objects.select_related("image").get(original_filename=name)
    renditions = {r.filter_spec: r for r in version.image.renditions.all()}
    assert set(PREVIEW_SPECS) <= set(renditions), renditions
    return version, renditions


def pixel(rendition) -> tuple:
    with rendition.file.open("rb") as f:
        image = PILImage.open(io.BytesIO(f.read()))
        image.load()
    return image.mode, image.getpixel((image.width // 2, image.height // 2))


def channel_pixel(version, channel="ig_square"):
    from wagtail_lfcloud.channels.deliverables import build_channel_renditions

    (row,) = build_channel_renditions(version, [channel])
    assert row.status == row.Status.READY, row.error
    rendition = version.image.renditions.get(filter_spec=row.filter_spec)
    return pixel(rendition)


def close(actual, expected, tolerance=3):
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=True))


def test_16_bit_rgb_tiff_master_end_to_end(client, studio, django_capture_on_commit_callbacks):
    """What studios send: previews and channel renditions in 8-bit sRGB, colours scaled, not clipped."""
    content = H.tiff(1200, 900, H.rgb16_strip(1200), samples=3, bits=16)
    version, renditions = accepted(client, studio, content, TIF, django_capture_on_commit_callbacks)
    assert version.image.file.name.endswith(".tif")
    mode, colour = pixel(renditions["max-800x600"])
    assert mode == "RGB" and close(colour, (156, 78, 4)), colour
    mode, colour = channel_pixel(version)
    assert mode == "RGB" and close(colour, (156, 78, 4)), colour


def test_16_bit_greyscale_tiff_is_scaled_not_clipped(
    client, studio, django_capture_on_commit_callbacks
):
    content = H.tiff(800, 600, H.grey16_strip(800, 40000), samples=1, bits=16)
    version, renditions = accepted(client, studio, content, TIF, django_capture_on_commit_callbacks)
    _mode, colour = pixel(renditions["max-165x165"])
    value = colour if isinstance(colour, int) else colour[0]
    assert abs(value - 156) <= 3, colour  # 40000 / 257, not 255
    _mode, colour = channel_pixel(version)
    assert close(colour, (156, 156, 156)), colour


def test_cmyk_jpeg_renders_in_rgb(client, studio, django_capture_on_commit_callbacks):
    content = H.encode(PILImage.new("CMYK", (600, 400), (0, 255, 255, 0)), "JPEG", quality=95)
    version, _previews = accepted(client, studio, content, JPG, django_capture_on_commit_callbacks)
    mode, colour = channel_pixel(version)
    assert mode == "RGB" and colour[0] > 200 and colour[1] < 60 and colour[2] < 60, colour


def test_animated_webp_previews_its_first_frame(client, studio, django_capture_on_commit_callbacks):
    frames = [PILImage.new("RGB", (400, 300), c) for c in ((255, 0, 0), (0, 0, 255), (0, 255, 0))]
    content = H.encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    _version, renditions = accepted(
        client, studio, content, WEBP, django_capture_on_commit_callbacks
    )
    _mode, colour = pixel(renditions["max-800x600"])
    assert colour[0] > 200 and colour[2] < 60, colour


def test_jpeg_with_malformed_exif_is_processed(client, studio, django_capture_on_commit_callbacks):
    """An EXIF block pointing outside itself is harmless metadata: the image is accepted and renders."""
    version, _previews = accepted(
        client, studio, H.jpeg_with_bad_exif(), JPG, django_capture_on_commit_callbacks
    )
    assert channel_pixel(version)[0] == "RGB"


def test_a_large_photograph_under_the_limits_is_accepted(
    client, studio, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAILIMAGES_MAX_UPLOAD_SIZE = None
    content = H.jpeg_over(200_000, b"")
    accepted(client, studio, content, JPG, django_capture_on_commit_callbacks)


def test_a_decoded_size_just_under_the_limit_is_accepted(
    client, studio, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAIL_LFCLOUD_MAX_DECODED_BYTES = 3 * 2000 * 1500
    accepted(client, studio, H.png_bomb(2000, 1500), PNG, django_capture_on_commit_callbacks)
