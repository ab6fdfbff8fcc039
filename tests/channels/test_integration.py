"""build_channel_renditions, the template tag and the two management commands."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.template import Context, Template

from wagtail_lfcloud.models import (
    Asset,
    AssetVersion,
    Brand,
    ChannelRendition,
    Product,
    Season,
    VersionStatus,
)

from .images import encode, exif_with_privacy, make_image, product_shot

pytestmark = pytest.mark.django_db


@pytest.fixture
def version():
    brand = Brand.objects.create(name="Acme", slug="acme")
    season = Season.objects.create(brand=brand, code="SS26")
    product = Product.objects.create(
        brand=brand, sku="SKU1", name="Bag", season=season, asin="B000123456"
    )
    asset = Asset.objects.create(
        brand=brand,
        product=product,
        angle="front",
        channels=["amazon_main", "ig_square", "pdp_thumb"],
    )
    image = make_image(
        encode(product_shot((450, 450), fill=0.7), exif=exif_with_privacy()),
        "SKU1_2025-10_front.jpg",
    )
    return AssetVersion.objects.create(
        asset=asset,
        number=1,
        image=image,
        status=VersionStatus.CURRENT,
        period="2025-10",
        original_filename="SKU1_2025-10_front.jpg",
    )


def test_build_channel_renditions_records_checked_deliverables(version):
    rows = build(version, ["amazon_main", "pdp_thumb"])
    amazon, thumb = rows
    assert amazon.status == ChannelRendition.Status.READY
    assert amazon.file_name == "B000123456.MAIN.jpg"
    assert amazon.format == "jpeg" and amazon.width == amazon.height
    # 450 px master: below the 500 px Amazon shows at all, so the output fails its checks.
    assert amazon.compliance_status == "fail"
    codes = {c["code"]: c["status"] for c in amazon.compliance}
    assert codes["min_longest"] == "fail" and codes["source_min_longest"] == "fail"
    assert codes["privacy"] == "pass"
    assert thumb.file_name == "SKU1_2025-10_front_pdp_thumb.webp"
    assert (thumb.width, thumb.height) == (160, 160)
    # The pixels are an ordinary rendition: get_rendition finds it.
    assert version.image.renditions.filter(filter_spec=amazon.filter_spec).exists()
    # Running again updates the same rows.
    assert [r.pk for r in build(version, ["amazon_main", "pdp_thumb"])] == [amazon.pk, thumb.pk]


def test_build_channel_renditions_marks_rows_failed_on_a_broken_master(version):
    from django.core.files.storage import default_storage

    with default_storage.open(version.image.file.name, "wb") as f:
        f.write(b"")
    (row,) = build(version, ["ig_square"])
    assert row.status == ChannelRendition.Status.FAILED
    assert "empty" in row.error


def test_a_set_writes_its_rows_in_two_statements_and_a_failure_keeps_the_last_size(version):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    keys = ["amazon_main", "ig_square", "pdp_thumb", "og_share", "pinterest_pin"]
    table = ChannelRendition._meta.db_table
    with CaptureQueriesContext(connection) as first:
        rows = build(version, keys)
    assert [r.channel for r in rows] == keys  # the caller's order
    assert {r.status for r in rows} == {ChannelRendition.Status.READY}
    # One upsert and one read for five channels (it was three or four queries per channel).
    writes = [q["sql"] for q in first.captured_queries if table in q["sql"]]
    assert len(writes) == 2, writes
    before = {r.channel: r for r in rows}

    # The master breaks: every row says so, keeps its identity, creation time and last size.
    from django.core.files.storage import default_storage

    with default_storage.open(version.image.file.name, "wb") as f:
        f.write(b"")
    version.image.renditions.all().delete()
    failed = build(version, keys)
    for row in failed:
        old = before[row.channel]
        assert row.status == ChannelRendition.Status.FAILED and "empty" in row.error
        assert (row.pk, row.created_at) == (old.pk, old.created_at)
        assert (row.width, row.height, row.file_name) == (old.width, old.height, old.file_name)
        assert row.compliance == [] and row.updated_at > old.updated_at
    assert ChannelRendition.objects.filter(version=version).count() == len(keys)


def build(version, keys):
    from wagtail_lfcloud.channels.deliverables import build_channel_renditions

    return build_channel_renditions(version, keys)


def test_template_tag_renders_an_img_and_supports_as(version):
    image = version.image
    html = Template(
        '{% load wagtail_lfcloud_tags %}{% channel_rendition image "pdp_thumb" %}'
    ).render(Context({"image": image}))
    assert html.startswith("<img") and 'width="160"' in html and ".webp" in html
    html = Template(
        '{% load wagtail_lfcloud_tags %}{% channel_rendition image "pdp_thumb" as r %}{{ r.width }}x{{ r.height }}'
    ).render(Context({"image": image}))
    assert html == "160x160"
    html = Template(
        '{% load wagtail_lfcloud_tags %}{% channel_rendition image "pdp_thumb" class="thumb" %}'
    ).render(Context({"image": image}))
    assert 'class="thumb"' in html
    assert (
        Template('{% load wagtail_lfcloud_tags %}{% channel_rendition None "pdp_thumb" %}').render(
            Context()
        )
        == ""
    )


def test_lfcloud_check_command(tmp_path):
    good = tmp_path / "good.jpg"
    good.write_bytes(encode(product_shot((1000, 1000), fill=0.88), quality=92))
    bad = tmp_path / "small.jpg"
    bad.write_bytes(encode(product_shot((300, 300))))
    out = io.StringIO()
    call_command("lfcloud_check", str(good), "--channel", "amazon_main", stdout=out)
    assert "good.jpg [amazon_main]" in out.getvalue()
    out = io.StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command(
            "lfcloud_check", str(good), str(bad), "--channel", "amazon_main", "--json", stdout=out
        )
    assert excinfo.value.returncode == 1
    reports = json.loads(out.getvalue())
    assert [r["status"] for r in reports][1] == "fail"
    with pytest.raises(CommandError, match="Unknown channel"):
        call_command("lfcloud_check", str(good), "--channel", "nope")


def test_lfcloud_renditions_command_generates_then_skips(version):
    with pytest.raises(CommandError, match="--all"):
        call_command("lfcloud_renditions")
    out = io.StringIO()
    call_command("lfcloud_renditions", "--brand", "acme", stdout=out)
    assert "1/1" in out.getvalue()
    assert ChannelRendition.objects.filter(version=version, status="ready").count() == 3
    out = io.StringIO()
    call_command("lfcloud_renditions", "--all", stdout=out)
    assert "Nothing to do" in out.getvalue()
    out = io.StringIO()
    call_command("lfcloud_renditions", "--season", "SS26", "--channel", "og_share", stdout=out)
    assert ChannelRendition.objects.get(version=version, channel="og_share").status == "ready"
    with pytest.raises(CommandError, match="Unknown channel"):
        call_command("lfcloud_renditions", "--all", "--channel", "nope")


def test_where_a_channel_converts_the_rendition_converts_and_the_output_passes(version):
    """Instagram converts other colour spaces to sRGB and scales widths over 1440 px: a CMYK
    master 1600 px wide warns when delivered as it is, but its rendition is checked, not the
    master, and the rendition is 8-bit sRGB at 1080 px."""
    from wagtail_lfcloud.channels.compliance import check_file

    from .labelled import shot

    data = encode(shot((1600, 1600)).convert("CMYK"), quality=92)
    as_is = check_file(data, "ig_square")
    assert as_is["srgb"].status == "warn" and as_is["max_width"].status == "warn"
    version.image = make_image(data, "SKU1_2025-10_front.jpg")
    version.save()
    (row,) = build(version, ["ig_square"])
    checks = {c["code"]: c["status"] for c in row.compliance}
    assert checks["srgb"] == "pass" and checks["max_width"] == "pass"
    assert (row.width, row.height) == (1080, 1080)
    assert row.compliance_status == "pass", row.compliance
