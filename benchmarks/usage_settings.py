"""Settings for ``benchmarks/usage_counting.py``: the API benchmark's settings (PostgreSQL with
persistent connections) on their own database, with usage counting switched on or off by
``LFCLOUD_BENCH_USAGE_COUNTING`` (``1``/``0``). Nothing else differs between the two sides."""

import os

os.environ.setdefault(
    "LFCLOUD_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lfcloud_usage_bench"
)

from benchmarks.api_settings import *

WAGTAIL_LFCLOUD_USAGE_COUNTING = os.environ.get("LFCLOUD_BENCH_USAGE_COUNTING", "1") == "1"
WAGTAIL_LFCLOUD_USAGE_FLUSH_SECONDS = int(os.environ.get("LFCLOUD_BENCH_USAGE_FLUSH", "5"))
