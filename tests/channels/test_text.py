"""Added text and watermarks: found around and across the product, not on it; off = a warning."""

import pytest
from django.core import checks

from wagtail_lfcloud.channels import text
from wagtail_lfcloud.channels.compliance import check_file

from . import labelled


def amazon(variant: str) -> object:
    data, _name = labelled.VARIANTS[variant].make("amazon_main")
    return check_file(data, "amazon_main")


@pytest.mark.parametrize("variant", ["text_on_white", "text_across_product", "watermark"])
def test_added_text_fails_amazon_main_and_names_the_words(variant, tesseract):
    result = amazon(variant)["text"]
    assert result.status == "fail"
    assert result.measured["added"]
    assert "added text or a watermark" in result.message


@pytest.mark.parametrize("variant", ["label_on_product", "printed_fabric", "embossed_logo"])
def test_text_on_the_product_itself_passes(variant, tesseract):
    result = amazon(variant)["text"]
    assert result.status == "pass"
    assert result.measured["added"] == []


@pytest.fixture
def text_detection_off(monkeypatch):
    monkeypatch.setattr(
        text, "availability", lambda: (False, "the 'tesseract' binary is not installed")
    )


def test_without_tesseract_the_text_check_warns_not_checked(text_detection_off):
    data, _name = labelled.VARIANTS["text_on_white"].make("amazon_main")
    result = check_file(data, "amazon_main")["text"]
    assert result.status == "warn"
    assert "text detection is off" in result.message and "check by eye" in result.message


def test_system_check_w102_says_when_text_detection_is_off(text_detection_off):
    messages = [m for m in checks.run_checks() if m.id == "wagtail_lfcloud.W102"]
    assert len(messages) == 1
    assert "amazon_main" in messages[0].msg and "tesseract-ocr" in messages[0].hint


def test_no_w102_when_text_detection_runs(tesseract):
    assert not [m for m in checks.run_checks() if m.id == "wagtail_lfcloud.W102"]


def test_no_w102_when_no_channel_forbids_text(text_detection_off, settings):
    settings.WAGTAIL_LFCLOUD_CHANNELS = dict.fromkeys(
        ("amazon_main", "gmc_main", "ebay_gallery", "meta_catalog", "tiktok_main")
    )
    assert not [m for m in checks.run_checks() if m.id == "wagtail_lfcloud.W102"]
