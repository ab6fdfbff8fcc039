"""Counting deliveries without slowing them: in memory per process, flushed into daily totals.

The delivery paths call :func:`count` (a dict increment under a lock: no query, no cache round
trip). Every ``WAGTAIL_LFCLOUD_USAGE_FLUSH_SECONDS`` a daemon thread of the process (and the
process itself when it exits) calls :func:`flush`, which adds the counts to
:class:`~wagtail_lfcloud.models.UsageDaily` with one ``INSERT ... ON CONFLICT DO UPDATE SET count =
count + excluded.count`` per row: no row per hit, and totals stay exact with any number of
processes, because each process adds only what it counted and forgets it once written. A failed
write puts the counts back for the next flush. Rows are written in the order of their key, so two
processes flushing the same rows at once wait for each other instead of deadlocking.

``WAGTAIL_LFCLOUD_USAGE_COUNTING = False`` turns counting off; ``WAGTAIL_LFCLOUD_USAGE_FLUSH_SECONDS
= 0`` starts no thread (the process flushes when it exits, or when the caller says).
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import threading
import time
from collections import Counter

from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from ..conf import lfcloud_settings
from ..models import AssetVersion, UsageDaily

logger = logging.getLogger(__name__)

#: (brand_id, asset_id, version_id, channel, kind, day) -> hits not flushed yet.
Key = tuple[int, int, int, str, str, dt.date]

_counts: Counter[Key] = Counter()
_lock = threading.Lock()
_flusher: threading.Thread | None = None
_flusher_lock = threading.Lock()


def count(brand_id: int, asset_id: int, version_id: int, channel: str, kind: str, n: int = 1):
    """Count ``n`` deliveries of a version's ``channel`` file (``""``: the original) by ``kind``."""
    if not lfcloud_settings.USAGE_COUNTING:
        return
    key = (brand_id, asset_id, version_id, channel, kind, timezone.now().date())
    with _lock:
        _counts[key] += n
    if _flusher is None and lfcloud_settings.USAGE_FLUSH_SECONDS:
        _start_flusher()


def pending() -> int:
    """Hits counted in this process and not flushed yet."""
    with _lock:
        return sum(_counts.values())


def _take() -> Counter[Key]:
    global _counts
    with _lock:
        taken, _counts = _counts, Counter()
    return taken


def _give_back(taken: Counter[Key]) -> None:
    with _lock:
        _counts.update(taken)


def flush() -> int:
    """Add this process's counts to the daily totals; returns the hits written."""
    taken = _take()
    if not taken:
        return 0

    table = connection.ops.quote_name(UsageDaily._meta.db_table)
    sql = (
        f"INSERT INTO {table} (brand_id, asset_id, version_id, channel, kind, day, count) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (version_id, channel, kind, day) "
        f"DO UPDATE SET count = {table}.count + excluded.count"
    )
    # Sorted by the unique key: processes flushing the same rows at once then lock them in the same
    # order, so one waits for the other instead of deadlocking (PostgreSQL would abort one).
    rows = sorted((*key, n) for key, n in taken.items())
    try:
        with transaction.atomic():
            # Versions deleted since they were counted are skipped (their rows would fail the FK).
            alive = set(
                AssetVersion.objects.filter(pk__in={r[2] for r in rows}).values_list(
                    "pk", flat=True
                )
            )
            with connection.cursor() as cursor:
                cursor.executemany(sql, [r for r in rows if r[2] in alive])
    except Exception:
        logger.exception("Usage counts not written; kept for the next flush")
        _give_back(taken)
        return 0
    return sum(taken.values())


def _run_flusher() -> None:
    while True:
        time.sleep(max(1.0, float(lfcloud_settings.USAGE_FLUSH_SECONDS)))
        try:
            close_old_connections()
            flush()
        finally:
            close_old_connections()


def _start_flusher() -> None:
    global _flusher
    with _flusher_lock:
        if _flusher is not None:
            return
        _flusher = threading.Thread(target=_run_flusher, name="lfcloud-usage-flush", daemon=True)
        _flusher.start()
        atexit.register(_flush_at_exit)


def _flush_at_exit(attempts: int = 5) -> None:
    """Write what is left when the process exits; a refused write is retried (there is no next
    flush), and what still fails is logged with the number of hits lost."""
    for attempt in range(attempts):
        try:
            flush()
        except Exception:  # noqa: BLE001 - the interpreter is going away; log and let it
            logger.exception("Usage counts not written at exit")
        if not pending():
            return
        time.sleep(0.2 * (attempt + 1))
    logger.error("Usage counts lost at exit: %d hits", pending())
