import datetime as dt

import pytest

from wagtail_lfcloud.catalog.naming import NamingError, format_name, parse_name


def test_parse_master_name():
    parsed = parse_name("SKU12345_2025-10_front.jpg")
    assert (parsed.sku, parsed.period, parsed.angle, parsed.ext, parsed.channel) == (
        "SKU12345",
        "2025-10",
        "front",
        "jpg",
        "",
    )
    assert parsed.period_date == dt.date(2025, 10, 1)


def test_parse_export_name_with_channel():
    parsed = parse_name("SKU12345_2025-10_front_amazon.jpg")
    assert parsed.channel == "amazon"
    parsed = parse_name("SKU12345_2025-10_front_amazon_main.JPG")
    assert parsed.channel == "amazon_main"
    assert parsed.ext == "jpg"


@pytest.mark.parametrize(
    "sku,period,angle,channel,ext",
    [
        ("SKU12345", "2025-10", "front", "", "jpg"),
        ("AB-1", "1999-01", "back", "ig_square", "png"),
        ("x", dt.date(2026, 3, 9), "detail", "email_hero", "webp"),
    ],
)
def test_round_trip(sku, period, angle, channel, ext):
    name = format_name(sku, angle, ext, period=period, channel=channel)
    parsed = parse_name(name)
    assert (
        parsed.sku == sku
        and parsed.angle == angle
        and parsed.channel == channel
        and parsed.ext == ext
    )
    assert parsed.period == (period if isinstance(period, str) else "2026-03")


@pytest.mark.parametrize(
    "name,part,words",
    [
        ("", "name", "empty"),
        ("   ", "name", "empty"),
        ("../SKU1_2025-10_front.jpg", "name", "path separator"),
        ("a\\SKU1_2025-10_front.jpg", "name", "path separator"),
        ("SKU1_2025-10_front..jpg", "name", ".."),
        (".SKU1_2025-10_front.jpg", "name", "dot"),
        ("SKU1_2025-10_front\x00.jpg", "name", "control"),
        ("SKU1_2025-10_front\u200b.jpg", "name", "invisible"),
        ("S" * 200 + "_2025-10_front.jpg", "name", "limit is 100"),
        ("SKU1-front.jpg", "name", "does not follow the pattern"),
        ("SKU 1_2025-10_front.jpg", "sku", "ASCII letters"),
        ("SKÜ1_2025-10_front.jpg", "sku", "ASCII letters"),
        ("-SKU1_2025-10_front.jpg", "sku", "start with"),
        ("_2025-10_front.jpg", "sku", "empty"),
        ("SKU1_2025-13_front.jpg", "period", "month 13"),
        ("SKU1_202510_front.jpg", "period", "YYYY-MM"),
        ("SKU1_0001-10_front.jpg", "period", "implausible year"),
        ("SKU1_2025-10_upsidedown.jpg", "angle", "is not one of"),
        ("SKU1_2025-10_Front.jpg", "angle", "lower case"),
        ("SKU1_2025-10_front.gif", "ext", ".gif is not accepted"),
        ("SKU1_2025-10_front.", "ext", "missing"),
        ("SKU1_2025-10_front_AMAZON.jpg", "channel", "not a channel key"),
    ],
)
def test_rejections_name_the_part(name, part, words):
    with pytest.raises(NamingError) as excinfo:
        parse_name(name)
    assert excinfo.value.part == part
    assert words in str(excinfo.value)


def test_unicode_is_normalised_before_checks():
    # A decomposed é (e + combining accent) is NFC-normalised; the SKU is still refused as non-ASCII.
    with pytest.raises(NamingError) as excinfo:
        parse_name("SKUe\u0301_2025-10_front.jpg")
    assert excinfo.value.part == "sku"


def test_angle_vocabulary_is_a_setting(settings):
    settings.WAGTAIL_LFCLOUD_ANGLES = ["hero"]
    assert parse_name("SKU1_2025-10_hero.jpg").angle == "hero"
    with pytest.raises(NamingError):
        parse_name("SKU1_2025-10_front.jpg")


def test_template_is_a_setting(settings):
    settings.WAGTAIL_LFCLOUD_MASTER_NAME_TEMPLATE = "{sku}-{angle}.{ext}"
    parsed = parse_name("SKU1-front.png")
    assert parsed.sku == "SKU1" and parsed.angle == "front"
    assert format_name("SKU1", "back", "jpg") == "SKU1-back.jpg"


def test_format_name_validates_parts():
    with pytest.raises(NamingError) as excinfo:
        format_name("bad sku", "front", "jpg", period="2025-10")
    assert excinfo.value.part == "sku"
    with pytest.raises(NamingError) as excinfo:
        format_name("SKU1", "front", "jpg")  # master template needs a period
    assert excinfo.value.part == "period"
