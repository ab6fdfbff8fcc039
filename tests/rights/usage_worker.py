"""A worker process for the two-process usage count test (tests/rights/test_usage.py).

``python -m tests.rights.usage_worker setup``: in the migrated SQLite file
``LFCLOUD_TEST_SQLITE_NAME`` (a copy of the session's, tests/sqlite_template.py), create a brand with one asset and two versions; prints their ids as JSON.
``python -m tests.rights.usage_worker count N EVERY``: count N hits spread over both versions and
two channels and kinds, flushing every EVERY hits (so both processes write the same rows at the
same time), then flush until nothing is pending; prints what it counted.
``python -m tests.rights.usage_worker totals``: the daily totals as JSON.
"""

from __future__ import annotations

import json
import sys
import time

import django


def setup() -> dict:
    from tests.factories import make_asset, make_brand, make_image, make_product
    from wagtail_lfcloud.models import AssetVersion, VersionStatus

    brand = make_brand("Acme")
    asset = make_asset(make_product(brand, sku="SKU1"))
    versions = [
        AssetVersion.objects.create(
            asset=asset,
            number=n,
            image=make_image(),
            status=status,
            original_filename=f"SKU1_front_{n}.png",
        )
        for n, status in ((1, VersionStatus.SUPERSEDED), (2, VersionStatus.CURRENT))
    ]
    return {"brand": brand.pk, "asset": asset.pk, "versions": [v.pk for v in versions]}


KEYS = [("amazon_main", "stable_token"), ("shopify", "api_fetch")]


def count(ids: dict, n: int, every: int) -> dict:
    from wagtail_lfcloud.delivery import usage

    for i in range(n):
        channel, kind = KEYS[i % 2]
        usage.count(ids["brand"], ids["asset"], ids["versions"][i % 3 % 2], channel, kind)
        if (i + 1) % every == 0:
            usage.flush()
    while usage.pending():
        usage.flush()  # a write refused (database locked) keeps the counts: try again
        time.sleep(0.05)
    return {"counted": n}


def totals() -> dict:
    from wagtail_lfcloud.models import UsageDaily

    rows = UsageDaily.objects.values_list("version_id", "channel", "kind", "count")
    return {"rows": [list(r) for r in rows]}


if __name__ == "__main__":
    django.setup()
    command = sys.argv[1]
    if command == "setup":
        out = setup()
    elif command == "count":
        out = count(json.loads(sys.argv[4]), int(sys.argv[2]), int(sys.argv[3]))
    else:
        out = totals()
    print(json.dumps(out))
