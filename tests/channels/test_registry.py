"""The preset registry, the setting that extends it, and the system checks guarding it."""

import pytest

from wagtail_lfcloud.channels import get_preset, get_presets
from wagtail_lfcloud.channels.checks import check_channel_presets
from wagtail_lfcloud.channels.errors import UnknownChannelError

BUILTINS = {
    "amazon_main",
    "amazon_additional",
    "shopify_product",
    "ig_square",
    "ig_portrait",
    "ig_story",
    "pinterest_pin",
    "meta_catalog",
    "gmc_main",
    "ebay_gallery",
    "etsy_listing",
    "walmart_main",
    "zalando_packshot",
    "tiktok_main",
    "email_hero",
    "email_product",
    "pdp_zoom",
    "pdp_thumb",
    "og_share",
}


def ids(settings_value=None, **extra):
    return [m.id for m in check_channel_presets()]


def test_builtins_are_complete_and_pin_format_and_quality():
    presets = get_presets()
    assert BUILTINS <= set(presets)
    for preset in presets.values():
        assert preset.format in ("jpeg", "webp", "png")
        assert preset.quality is not None
        assert preset.sources, preset.key
    assert check_channel_presets() == []


def test_amazon_export_names():
    main, extra = get_preset("amazon_main"), get_preset("amazon_additional")
    assert main.export_filename(asin="B000123456") == "B000123456.MAIN.jpg"
    assert extra.export_filename(asin="B000123456", n=3) == "B000123456.PT03.jpg"
    # No ASIN on the product: fall back to the package's naming template.
    assert main.export_filename(sku="SKU1", period="2025-10", angle="front") == (
        "SKU1_2025-10_front_amazon_main.jpg"
    )


def test_setting_adds_overrides_and_removes(settings):
    settings.WAGTAIL_LFCLOUD_CHANNELS = {
        "zalando_model": {
            "label": "Zalando model",
            "spec": "fill-1801x2600|srgb|stripmeta|format-jpeg|jpegquality-92",
        },
        "amazon_main": {"label": "Amazon (ours)"},
        "pdp_thumb": None,
    }
    presets = get_presets()
    assert presets["zalando_model"].format == "jpeg"
    assert not presets["zalando_model"].builtin
    assert presets["amazon_main"].label == "Amazon (ours)"
    assert presets["amazon_main"].spec.startswith("max-2000x2000")  # the rest is kept
    assert "pdp_thumb" not in presets
    with pytest.raises(UnknownChannelError):
        get_preset("pdp_thumb")
    assert check_channel_presets() == []


def test_encoder_settings_merge(settings):
    settings.WAGTAIL_LFCLOUD_CHANNEL_ENCODER = {"avif_speed": 10}
    settings.WAGTAIL_LFCLOUD_CHANNELS = {"email_hero": {"encoder": {"jpeg_progressive": False}}}
    preset = get_preset("email_hero")
    assert preset.encoder.avif_speed == 10
    assert preset.encoder.jpeg_progressive is False


GOOD = "max-800x800|srgb|stripmeta|format-jpeg|jpegquality-90"


@pytest.mark.parametrize(
    "value, expected_id",
    [
        (["not", "a", "dict"], "wagtail_lfcloud.E101"),
        ({"Bad-Key": {"spec": GOOD}}, "wagtail_lfcloud.E102"),
        ({"new_one": {"label": "no spec"}}, "wagtail_lfcloud.E103"),
        ({"new_one": "fill-10x10"}, "wagtail_lfcloud.E103"),
        ({"new_one": {"spec": GOOD, "colour": "red"}}, "wagtail_lfcloud.E103"),
        (
            {"new_one": {"spec": "max-800x800|crop-10|format-jpeg|jpegquality-90"}},
            "wagtail_lfcloud.E104",
        ),
        (
            {"new_one": {"spec": "max-800x800|trimbg-999|format-jpeg|jpegquality-90"}},
            "wagtail_lfcloud.E104",
        ),
        ({"new_one": {"spec": "max-800x800|srgb"}}, "wagtail_lfcloud.E105"),
        ({"new_one": {"spec": "max-800x800|format-jpeg"}}, "wagtail_lfcloud.E105"),
        (
            {"new_one": {"spec": "max-800x800|maxbytes-1m|format-jpeg|jpegquality-80"}},
            "wagtail_lfcloud.E105",
        ),
        ({"new_one": {"spec": GOOD, "rules": {"min_fil": 0.8}}}, "wagtail_lfcloud.E106"),
        ({"new_one": {"spec": GOOD, "rules": {"background": "snow"}}}, "wagtail_lfcloud.E106"),
        ({"new_one": {"spec": GOOD, "rules": {"formats": ["jpg"]}}}, "wagtail_lfcloud.E106"),
        (
            {"new_one": {"spec": GOOD, "rules": {"min_longest": {"fial": 3}}}},
            "wagtail_lfcloud.E106",
        ),
        ({"new_one": {"spec": GOOD, "export_name": "{ean}.jpg"}}, "wagtail_lfcloud.E107"),
        ({"new_one": {"spec": GOOD, "encoder": {"turbo": True}}}, "wagtail_lfcloud.E108"),
        (
            {
                "new_one": {
                    "spec": "fill-1080x1080|srgb|trimbg|padsquare-88|stripmeta-keepai|maxbytes-200k"
                    "|format-jpeg|jpegquality-90|maxbytes-200k"
                }
            },
            "wagtail_lfcloud.E109",
        ),
        ({"not_builtin": None}, "wagtail_lfcloud.W101"),
    ],
)
def test_system_checks_reject_invalid_presets_with_a_hint(settings, value, expected_id):
    settings.WAGTAIL_LFCLOUD_CHANNELS = value
    messages = check_channel_presets()
    assert expected_id in [m.id for m in messages], [str(m) for m in messages]
    assert all(m.hint for m in messages)


def test_system_check_rejects_bad_encoder_setting(settings):
    settings.WAGTAIL_LFCLOUD_CHANNEL_ENCODER = {"jpeg_quality": 90}
    assert [m.id for m in check_channel_presets()] == ["wagtail_lfcloud.E108"]


def test_checks_run_with_manage_py_check(settings):
    from django.core.checks import run_checks

    settings.WAGTAIL_LFCLOUD_CHANNELS = {"new_one": {"spec": "max-800x800|srgb"}}
    assert "wagtail_lfcloud.E105" in [m.id for m in run_checks()]
