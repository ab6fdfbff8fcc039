"""The image operations, through Wagtail's own get_rendition (so the hook registration is
exercised too) and directly on Pillow images."""

import io

import pytest
from PIL import Image, ImageCms
from wagtail.images.exceptions import InvalidFilterSpecError
from wagtail.images.models import Filter

from wagtail_lfcloud.channels.operations import pad_to_canvas, strip_metadata, to_srgb

from .images import (
    RED,
    cmyk_jpeg,
    encode,
    exif_with_privacy,
    make_image,
    noisy,
    png16,
    product_shot,
)

pytestmark = pytest.mark.django_db


def rendition_pixels(image, spec):
    rendition = image.get_rendition(spec)
    with rendition.file.open("rb") as f:
        data = f.read()
    return rendition, Image.open(io.BytesIO(data)), data


# --- srgb ------------------------------------------------------------------------------------


def test_srgb_converts_cmyk_without_profile_to_rgb_with_srgb_profile():
    image = make_image(cmyk_jpeg(), "cmyk.jpg")
    _r, out, _ = rendition_pixels(image, "srgb|format-jpeg|jpegquality-95")
    assert out.mode == "RGB"
    assert "sRGB" in ImageCms.getProfileDescription(
        ImageCms.ImageCmsProfile(io.BytesIO(out.info["icc_profile"]))
    )
    r, g, b = out.getpixel((40, 30))
    assert r > 200 and g < 60 and b < 60  # red ink stays red


def test_without_srgb_wagtail_keeps_cmyk():
    # The reason the operation exists: Wagtail's JPEG rendition of a CMYK JPEG stays CMYK.
    image = make_image(cmyk_jpeg(), "cmyk.jpg")
    _r, out, _ = rendition_pixels(image, "format-jpeg|jpegquality-95")
    assert out.mode == "CMYK"


def test_srgb_applies_an_embedded_non_srgb_profile():
    lab = ImageCms.createProfile("LAB")
    image = Image.new("LAB", (10, 10), (50, 0, 0))
    image.info["icc_profile"] = ImageCms.ImageCmsProfile(lab).tobytes()
    out, notes = to_srgb(image)
    assert out.mode == "RGB"
    assert any("sRGB" in n for n in notes)


def test_srgb_makes_16_bit_greyscale_8_bit_rgb_without_clipping():
    image = make_image(png16(), "deep.png")
    _r, out, _ = rendition_pixels(image, "srgb|format-png")
    assert out.mode == "RGB"
    top, bottom = out.getpixel((10, 0)), out.getpixel((10, 47))
    assert top[0] < 10 and bottom[0] > 240  # the gradient survives, not all white


def test_srgb_keeps_alpha_of_palette_images():
    image = Image.new("P", (8, 8), 0)
    image.putpalette([255, 0, 0, 0, 0, 255])
    image.info["transparency"] = 0
    out, _ = to_srgb(image)
    assert out.mode == "RGBA"
    assert out.getpixel((0, 0))[3] == 0


# --- trimbg -----------------------------------------------------------------------------------


def test_trimbg_crops_to_the_product():
    shot = product_shot((200, 200), fill=0.5, aspect=0.5)  # product 50x100 in the centre
    image = make_image(encode(shot, "PNG"), "p.png")
    rendition, _out, _ = rendition_pixels(image, "trimbg|format-png")
    assert (rendition.width, rendition.height) == (50, 100)


def test_trimbg_tolerance_ignores_near_white_noise():
    shot = product_shot((200, 200), fill=0.5, aspect=0.5)
    shot.paste((250, 250, 250), (5, 5, 10, 10))  # a faint smudge on the backdrop
    image = make_image(encode(shot, "PNG"), "p.png")
    assert image.get_rendition("trimbg-12|format-png").width == 50
    assert image.get_rendition("trimbg-2|format-png").width > 50


def test_trimbg_uses_alpha_as_the_mask_for_a_white_product():
    cutout = Image.new("RGBA", (100, 100), (255, 255, 255, 0))
    cutout.paste((255, 255, 255, 255), (30, 20, 60, 90))  # a white product, transparent around
    image = make_image(encode(cutout, "PNG"), "cutout.png")
    rendition = image.get_rendition("trimbg|format-png")
    assert (rendition.width, rendition.height) == (30, 70)


# --- padsquare / padratio ----------------------------------------------------------------------


def test_padsquare_puts_the_product_at_the_fill_without_cropping_or_upscaling():
    shot = product_shot((300, 300), fill=0.6, aspect=0.5)  # product 90x180
    image = make_image(encode(shot, "PNG"), "p.png")
    rendition, out, _ = rendition_pixels(image, "trimbg|padsquare-88|format-png")
    side = rendition.width
    assert rendition.height == side
    assert side == round(180 / 0.88) or side == 205  # product unscaled: 180 px = 88 %
    bbox = Image.eval(out.convert("L"), lambda v: 255 if v < 243 else 0).getbbox()
    assert bbox[3] - bbox[1] == 180  # not upscaled, not cropped
    assert out.getpixel((0, 0)) == (255, 255, 255)


def test_padsquare_shrinks_the_product_to_stay_within_the_entering_size():
    wide = Image.new("RGB", (200, 100), RED)
    padded = pad_to_canvas(wide, 1.0, (255, 255, 255), 0.9, (200, 200))
    assert padded.size == (200, 200)
    assert padded.getbbox() is not None
    inner = Image.eval(padded.convert("L"), lambda v: 255 if v < 250 else 0).getbbox()
    assert inner[2] - inner[0] == 180  # 90 % of the canvas


def test_padsquare_never_upscales_a_small_product():
    tiny = Image.new("RGB", (10, 20), RED)
    padded = pad_to_canvas(tiny, 1.0, (255, 255, 255), 0.5, (2000, 2000))
    assert padded.size == (40, 40)


def test_padratio_pads_to_a_two_by_three_canvas():
    image = make_image(encode(Image.new("RGB", (300, 300), RED), "PNG"), "sq.png")
    rendition = image.get_rendition("padratio-2x3-90|format-png")
    assert abs(rendition.width / rendition.height - 2 / 3) < 0.01
    assert max(rendition.width, rendition.height) <= 300


def test_padratio_with_a_pixel_size_caps_the_canvas():
    image = make_image(encode(Image.new("RGB", (400, 400), RED), "PNG"), "sq.png")
    rendition = image.get_rendition("padratio-180x260-90|format-png")
    assert (rendition.width, rendition.height) == (180, 260)


# --- stripmeta ----------------------------------------------------------------------------------


def test_stripmeta_removes_gps_and_serial_but_keeps_icc():
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(product_shot((120, 120)), exif=exif_with_privacy(), icc_profile=icc)
    image = make_image(data, "gps.jpg")
    _r, leaked, _ = rendition_pixels(image, "format-jpeg|jpegquality-80")
    assert leaked.getexif().get_ifd(0x8825)  # Wagtail alone keeps the GPS block
    _r, out, raw = rendition_pixels(image, "stripmeta|format-jpeg|jpegquality-80")
    assert not out.getexif().get_ifd(0x8825)
    assert b"SN-123456" not in raw
    assert out.info.get("icc_profile") == icc


def test_stripmeta_clears_xmp():
    image = Image.new("RGB", (4, 4))
    image.info.update({"xmp": b"<x:xmpmeta>exif:GPSLatitude</x:xmpmeta>", "comment": b"hi"})
    assert strip_metadata(image).info == {}


# --- maxbytes -----------------------------------------------------------------------------------


def test_maxbytes_lowers_quality_until_the_file_fits_in_wagtails_own_get_rendition():
    image = make_image(encode(noisy((200, 200)), quality=95), "noise.jpg")
    big = image.get_rendition("format-jpeg|jpegquality-95")
    small = image.get_rendition("format-jpeg|jpegquality-95|maxbytes-25k")
    assert big.file.size > 25_000
    assert small.file.size <= 25_000


def test_maxbytes_that_cannot_be_met_still_renders_at_the_floor_quality(caplog):
    image = make_image(encode(noisy((200, 200)), quality=95), "noise.jpg")
    rendition = image.get_rendition("format-jpeg|jpegquality-95|maxbytes-1k-40")
    assert rendition.file.size > 1000
    assert "maxbytes" in caplog.text


@pytest.mark.parametrize(
    "spec",
    [
        "trimbg-999",
        "trimbg-12-zz",
        "padsquare-0",
        "padratio-abc",
        "padratio-0x5",
        "stripmeta-keepall",
        "maxbytes-0",
        "maxbytes-lots",
        "srgb-x",
    ],
)
def test_bad_arguments_are_invalid_filter_specs(spec):
    with pytest.raises(InvalidFilterSpecError):
        _ = Filter(spec=spec).operations


def test_trim_on_a_large_image_ignores_dust_and_keeps_a_thin_strap():
    from wagtail_lfcloud.channels.analysis import foreground_bbox

    shot = Image.new("RGB", (1600, 1200), (255, 255, 255))
    shot.paste(RED, (500, 400, 1100, 900))  # the bag
    shot.paste((40, 40, 40), (790, 150, 793, 400))  # a 3 px strap above it
    shot.putpixel((30, 30), (0, 0, 0))  # dust
    shot.paste((246, 246, 246), (1500, 1100, 1510, 1110))  # a faint smudge
    assert foreground_bbox(shot) == (500, 150, 1100, 900)
