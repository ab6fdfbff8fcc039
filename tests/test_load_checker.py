"""The load scenario's "nothing lost" checker (benchmarks/load.py) sees what it must report.

No servers: a brand's versions and channel files are made here, and the clients' record is written
by hand, as the scenario's threads would have written it.
"""

from __future__ import annotations

import pytest

from benchmarks.load import Record, check_nothing_lost
from tests.factories import make_asset, make_brand, make_image, make_product
from wagtail_lfcloud.models import AssetVersion, ChannelRendition, VersionStatus

pytestmark = pytest.mark.django_db

CHANNELS = ["amazon_main", "ig_square"]


def version(asset, number, status, channels=()):
    v = AssetVersion.objects.create(
        asset=asset,
        number=number,
        image=make_image(),
        status=status,
        period="2026-01",
        original_filename=f"{asset.product.sku}_2026-01_{asset.angle}.jpg",
    )
    for channel in channels:
        ChannelRendition.objects.create(
            version=v, channel=channel, filter_spec="fill-10x10", status="ready"
        )
    return v


@pytest.fixture
def run():
    """An approved version with its full channel set and a retouch in review: nothing lost."""
    brand = make_brand("Load")
    asset = make_asset(make_product(brand, "SKU1"), "front", channels=CHANNELS)
    v1 = version(asset, 1, VersionStatus.CURRENT, CHANNELS)
    v2 = version(asset, 2, VersionStatus.IN_REVIEW)
    record = Record()
    record.accepted = {
        v1.pk: (v1.original_filename, "api"),
        v2.pk: (v2.original_filename, "direct"),
    }
    record.approved = {v1.pk: 1.0}
    return brand, asset, record, v1


def test_a_clean_run_has_no_findings(run):
    brand, _asset, record, _v1 = run
    assert check_nothing_lost(brand.pk, record, CHANNELS) == []


def test_lost_uploads_missing_channel_files_and_server_errors_are_findings(run):
    brand, asset, record, v1 = run
    ghost = version(asset, 3, VersionStatus.IN_REVIEW)  # made, but its client was told otherwise
    record.accepted[999_999] = ("SKU1_2026-01_side.jpg", "api")  # accepted, but no version
    ChannelRendition.objects.filter(version=v1, channel="ig_square").update(status="pending")
    record.saw("POST", "/uploads", error=ConnectionResetError("reset by peer"))

    findings = check_nothing_lost(brand.pk, record, CHANNELS)

    assert len(findings) == 4, findings
    assert "accepted uploads without a version: [999999]" in findings
    assert f"versions no client was told about: [{ghost.pk}]" in findings
    assert f"approved version {v1.pk} has 1 of 2 channel files" in findings
    assert "broken connections" in findings[-1] and "reset by peer" in findings[-1]


def test_staging_objects_left_behind_are_findings(run):
    brand, _asset, record, _v1 = run
    keys = ["lfcloud-private/uploads/abc/SKU1_2026-01_front.jpg", "original_images/x.jpg"]
    findings = check_nothing_lost(brand.pk, record, CHANNELS, s3=lambda: keys)
    assert findings == [f"staging objects left in the bucket: {keys[:1]}"]
