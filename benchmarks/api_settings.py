"""Settings for ``benchmarks/api.py``: the test settings with a database a server subprocess can share."""

import os
import tempfile
from pathlib import Path

import dj_database_url

from tests.settings import *

if os.environ.get("LFCLOUD_BENCH_DB", "sqlite") == "postgres":
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ.get(
                "LFCLOUD_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lfcloud_api"
            ),
            # As docs/how-to/production.md configures it: persistent connections, so a request
            # does not pay PostgreSQL's connection set-up.
            conn_max_age=600,
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(Path(tempfile.gettempdir()) / "lfcloud_bench_api.sqlite3"),
        }
    }
MEDIA_ROOT = str(Path(tempfile.gettempdir()) / "lfcloud_bench_api_media")
# One client sends thousands of requests a minute: the per-token rate limit would answer 429.
# Throttling still runs (and costs what it costs), it just never refuses.
WAGTAIL_LFCLOUD_API_READ_RATE = "1000000/min"
