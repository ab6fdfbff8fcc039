"""The JPEG quality estimate of masters and the ``source_jpeg_quality`` rule."""

import io
import json

import pytest
from PIL import Image

from wagtail_lfcloud.channels.compliance import check_source
from wagtail_lfcloud.channels.jpeg_quality import (
    IJG_CHROMINANCE,
    IJG_LUMINANCE,
    jpeg_quality,
)
from wagtail_lfcloud.channels.rules import validate_rules

from .images import encode, make_image, product_shot

CODE = "source_jpeg_quality"
#: 2000 px: big enough for every size rule of the marketplace presets, so only quality varies.
SHOT = product_shot((2000, 2000), fill=0.88)


def master(quality, size=None, **kwargs) -> bytes:
    image = SHOT if size is None else SHOT.resize(size)
    return encode(image, quality=quality, **kwargs)


def estimate(data: bytes):
    return jpeg_quality(Image.open(io.BytesIO(data)))


def custom(rules, label="Test shop"):
    return {"t": {"label": label, "spec": "max-800x800|format-jpeg|jpegquality-90", "rules": rules}}


# --- the estimate ----------------------------------------------------------------------------


@pytest.mark.parametrize("quality", [30, 50, 75, 90, 95, 100])
@pytest.mark.parametrize("subsampling", [0, 1, 2], ids=["4:4:4", "4:2:2", "4:2:0"])
def test_estimate_gives_back_the_quality_pillow_saved_at(quality, subsampling):
    found = estimate(master(quality, (400, 400), subsampling=subsampling))
    assert abs(found.quality - quality) <= 2
    assert found.standard


@pytest.mark.parametrize("quality", [30, 55, 90])
@pytest.mark.parametrize("mode", ["L", "CMYK"])
def test_estimate_for_greyscale_and_cmyk_jpegs(quality, mode):
    data = encode(SHOT.resize((300, 300)).convert(mode), quality=quality)
    assert abs(estimate(data).quality - quality) <= 2


def test_progressive_and_optimised_files_give_the_same_estimate():
    plain = estimate(master(62, (400, 400)))
    fancy = estimate(master(62, (400, 400), progressive=True, optimize=True))
    assert plain.quality == fancy.quality == 62


def test_non_jpeg_has_no_estimate():
    for fmt in ("PNG", "WEBP"):
        assert estimate(encode(SHOT.resize((200, 200)), fmt)) is None


def _scaled(base, quality):
    """A non-IJG encoder's tables: the standard tables scaled with float rounding."""
    scale = 5000 / quality if quality < 50 else 200 - 2 * quality
    return [min(max(round(v * scale / 100 + 0.3), 1), 255) for v in base]


@pytest.mark.parametrize("quality", [40, 57.5, 83])
def test_custom_tables_get_a_close_estimate_flagged_as_such(quality):
    tables = [_scaled(IJG_LUMINANCE, quality), _scaled(IJG_CHROMINANCE, quality)]
    found = estimate(encode(SHOT.resize((300, 300)), qtables=tables))
    assert not found.standard
    assert abs(found.quality - quality) <= 2


def test_photoshop_tables_rank_as_their_presets_do():
    """Pillow's Photoshop "Save for Web" tables: harder compression, lower estimate."""
    names = ["web_low", "web_medium", "web_high", "web_very_high", "web_maximum"]
    found = [estimate(encode(SHOT.resize((300, 300)), quality=n)) for n in names]
    assert [f.quality for f in found] == sorted(f.quality for f in found)
    assert not any(f.standard for f in found)
    assert 55 <= found[0].quality <= 70  # ImageMagick's identify says 61


# --- the check -------------------------------------------------------------------------------


def test_heavily_recompressed_master_fails_amazon_main_with_advice():
    report = check_source(io.BytesIO(master(50)), "amazon_main")
    result = report[CODE]
    assert result.status == "fail" and report.status == "fail"
    assert result.measured["quality"] == 50 and result.measured["tables"] == "standard"
    assert result.limit == {"fail": 60, "warn": 85}
    assert "quality 50" in result.message and "at least 60" in result.message
    assert "Amazon MAIN image" in result.message and "re-export" in result.message
    assert "estimate" not in result.message
    # What ChannelRendition.compliance stores.
    assert json.loads(json.dumps(report.to_dict()))["results"]


@pytest.mark.parametrize(
    "quality, status", [(30, "fail"), (59, "fail"), (60, "warn"), (75, "warn"), (85, "pass")]
)
def test_amazon_main_thresholds(quality, status):
    assert check_source(io.BytesIO(master(quality)), "amazon_main")[CODE].status == status


def test_warning_says_what_is_recommended():
    result = check_source(io.BytesIO(master(75)), "tiktok_main")[CODE]
    assert result.status == "warn"
    assert "quality 75" in result.message and "recommended" in result.message
    assert "85" in result.message


def test_good_master_passes_every_preset_with_the_rule():
    data = master(92)
    for key in ("amazon_main", "walmart_main", "gmc_main", "tiktok_main", "pdp_zoom"):
        result = check_source(io.BytesIO(data), key)[CODE]
        assert result.status == "pass", (key, result)
        assert result.message == "the master was saved at JPEG quality 92"


def test_zoom_presets_only_warn_on_heavy_compression():
    assert check_source(io.BytesIO(master(75)), "etsy_listing")[CODE].status == "pass"
    low = check_source(io.BytesIO(master(40)), "etsy_listing")
    assert low[CODE].status == "warn" and low.status != "fail"


def test_png_master_is_not_judged_on_jpeg_quality():
    report = check_source(io.BytesIO(encode(SHOT, "PNG")), "amazon_main")
    result = report[CODE]
    assert result.status == "pass" and result.measured is None
    assert "PNG" in result.message and "not a JPEG" in result.message
    assert report.status == "pass", report.to_dict()


def test_custom_tables_message_says_it_is_an_estimate():
    tables = [_scaled(IJG_LUMINANCE, 52), _scaled(IJG_CHROMINANCE, 52)]
    result = check_source(io.BytesIO(encode(SHOT, qtables=tables)), "amazon_main")[CODE]
    assert result.status == "fail"
    assert result.measured["tables"] == "custom"
    assert 50 <= result.measured["quality"] <= 54
    assert "estimate" in result.message
    assert f"~{result.measured['quality']}" in result.message


def test_presets_without_the_rule_do_not_report_it():
    data = master(30)
    for key in ("ig_square", "meta_catalog", "email_hero", "og_share"):
        assert CODE not in check_source(io.BytesIO(data), key), key


def test_custom_preset_rule_as_a_single_number_fails_below_it(settings):
    settings.WAGTAIL_LFCLOUD_CHANNELS = custom({CODE: 80})
    result = check_source(io.BytesIO(master(75, (400, 400))), "t")[CODE]
    assert result.status == "fail" and "Test shop masters need at least 80" in result.message
    assert check_source(io.BytesIO(master(80, (400, 400))), "t")[CODE].status == "pass"


@pytest.mark.django_db
def test_check_source_reads_a_wagtail_image():
    image = make_image(master(45, (800, 800)), "SKU1_2025-10_front.jpg")
    assert check_source(image, "tiktok_main")[CODE].status == "fail"


@pytest.mark.parametrize(
    "value, ok",
    [
        ({"fail": 60, "warn": 85}, True),
        (70, True),
        ({"warn": 60}, True),
        ({"fail": 600}, False),
        (101, False),
        ({"fial": 60}, False),
        ("high", False),
    ],
)
def test_rule_values_are_validated(value, ok):
    assert (validate_rules({CODE: value}) == []) is ok


@pytest.mark.django_db
def test_compliance_task_sends_a_low_quality_master_back_with_the_reason():
    from wagtail_lfcloud.assets.workflows import compliance_problems
    from wagtail_lfcloud.models import Asset, AssetVersion, Brand, Product

    brand = Brand.objects.create(name="Acme", slug="acme")
    product = Product.objects.create(brand=brand, sku="SKU1", name="Bag")
    asset = Asset.objects.create(brand=brand, product=product, angle="front")
    image = make_image(master(55), "SKU1_2025-10_front.jpg")
    version = AssetVersion.objects.create(
        asset=asset, number=1, image=image, original_filename="SKU1_2025-10_front.jpg"
    )
    problems = compliance_problems(version, ["amazon_main", "ig_square"])
    expected = (
        "amazon_main: the master was saved at JPEG quality 55; Amazon MAIN image masters need "
        "at least 60: re-export it from the original (raw or layered file, not this JPEG) at "
        "quality 90 or more"
    )
    assert problems == [expected]
