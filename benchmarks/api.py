"""Benchmark: the headless API's list endpoints and the stable rendition URL over real HTTP.

    .venv/bin/python benchmarks/api.py --db sqlite|postgres [--products 10000] [--angles 6] [--requests 300]

Builds a database with ``--products`` products and ``--products x --angles`` assets (60,000 by
default), each with a current version and an ``amazon_main`` ChannelRendition, all bulk-created
(synthetic rows: the versions share one real image whose one real rendition exists). SQLite uses a
file under the system temp dir; PostgreSQL uses ``LFCLOUD_BENCH_DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/lfcloud_api``), whose public schema is dropped and migrated afresh.

Then it starts the test settings' WSGI application under gunicorn (``--server gunicorn``, the
default: ``--workers`` sync workers, default 2, as production would run it; the ``bench`` extra
installs it) or a threaded ``wsgiref`` server (``--server wsgiref``) on 127.0.0.1 in a
subprocess (a real socket, one connection per request) and, from one client thread, times
``--requests`` requests per endpoint after 20 warm-up requests, with a brand admin's API token:

- ``GET /lfcloud/api/v1/products?limit=100&offset=<random>``
- ``GET /lfcloud/api/v1/assets?limit=100&offset=<random>``
- ``GET /lfcloud/api/v1/renditions/bench/<random SKU>/<random angle>/amazon_main`` (302)

Prints requests/second (sequential, one client), median / p95 latency and the machine's load
average before and after each endpoint. Asserts nothing; run on demand, never part of the test
suite (``tests/api/test_stable_url.py`` asserts the stable URL's query count instead).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SQLITE_PATH = Path(tempfile.gettempdir()) / "lfcloud_bench_api.sqlite3"
PG_URL = os.environ.get(
    "LFCLOUD_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lfcloud_api"
)
MEDIA_ROOT = Path(tempfile.gettempdir()) / "lfcloud_bench_api_media"


def configure(db: str) -> None:
    """Point Django at the benchmark database (before django.setup())."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.api_settings"
    os.environ["LFCLOUD_BENCH_DB"] = db


def build(n_products: int, n_angles: int) -> str:
    """Create the rows; returns a brand admin's API token."""
    from django.core.management import call_command
    from django.db import connection
    from wagtail.models import APIToken

    from tests.factories import make_brand, make_image, make_user
    from wagtail_lfcloud.channels.registry import get_preset
    from wagtail_lfcloud.conf import lfcloud_settings
    from wagtail_lfcloud.models import (
        Asset,
        AssetVersion,
        ChannelRendition,
        Product,
        Role,
        VersionStatus,
    )

    if connection.vendor == "postgresql":
        # Start from an empty schema: flush would also drop rows the migrations create (root collection).
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    call_command("migrate", verbosity=0)
    brand = make_brand("Bench", slug="bench")
    user = make_user("bench_admin", brand=brand, role=Role.BRAND_ADMIN)
    image = make_image(size=(64, 64), color=(200, 30, 30))
    preset = get_preset("amazon_main")
    image.get_rendition(preset.spec)  # the one real file every stable URL redirects to
    angles = list(lfcloud_settings.ANGLES)[:n_angles]
    batch = 5000
    t0 = time.perf_counter()
    Product.objects.bulk_create(
        (Product(brand=brand, sku=f"B{i:06d}", name=f"Product {i}") for i in range(n_products)),
        batch_size=batch,
    )
    products = list(Product.objects.filter(brand=brand).values_list("pk", flat=True))
    Asset.objects.bulk_create(
        (
            Asset(brand=brand, product_id=p, angle=a, channels=["amazon_main"], live=True)
            for p in products
            for a in angles
        ),
        batch_size=batch,
    )
    assets = list(Asset.objects.filter(brand=brand).values_list("pk", flat=True))
    AssetVersion.objects.bulk_create(
        (
            AssetVersion(
                asset_id=a,
                number=1,
                image=image,
                status=VersionStatus.CURRENT,
                period="2026-01",
                original_filename="bench.png",
            )
            for a in assets
        ),
        batch_size=batch,
    )
    versions = AssetVersion.objects.filter(asset__brand=brand).values_list("pk", flat=True)
    ChannelRendition.objects.bulk_create(
        (
            ChannelRendition(
                version_id=v,
                channel="amazon_main",
                filter_spec=preset.spec,
                width=64,
                height=64,
                file_size=1000,
                format="jpeg",
                status=ChannelRendition.Status.READY,
                compliance_status="pass",
            )
            for v in versions.iterator()
        ),
        batch_size=batch,
    )
    print(
        f"built {len(products)} products, {len(assets)} assets in {time.perf_counter() - t0:.1f} s",
        flush=True,
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return APIToken.create_token(user=user, name="bench")[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SERVER = """
import os, sys
sys.path.insert(0, {root!r})
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from django.core.wsgi import get_wsgi_application

class Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True

class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass

make_server("127.0.0.1", {port}, get_wsgi_application(), server_class=Server, handler_class=Quiet).serve_forever()
"""


def serve(port: int, server: str = "gunicorn", workers: int = 2) -> subprocess.Popen:
    if server == "gunicorn":
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--chdir",
            str(ROOT),
            "--log-level",
            "warning",
            "django.core.wsgi:get_wsgi_application()",
        ]
    else:
        command = [sys.executable, "-c", SERVER.format(root=str(ROOT), port=port)]
    process = subprocess.Popen(command, env=os.environ.copy())
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the WSGI server did not start")


def fetch(port: int, path: str, token: str) -> tuple[int, float]:
    start = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status, time.perf_counter() - start


def measure(port: int, token: str, paths, n: int, warmup: int = 20) -> dict:
    for path in [next(paths) for _ in range(warmup)]:
        fetch(port, path, token)
    timings, statuses = [], set()
    start = time.perf_counter()
    for _ in range(n):
        status, elapsed = fetch(port, next(paths), token)
        statuses.add(status)
        timings.append(elapsed)
    total = time.perf_counter() - start
    timings.sort()
    return {
        "rps": n / total,
        "median_ms": statistics.median(timings) * 1000,
        "p95_ms": timings[int(len(timings) * 0.95) - 1] * 1000,
        "statuses": sorted(statuses),
    }


def endless(factory):
    while True:
        yield factory()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--angles", type=int, default=6)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--server", choices=["gunicorn", "wsgiref"], default="gunicorn")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--only", default="", help="run only endpoints whose name contains this")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the database a previous run built (same sizes)"
    )
    args = parser.parse_args()

    if args.db == "sqlite" and SQLITE_PATH.exists() and not args.reuse:
        SQLITE_PATH.unlink()
    configure(args.db)
    import django

    django.setup()
    from django.db import connection

    from wagtail_lfcloud.conf import lfcloud_settings

    if args.reuse:
        from django.contrib.auth import get_user_model
        from wagtail.models import APIToken

        user = get_user_model().objects.get(username="bench_admin")
        token = APIToken.create_token(user=user, name="bench")[1]
    else:
        token = build(args.products, args.angles)
    connection.close()

    angles = list(lfcloud_settings.ANGLES)[: args.angles]
    n_assets = args.products * args.angles
    rng = random.Random(7)
    endpoints = {
        "GET /products?limit=100": endless(
            lambda: (
                f"/lfcloud/api/v1/products?limit=100&offset={rng.randrange(0, args.products - 100)}"
            )
        ),
        "GET /assets?limit=100": endless(
            lambda: f"/lfcloud/api/v1/assets?limit=100&offset={rng.randrange(0, n_assets - 100)}"
        ),
        "GET stable URL (302), any of 60k targets": endless(
            lambda: (
                f"/lfcloud/api/v1/renditions/bench/B{rng.randrange(args.products):06d}/{rng.choice(angles)}/amazon_main"
            )
        ),
        # The warm path: a storefront's popular products, their targets already cached.
        "GET stable URL (302), 100 hot targets": endless(
            lambda: (
                f"/lfcloud/api/v1/renditions/bench/B{rng.randrange(17):06d}/{rng.choice(angles)}/amazon_main"
            )
        ),
    }
    port = free_port()
    server = serve(port, args.server, args.workers)
    try:
        print(
            f"\n{args.db}: {args.products} products, {n_assets} assets, {args.requests} requests per "
            f"endpoint, {args.server}"
            + (f" ({args.workers} workers)" if args.server == "gunicorn" else "")
            + f", {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M %Z')}"
        )
        print("| endpoint | req/s | median ms | p95 ms | statuses | 1-min load before/after |")
        print("|---|---|---|---|---|---|")
        for name, paths in endpoints.items():
            if args.only and args.only not in name:
                continue
            before = os.getloadavg()[0]
            # Hot targets: warm every one in every worker (connections go to any worker).
            r = measure(port, token, paths, args.requests, 20 if "hot" not in name else 600)
            print(
                f"| {name} | {r['rps']:.0f} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | "
                f"{r['statuses']} | {before:.2f} / {os.getloadavg()[0]:.2f} |",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
