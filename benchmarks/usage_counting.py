"""Benchmark: what usage counting costs the stable URL, and whether its counts are exact.

    /path/to/venv/bin/python benchmarks/usage_counting.py [--products 1000] [--angles 6]
        [--hot 200] [--requests 1500] [--rounds 4] [--concurrency 2] [--workers 2] [--reuse]

Builds ``--products x --angles`` assets with an approved version and an ``amazon_main`` file on
PostgreSQL (``LFCLOUD_BENCH_DATABASE_URL``, default
``postgres://postgres@127.0.0.1:5432/lfcloud_usage_bench``; its public schema is dropped and
migrated afresh unless ``--reuse``), as ``benchmarks/api.py`` does.

Then, ``--rounds`` times, it starts gunicorn (``--workers`` sync workers, the settings
``benchmarks/usage_settings.py``) once with counting on and once with counting off (the order
alternates each round, so a change of the machine's load hits both sides alike; the settings differ
only in ``WAGTAIL_LFCLOUD_USAGE_COUNTING``, both flush every 5 seconds), warms the ``--hot``
targets up and sends ``--requests`` requests to the stable URL of random hot targets from
``--concurrency`` client threads with a brand admin's token, one connection per request.

Reported per side: requests, wall time, requests/s, median and p95 latency (all requests of all
rounds pooled), the gunicorn workers' CPU time per request (user + system, read from /proc around
the measured requests) and the machine's 1-minute load average before and after; and the ratio of
the two sides' p95 within each round (run back to back, so least touched by a changing load), its
median and range.

Exactness: after each server stops (gracefully: each worker flushes what it counted when it
exits), the daily totals (``UsageDaily``) must have grown by exactly the number of ``302``
answers the server gave in that round, warm-up included, with counting on, and by nothing with
counting off. A mismatch is printed and the script exits with status 1.

Asserts no timing; run on demand, never part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.api import build, fetch, free_port, serve  # noqa: E402

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def configure() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "benchmarks.usage_settings"
    os.environ["LFCLOUD_BENCH_DB"] = "postgres"
    os.environ.setdefault(
        "LFCLOUD_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lfcloud_usage_bench"
    )


def workers_cpu(master: int) -> float:
    """User + system CPU seconds of the gunicorn master's children (its workers)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the ")": state ppid ... utime is field 14 of stat, i.e. index 11 here.
        if int(fields[1]) == master:
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


def counted_total() -> int:
    from django.db import connection
    from django.db.models import Sum

    from wagtail_lfcloud.models import UsageDaily

    total = UsageDaily.objects.aggregate(n=Sum("count"))["n"] or 0
    connection.close()
    return total


def run_requests(port: int, token: str, paths: list[str], concurrency: int):
    """Send ``paths`` from ``concurrency`` threads; returns (timings, statuses, wall seconds)."""
    timings: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    queue = iter(paths)

    def client() -> None:
        while True:
            with lock:
                path = next(queue, None)
            if path is None:
                return
            status, elapsed = fetch(port, path, token)
            with lock:
                timings.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for _ in range(concurrency):
            pool.submit(client)
    return timings, statuses, time.perf_counter() - start


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * 0.95) - 1)]


def one_side(args, token: str, counting: bool, targets: list[str], rng) -> dict:
    os.environ["LFCLOUD_BENCH_USAGE_COUNTING"] = "1" if counting else "0"
    before_total = counted_total()
    port = free_port()
    server = serve(port, "gunicorn", args.workers)
    try:
        warm = targets * 3
        rng.shuffle(warm)
        _t, warm_statuses, _w = run_requests(port, token, warm, args.concurrency)
        paths = [rng.choice(targets) for _ in range(args.requests)]
        load_before = os.getloadavg()[0]
        cpu_before = workers_cpu(server.pid)
        timings, statuses, wall = run_requests(port, token, paths, args.concurrency)
        cpu = workers_cpu(server.pid) - cpu_before
        load_after = os.getloadavg()[0]
    finally:
        server.terminate()  # SIGTERM: gunicorn stops gracefully, each worker flushes at exit
        server.wait(timeout=120)
    redirects = warm_statuses.get(302, 0) + statuses.get(302, 0)
    grown = counted_total() - before_total
    return {
        "counting": counting,
        "timings": timings,
        "statuses": statuses,
        "wall": wall,
        "cpu": cpu,
        "load": (load_before, load_after),
        "redirects": redirects,
        "grown": grown,
        "exact": grown == (redirects if counting else 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=1000)
    parser.add_argument("--angles", type=int, default=6)
    parser.add_argument("--hot", type=int, default=200, help="distinct targets requested")
    parser.add_argument("--requests", type=int, default=1500, help="per side and round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=2, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--reuse", action="store_true", help="keep the database already built")
    args = parser.parse_args()

    configure()
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

    rng = random.Random(22)
    angles = list(lfcloud_settings.ANGLES)[: args.angles]
    pairs = sorted({(rng.randrange(args.products), rng.choice(angles)) for _ in range(args.hot)})
    targets = [f"/lfcloud/api/v1/renditions/bench/B{p:06d}/{a}/amazon_main" for p, a in pairs]

    print(
        f"\nstable URL, counting on vs off: {args.products * args.angles} assets, "
        f"{len(targets)} hot targets, {args.rounds} rounds x {args.requests} requests per side, "
        f"{args.concurrency} client threads, gunicorn {args.workers} sync workers, PostgreSQL, "
        f"{os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M %Z')}",
        flush=True,
    )
    print(
        "| round | counting | req/s | median ms | p95 ms | worker CPU ms/req | load before/after "
        "| 302s sent | counted after flush |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    results = {True: [], False: []}
    ok = True
    for round_no in range(1, args.rounds + 1):
        order = (True, False) if round_no % 2 else (False, True)
        for counting in order:
            r = one_side(args, token, counting, targets, rng)
            results[counting].append(r)
            ok = ok and r["exact"] and set(r["statuses"]) == {302}
            n = len(r["timings"])
            print(
                f"| {round_no} | {'on' if counting else 'off'} | {n / r['wall']:.0f} | "
                f"{statistics.median(r['timings']) * 1000:.1f} | {p95(r['timings']) * 1000:.1f} | "
                f"{r['cpu'] / n * 1000:.2f} | {r['load'][0]:.2f} / {r['load'][1]:.2f} | "
                f"{r['redirects']} | {r['grown']}{'' if r['exact'] else ' MISMATCH'}"
                + ("" if set(r["statuses"]) == {302} else f" (answers: {r['statuses']})")
                + " |",
                flush=True,
            )

    print("\n| counting | requests | wall s | req/s | median ms | p95 ms | worker CPU ms/req |")
    print("|---|---|---|---|---|---|---|")
    summary = {}
    for counting in (False, True):
        runs = results[counting]
        timings = [t for r in runs for t in r["timings"]]
        wall = sum(r["wall"] for r in runs)
        cpu = sum(r["cpu"] for r in runs)
        summary[counting] = p95(timings)
        print(
            f"| {'on' if counting else 'off'} | {len(timings)} | {wall:.1f} | "
            f"{len(timings) / wall:.0f} | {statistics.median(timings) * 1000:.2f} | "
            f"{p95(timings) * 1000:.2f} | {cpu / len(timings) * 1000:.2f} |"
        )
    change = (summary[True] - summary[False]) / summary[False] * 100
    # Each round runs both sides back to back: their ratio is least touched by the machine's load
    # changing over the run.
    ratios = sorted(
        p95(on["timings"]) / p95(off["timings"])
        for on, off in zip(results[True], results[False], strict=True)
    )
    print(
        f"\np95 with counting on vs off: {change:+.1f} % (all requests pooled); "
        f"per round (on / off, back to back): median {(statistics.median(ratios) - 1) * 100:+.1f} %, "
        f"from {(ratios[0] - 1) * 100:+.1f} % to {(ratios[-1] - 1) * 100:+.1f} %"
    )
    sent = sum(r["redirects"] for r in results[True])
    counted = sum(r["grown"] for r in results[True])
    print(
        f"exactness: {sent} hits answered 302 with counting on, {counted} counted after the "
        f"flushes ({'exact' if ok else 'NOT EXACT'}); counting off added "
        f"{sum(r['grown'] for r in results[False])}"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
