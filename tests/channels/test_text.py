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


# --- the approval path: the master is read once, each output gets its own verdict ----------------

TEXT_CHANNELS = ["amazon_main", "ebay_gallery", "gmc_main", "meta_catalog", "tiktok_main"]


def _version(data: bytes, name: str, channels: list[str]):
    from tests.factories import make_asset, make_brand, make_product
    from wagtail_lfcloud.models import AssetVersion, VersionStatus

    from .images import make_image

    asset = make_asset(make_product(make_brand(), asin="B000123456"), channels=channels)
    return AssetVersion.objects.create(
        asset=asset,
        number=1,
        image=make_image(data, name),
        status=VersionStatus.CURRENT,
        period="2025-10",
        original_filename=name,
    )


@pytest.fixture
def tesseract_runs(monkeypatch):
    """Count the pages Tesseract reads (its answers are unchanged)."""
    import pytesseract

    pages = []
    read = pytesseract.image_to_data

    def counted(image, *args, **kwargs):
        pages.append(image.size)
        return read(image, *args, **kwargs)

    monkeypatch.setattr(pytesseract, "image_to_data", counted)
    text._CACHE.clear()
    return pages


def _text_results(rows) -> dict[str, dict]:
    return {r.channel: next(c for c in r.compliance if c["code"] == "text") for r in rows}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "variant",
    [
        "text_on_white",
        "text_across_product",
        "watermark",
        "label_on_product",
        "printed_fabric",
        "embossed_logo",
    ],
)
def test_the_approval_path_reads_the_master_once_for_every_text_channel(
    variant, tesseract, tesseract_runs
):
    from wagtail_lfcloud.channels.deliverables import build_channel_renditions

    data, name = labelled.VARIANTS[variant].make("amazon_main")
    version = _version(data, name, TEXT_CHANNELS)
    results = _text_results(build_channel_renditions(version, TEXT_CHANNELS))
    assert len(tesseract_runs) == 1  # one page: the master, not five outputs
    for channel in TEXT_CHANNELS:
        label = labelled.LABELS[(variant, channel)]
        expected = label.status if "text" in label.checks else "pass"
        assert results[channel]["status"] == expected, (channel, results[channel])
        assert bool(results[channel]["measured"]["added"]) == (expected != "pass")


def _caption_left_of_the_product() -> bytes:
    """A 2000x1000 shot with a caption on the white, left of the product: a centred square
    crop cuts the caption away, trimming keeps it."""
    from PIL import ImageDraw

    image = labelled.shot((2000, 1000))
    ImageDraw.Draw(image).text((40, 100), "SALE 50% OFF", fill=(0, 0, 0), font=labelled.font(60))
    return labelled.save(image, "JPEG")


@pytest.mark.django_db
def test_text_a_channel_crops_away_does_not_count_for_it(tesseract, tesseract_runs, settings):
    from wagtail_lfcloud.channels.compliance import check_rendition
    from wagtail_lfcloud.channels.deliverables import build_channel_renditions

    rules = {"no_text": "fail"}
    settings.WAGTAIL_LFCLOUD_CHANNELS = {
        # The centre 1000x1000: the caption (x 40-450) is outside it.
        "square_crop": {"label": "Crop", "spec": "fill-1000x1000|srgb|format-jpeg", "rules": rules},
        # The whole frame, smaller: the caption is in it, 12 px tall in the output's reading.
        "whole": {"label": "Whole", "spec": "max-1600x1600|srgb|format-jpeg", "rules": rules},
    }
    channels = ["amazon_main", "square_crop", "whole"]
    version = _version(_caption_left_of_the_product(), "caption.jpg", channels)
    rows = build_channel_renditions(version, channels)
    results = _text_results(rows)
    assert len(tesseract_runs) == 1
    assert results["amazon_main"]["status"] == "fail"  # trimbg keeps the caption
    assert results["whole"]["status"] == "fail"
    assert "SALE" in results["whole"]["measured"]["added"]
    assert results["square_crop"]["status"] == "pass"
    assert results["square_crop"]["measured"] == {"added": [], "on_product": []}
    # Reading each output file itself gives the same verdicts.
    for row in rows:
        rendition = version.image.get_rendition(row.filter_spec)
        own = check_rendition(rendition, row.channel)["text"]
        assert own.status == results[row.channel]["status"], row.channel


def test_a_word_counts_in_an_output_only_if_mostly_inside_it_and_readable_there():
    from wagtail_lfcloud.channels.operations import Placement

    words = (("SALE", 90.0, (100, 100, 300, 140)),)  # 40 px tall on the master
    assert text.words_in_output(words, Placement(1.0, 1.0, 0, 0, (800, 800))) == words
    # A 2000 px output is read at 800 px: the word is 16 px tall there, still read.
    assert text.words_in_output(words, Placement(1.0, 1.0, 0, 0, (2000, 2000))) == words
    # A tenth of the size: 4 px tall, which Tesseract would not have read on the output.
    assert text.words_in_output(words, Placement(0.1, 0.1, 0, 0, (80, 80))) == ()
    # Shifted 250 px left by a crop: a quarter of the word is left, it does not count...
    assert text.words_in_output(words, Placement(1.0, 1.0, -250, 0, (800, 800))) == ()
    # ...three quarters do, clipped to the frame.
    assert text.words_in_output(words, Placement(1.0, 1.0, -150, 0, (800, 800))) == (
        ("SALE", 90.0, (0, 100, 150, 140)),
    )


def test_placement_follows_the_crop_resize_trim_and_padding():
    from wagtail_lfcloud.channels.operations import Placement

    # Master x 100-500 resized to 200 px (0.5), trimmed by (10, 20), then padded: scaled by
    # half again and put at (30, 40).
    where = Placement.of(
        (100, 0, 500, 400), (200, 200), [("crop", 10, 20), ("place", 0.5, 0.5, 30, 40)], (160, 160)
    )
    assert where.box((100, 0, 300, 200)) == pytest.approx((25.0, 30.0, 75.0, 80.0))
    assert where.size == (160, 160)


@pytest.mark.django_db
def test_the_approval_path_reads_the_text_from_the_pipelines_decode(tesseract, tesseract_runs):
    from unittest import mock

    from wagtail_lfcloud.channels import compliance
    from wagtail_lfcloud.channels.deliverables import build_channel_renditions

    version = _version(_caption_left_of_the_product(), "caption.jpg", ["amazon_main"])
    with mock.patch.object(compliance, "_source_copy", wraps=compliance._source_copy) as decodes:
        (row,) = build_channel_renditions(version, ["amazon_main"])
    # The master is decoded for the outputs and once, small, for its product mask; the text
    # is read from a copy of the outputs' decode.
    assert [c.args[2:] for c in decodes.call_args_list] == [()]
    assert len(tesseract_runs) == 1
    assert next(c for c in row.compliance if c["code"] == "text")["status"] == "fail"


@pytest.mark.django_db
def test_outputs_render_while_the_master_is_being_read(tesseract, settings):
    """The approval path's text checks wait for the master's words after the rendering, not in
    the rendering threads: every output is rendered and checked while Tesseract still reads
    (here: until the last output is encoded), and the verdicts are the ones the words give."""
    import threading
    from unittest import mock

    from wagtail_lfcloud.channels import pipeline
    from wagtail_lfcloud.channels.deliverables import build_channel_renditions

    settings.WAGTAIL_LFCLOUD_RENDITION_THREADS = 2
    channels = [*TEXT_CHANNELS, "ig_square", "pinterest_pin", "email_hero", "pdp_thumb"]
    version = _version(_caption_left_of_the_product(), "caption.jpg", channels)
    all_encoded = threading.Event()
    encoded = []
    encode, read_master = pipeline._encode, text.read_master

    def counted_encode(job, prepared):
        data = encode(job, prepared)
        encoded.append(job.filter.spec)
        if len(encoded) == len(channels):
            all_encoded.set()
        return data

    def slow_read(*args, **kwargs):
        # Held until every output is encoded: a rendering thread waiting for the words would
        # never let that happen (then the read goes on after 20 s and the test fails).
        waited = all_encoded.wait(20)
        return read_master(*args, **kwargs), waited

    outcome = {}

    def read(*args, **kwargs):
        words, outcome["rendered_meanwhile"] = slow_read(*args, **kwargs)
        return words

    with (
        mock.patch.object(pipeline, "_encode", counted_encode),
        mock.patch.object(text, "read_master", read),
    ):
        rows = build_channel_renditions(version, channels)
    assert outcome == {"rendered_meanwhile": True}
    results = _text_results(rows[: len(TEXT_CHANNELS)])
    assert {r.status for r in rows} == {"ready"}
    # The caption left of the product is added text for every text channel that keeps it.
    assert results["amazon_main"]["status"] == "fail"
    assert "SALE" in results["amazon_main"]["measured"]["added"]
    assert all(r["message"] != "the text check has not finished" for r in results.values())


@pytest.mark.django_db
def test_when_the_master_cannot_be_read_each_deferred_check_reads_its_output(
    tesseract, tesseract_runs, settings
):
    """The master's reading fails while the outputs render: each text check left for later
    reads its own output (the reduced copy it kept), as before the master was read once."""
    from unittest import mock

    from wagtail_lfcloud.channels.deliverables import build_channel_renditions

    settings.WAGTAIL_LFCLOUD_RENDITION_THREADS = 2
    version = _version(_caption_left_of_the_product(), "caption.jpg", ["amazon_main", "ig_square"])

    def broken(*args, **kwargs):
        raise RuntimeError("tesseract crashed")

    with mock.patch.object(text, "read_master", broken):
        rows = build_channel_renditions(version, ["amazon_main", "ig_square"])
    assert {r.status for r in rows} == {"ready"}
    result = _text_results(rows[:1])["amazon_main"]
    assert result["status"] == "fail" and "SALE" in result["measured"]["added"]
    assert len(tesseract_runs) == 1  # the amazon_main output, read by itself
