"""Compliance checks on crafted images whose verdict is known."""

import io
import json

import pytest
from PIL import Image, ImageDraw

from wagtail_lfcloud.channels.compliance import check_bytes, check_file, check_source
from wagtail_lfcloud.channels.errors import UnknownChannelError

from .images import animated_gif, cmyk_jpeg, encode, exif_with_privacy, product_shot

AMAZON = "amazon_main"


def custom(rules, spec="max-800x800|format-jpeg|jpegquality-90"):
    """Settings for a throwaway channel 't' carrying only ``rules``."""
    return {"t": {"label": "Test", "spec": spec, "rules": rules}}


def amazon_shot(**kwargs):
    return encode(product_shot((1000, 1000), **kwargs), quality=92)


def test_pure_white_product_shot_passes_amazon_main():
    report = check_file(amazon_shot(fill=0.88), AMAZON)
    assert report.status != "fail", report.to_dict()
    assert report["background"].status == "pass"
    assert report["background"].measured["exact"] == 1.0
    assert report["fill"].status == "pass"


def test_off_white_250_fails_strict_background_but_passes_lenient(settings):
    data = amazon_shot(background=(250, 250, 250))
    report = check_file(data, AMAZON)
    assert report["background"].status == "fail"
    assert report.status == "fail"
    assert "not pure white" in report["background"].message
    settings.WAGTAIL_LFCLOUD_CHANNELS = custom({"background": "lenient"})
    assert check_bytes(data, "x.jpg", "t")["background"].status == "pass"


def test_product_filling_70_percent_fails_amazon_fill():
    report = check_file(amazon_shot(fill=0.70), AMAZON)
    assert report["fill"].status == "fail"
    assert report["fill"].measured["fill"] == pytest.approx(0.70, abs=0.01)


def test_product_filling_86_percent_only_warns():
    assert check_file(amazon_shot(fill=0.86), AMAZON)["fill"].status == "warn"


def test_blank_frame_reports_no_product():
    report = check_file(encode(Image.new("RGB", (1000, 1000), "white")), AMAZON)
    assert report["fill"].status == "fail"
    assert "no product" in report["fill"].message


def test_product_cut_at_two_opposite_edges_fails():
    report = check_file(amazon_shot(fill=1.0), AMAZON)
    assert report["edge_touch"].status == "fail"
    assert set(report["edge_touch"].measured) >= {"top", "bottom"}


def test_added_border_frame_fails_on_ebay():
    shot = product_shot((600, 600), fill=0.8)
    ImageDraw.Draw(shot).rectangle((0, 0, 599, 599), outline=(0, 0, 0), width=8)
    report = check_file(encode(shot), "ebay_gallery")
    assert report["border"].status == "fail"
    assert check_file(encode(product_shot((600, 600))), "ebay_gallery")["border"].status == "pass"


def test_blurry_product_warns():
    assert check_file(amazon_shot(fill=0.88), AMAZON)["sharpness"].status == "pass"
    report = check_file(amazon_shot(fill=0.88, blur=6), AMAZON)
    assert report["sharpness"].status == "warn"


def test_greyscale_fails_tiktok():
    grey = product_shot((800, 800), colour=(90, 90, 90)).convert("L")
    assert check_file(encode(grey), "tiktok_main")["grayscale"].status == "fail"
    looks_grey = product_shot((800, 800), colour=(90, 90, 90))
    assert check_file(encode(looks_grey), "tiktok_main")["grayscale"].status == "fail"
    assert check_file(encode(product_shot((800, 800))), "tiktok_main")["grayscale"].status == "pass"


def test_minimum_and_maximum_dimensions():
    # Amazon: 500 px is the smallest shown on the site; 1,000 px enables zoom.
    report = check_file(encode(product_shot((400, 400))), AMAZON)
    assert report["min_longest"].status == "fail"
    assert "below the minimum of 500px" in report["min_longest"].message
    report = check_file(encode(product_shot((800, 800))), AMAZON)
    assert report["min_longest"].status == "warn"  # below the 1000 px zoom size
    assert report["min_longest"].source == (
        "https://sellercentral.amazon.com/gp/help/external/G9FUUH87RBNXGKB7"
    )


def test_max_longest_and_megapixels(settings):
    settings.WAGTAIL_LFCLOUD_CHANNELS = custom({"max_longest": 100, "max_megapixels": 0.01})
    report = check_bytes(encode(Image.new("RGB", (200, 150))), "x.jpg", "t")
    assert report["max_longest"].status == "fail"
    assert report["max_megapixels"].status == "fail"


def test_aspect_ratio():
    # Instagram takes 4:5 to 1.91:1: 1.08 is accepted (not the square the preset promises)...
    report = check_file(encode(product_shot((1080, 1000))), "ig_square")
    assert report["aspect_ratio"].status == "warn"
    # ...2:1 is refused.
    report = check_file(encode(product_shot((1080, 540))), "ig_square")
    assert report["aspect_ratio"].status == "fail"
    assert "outside the 0.8-1.91" in report["aspect_ratio"].message
    assert (
        check_file(encode(product_shot((1080, 1080))), "ig_square")["aspect_ratio"].status == "pass"
    )


def test_real_format_by_magic_bytes_vs_extension(tmp_path):
    png_named_jpg = tmp_path / "photo.jpg"
    png_named_jpg.write_bytes(encode(product_shot((600, 600)), "PNG"))
    report = check_file(str(png_named_jpg), "gmc_main")
    assert report["extension"].status == "fail"
    assert "does not match the real format (PNG)" in report["extension"].message
    assert report["format"].measured == "png"
    # Instagram takes JPEG only: the PNG content fails whatever the name says.
    assert check_file(str(png_named_jpg), "ig_square")["format"].status == "fail"


def test_file_size_budget():
    from .images import noisy

    report = check_file(encode(noisy((300, 300)), quality=95), "email_product")
    assert report["file_size"].status == "warn"
    assert report["file_size"].limit == {"warn": 80_000}


def test_cmyk_is_accepted_by_amazon_refused_by_walmart_converted_by_instagram():
    data = cmyk_jpeg((1000, 1000))
    # Amazon: "Color should be RGB or CMYK (RGB is preferred ...)".
    assert check_file(data, AMAZON)["colour_mode"].status == "warn"
    # Walmart: "Color Format: RGB".
    assert check_file(data, "walmart_main")["colour_mode"].status == "fail"
    # Instagram converts other colour spaces to sRGB.
    assert check_file(data, "ig_square")["srgb"].status == "warn"


def test_sixteen_bit_png_fails_colour_mode(settings):
    from .images import png16

    settings.WAGTAIL_LFCLOUD_CHANNELS = custom({"colour_mode": "fail"})
    report = check_bytes(png16(), "deep.png", "t")
    assert report["colour_mode"].status == "fail"
    assert report["colour_mode"].measured["bits"] == 16
    # Amazon takes PNG with no bit-depth rule; Walmart asks for 8 bits.
    assert check_bytes(png16(), "deep.png", AMAZON)["colour_mode"].status == "warn"  # greyscale
    assert check_bytes(png16(), "deep.png", "walmart_main")["colour_mode"].status == "fail"


def test_alpha(settings):
    settings.WAGTAIL_LFCLOUD_CHANNELS = custom({"no_alpha": "fail"})
    rgba = Image.new("RGBA", (50, 50), (255, 0, 0, 128))
    assert check_bytes(encode(rgba, "PNG"), "a.png", "t")["alpha"].status == "fail"
    assert check_bytes(encode(rgba.convert("RGB"), "PNG"), "a.png", "t")["alpha"].status == "pass"


def test_animation_fails_amazon():
    report = check_bytes(animated_gif(), "anim.gif", AMAZON)
    assert report["animation"].status == "fail"
    assert report["animation"].measured == 3


def test_gps_and_serial_warn_privacy():
    # A house rule (no channel refuses metadata): a warning; renditions strip it anyway.
    report = check_file(encode(product_shot((1000, 1000)), exif=exif_with_privacy()), AMAZON)
    assert report["privacy"].status == "warn"
    assert "GPS location" in report["privacy"].measured
    assert "BodySerialNumber" in report["privacy"].measured


def test_unreadable_files_give_one_readable_failure(tmp_path):
    good = encode(product_shot((300, 300)))
    for data, words in [
        (b"", "empty"),
        (b"not an image at all", "not a readable image"),
        (good[: len(good) // 2], "truncated"),
    ]:
        report = check_file(data, AMAZON)
        assert report.status == "fail"
        assert [r.code for r in report.results] == ["readable"]
        assert words in report["readable"].message
    missing = check_file(str(tmp_path / "nope.jpg"), AMAZON)
    assert missing["readable"].status == "fail"


def test_decompression_bomb_is_refused(settings):
    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 10_000
    report = check_file(encode(product_shot((200, 200))), AMAZON)
    assert report["readable"].status == "fail"
    assert "WAGTAILIMAGES_MAX_IMAGE_PIXELS" in report["readable"].message


def test_exif_rotation_is_applied_before_measuring():
    exif = Image.Exif()
    exif[0x0112] = 6  # stored 1080x1000, displayed 1000x1080
    report = check_file(encode(product_shot((1080, 1000)), exif=exif), "ig_portrait")
    assert report["aspect_ratio"].measured == pytest.approx(1000 / 1080, abs=1e-3)


def test_report_is_json_ready_and_worst_status_wins():
    report = check_file(amazon_shot(fill=0.70), AMAZON)
    data = json.loads(json.dumps(report.to_dict()))
    assert data["status"] == "fail"
    assert {"code", "status", "message", "measured", "limit"} <= set(data["results"][0])


def test_unknown_channel():
    with pytest.raises(UnknownChannelError, match="Unknown channel 'nope'"):
        check_file(b"", "nope")


def test_source_rules_flag_a_small_master_and_upscaling():
    report = check_source(io.BytesIO(encode(product_shot((400, 400)))), AMAZON)
    assert report["source_min_longest"].status == "fail"
    assert report["upscale"].status == "warn"
    assert "will not upscale" in report["upscale"].message
    # Saved at 92: Pillow's default quality 75 is below Amazon's recommended master quality.
    big = check_source(io.BytesIO(encode(product_shot((2000, 2000)), quality=92)), AMAZON)
    assert big.status == "pass", big.to_dict()


def test_source_rules_for_fill_need_both_sides():
    report = check_source(io.BytesIO(encode(Image.new("RGB", (2000, 900)))), "ig_portrait")
    assert report["upscale"].status == "warn"
