"""Benchmark: the order page and its JSON grid endpoint for a 300 SKU x 6 angle order.

    .venv/bin/python benchmarks/order_grid.py [--skus 300] [--angles 6] [--rounds 5]

Builds the order in a throwaway database (the test settings: in-memory SQLite by default,
``LFCLOUD_TEST_DB=postgres`` and ``LFCLOUD_TEST_DATABASE_URL`` for PostgreSQL): one line per
SKU, every deliverable created, half of them with an uploaded version (8x8 PNG, with its grid
thumbnail), a quarter approved with a ready channel rendition. Then, logged in as a
superuser through Django's test client, it counts the queries of one request and times
``--rounds`` requests of: the order page, the JSON endpoint (200), the same gzipped (what a
browser gets; ``bytes`` is then what goes over the wire), and the JSON endpoint with a matching
``If-None-Match`` (304). Reports figures; asserts nothing. Run on demand; never
part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def build(n_skus: int, n_angles: int):
    from decimal import Decimal

    from tests.factories import make_brand, make_image, make_product, make_user
    from wagtail_lfcloud.conf import lfcloud_settings
    from wagtail_lfcloud.models import (
        AssetVersion,
        ChannelRendition,
        Order,
        OrderLine,
        VersionStatus,
    )
    from wagtail_lfcloud.orders.grid import THUMBNAIL_SPEC
    from wagtail_lfcloud.orders.status import create_deliverables

    brand = make_brand("Bench")
    angles = list(lfcloud_settings.ANGLES)[:n_angles]
    order = Order.objects.create(brand=brand, title="Benchmark", currency="EUR")
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=make_product(brand, sku=f"B{i:05d}"),
            angles=angles,
            channels=["amazon_main", "shopify_product"],
            unit_price=Decimal("12.00"),
            quantity=1,
            sort_order=i,
        )
        for i in range(n_skus)
    )
    assets = create_deliverables(order)
    for i, asset in enumerate(assets):
        if i % 2:
            continue
        image = make_image(size=(8, 8))
        image.get_rendition(THUMBNAIL_SPEC)
        status = VersionStatus.CURRENT if i % 4 == 0 else VersionStatus.IN_REVIEW
        version = AssetVersion.objects.create(
            asset=asset,
            number=1,
            image=image,
            status=status,
            original_filename=f"{asset.product.sku}.png",
        )
        if status == VersionStatus.CURRENT:
            ChannelRendition.objects.create(
                version=version, channel="amazon_main", filter_spec="x", status="ready"
            )
    return order, make_user("bench-root", superuser=True), len(assets)


def measure(client, url: str, rounds: int, headers: dict | None = None) -> dict:
    from django.db import connection

    response = client.get(url, headers=headers or {})  # warm caches and the session
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url, headers=headers or {})
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(url, headers=headers or {})
        times.append(time.perf_counter() - start)
    return {
        "status": response.status_code,
        "queries": len(queries),
        "median_ms": round(1000 * statistics.median(times), 1),
        "min_ms": round(1000 * min(times), 1),
        "bytes": len(response.content) if hasattr(response, "content") else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--skus", type=int, default=300)
    parser.add_argument("--angles", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--profile", action="store_true", help="print a cProfile of one page and one JSON request"
    )
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    setup_test_environment()
    media = tempfile.mkdtemp(prefix="lfcloud-bench-")
    settings.MEDIA_ROOT = media
    connection.creation.create_test_db(verbosity=0)
    try:
        start = time.perf_counter()
        order, user, cells = build(args.skus, args.angles)
        print(
            f"built {args.skus} SKUs x {args.angles} angles = {cells} cells in {time.perf_counter() - start:.1f} s "
            f"({connection.vendor})"
        )
        client = Client()
        client.force_login(user)
        page = reverse("wagtail_lfcloud_admin:order_detail", args=[order.pk])
        grid = reverse("wagtail_lfcloud_admin:order_grid", args=[order.pk])
        etag = client.get(grid)["ETag"]
        results = {
            "order page": measure(client, page, args.rounds),
            "grid JSON (200)": measure(client, grid, args.rounds),
            "grid JSON (gzip)": measure(client, grid, args.rounds, {"Accept-Encoding": "gzip"}),
            "grid JSON (304)": measure(client, grid, args.rounds, {"If-None-Match": etag}),
        }
        if args.profile:
            import cProfile
            import pstats

            for url in (page, grid):
                profiler = cProfile.Profile()
                profiler.enable()
                client.get(url)
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        print(
            f"{'request':<18} {'status':>6} {'queries':>8} {'median ms':>10} {'min ms':>8} {'bytes':>9}"
        )
        for name, r in results.items():
            print(
                f"{name:<18} {r['status']:>6} {r['queries']:>8} {r['median_ms']:>10} {r['min_ms']:>8} {r['bytes']:>9}"
            )
    finally:
        connection.creation.destroy_test_db(
            ":memory:" if connection.vendor == "sqlite" else connection.settings_dict["NAME"],
            verbosity=0,
        )


if __name__ == "__main__":
    main()
