"""One lock order for everything that changes an asset's versions and review, and a retry for races.

**The lock order.** A transaction that changes an asset's versions, its workflow state, task states or
revisions takes, in this order:

1. the **asset** row, ``SELECT ... FOR UPDATE`` of that row only (:func:`lock_asset`), as its first
   statement that locks anything, before Wagtail's workflow code touches a row;
2. then the asset's **version** rows (``AssetVersion``);
3. then **workflow state** and **task state** rows (Wagtail's ``WorkflowState`` / ``TaskState``);
4. then **revision** rows (``Revision``), and last the brand's collection tree (``Brand`` row, only
   to create missing collections) and log entries.

Several assets are locked in primary-key order (:func:`lock_assets`). Because every path (upload,
approve, request changes, cancel, restore a revision, edit, purge) takes the asset row first, two of
them on one asset queue on that row instead of each holding a row the other needs.

**The retry.** PostgreSQL may still abort a transaction with a deadlock (``40P01``) or a
serialization failure (``40001``), e.g. with rows locked by code outside this package. The function
or view that *starts* the transaction is wrapped with :func:`retry_on_conflict` /
:func:`locked_asset_view`: the whole transaction is rolled back and run again (a few times, with a
short random pause), so the user gets the normal answer instead of a server error. Nested inside a
caller's transaction the wrapper does not retry (a savepoint cannot be replayed): the error reaches
the caller, which owns the transaction and its retry.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable, Iterable

from django.contrib.admin.utils import unquote
from django.contrib.messages.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, transaction

from ..models import Asset

logger = logging.getLogger(__name__)

#: SQLSTATE codes worth running the whole transaction again for.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})  # deadlock_detected, serialization_failure
#: How many times a transaction is run in all before the error is let through.
ATTEMPTS = 5


def lock_asset(asset_id: int):
    """Lock the asset row (that row only) and return the asset, read fresh under the lock.

    Must run inside a transaction, before anything else of the asset is locked or written.
    Taking it again in the same transaction is free.
    """
    if not connections[DEFAULT_DB_ALIAS].in_atomic_block:
        raise RuntimeError(
            "lock_asset() needs a transaction (transaction.atomic or retry_on_conflict)."
        )
    return Asset.objects.select_for_update(of=("self",)).get(pk=asset_id)


def lock_assets(asset_ids: Iterable[int]) -> list:
    """Lock several asset rows, always in primary-key order (two callers never cross)."""
    return list(
        Asset.objects.select_for_update(of=("self",)).filter(pk__in=set(asset_ids)).order_by("pk")
    )


def is_retryable(error: BaseException) -> bool:
    """A deadlock or serialization failure (anywhere in the exception's chain)."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        code = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
        if code in RETRYABLE_SQLSTATES:
            return True
        error = error.__cause__ or error.__context__
    return False


def run_with_retry(
    func: Callable, *args, using: str = DEFAULT_DB_ALIAS, on_retry: Callable | None = None, **kwargs
):
    """Run ``func`` in a transaction; run it again when the database aborts it for a race."""
    if connections[using].in_atomic_block:
        # The caller owns the transaction; only it can run it again.
        with transaction.atomic(using=using):
            return func(*args, **kwargs)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with transaction.atomic(using=using):
                return func(*args, **kwargs)
        except OperationalError as exc:
            if attempt == ATTEMPTS or not is_retryable(exc):
                raise
            logger.warning(
                "Transaction of %s aborted by a race (%s); attempt %s of %s",
                getattr(func, "__qualname__", func),
                exc.__cause__ or exc,
                attempt + 1,
                ATTEMPTS,
            )
            if on_retry is not None:
                on_retry()
            time.sleep(random.uniform(0.01, 0.05) * attempt)
    raise AssertionError("unreachable")


def retry_on_conflict(func: Callable) -> Callable:
    """Decorator: ``func`` runs in its own transaction, retried on deadlock / serialization failure."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return run_with_retry(func, *args, **kwargs)

    return wrapper


def locked_asset_view(view: Callable, pk_kwarg: str = "pk") -> Callable:
    """Wrap an admin view of one asset: a POST runs in one transaction that locks the asset first
    (before the view reads or writes anything of it), retried on a race. Other methods pass through."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method in ("GET", "HEAD", "OPTIONS") or pk_kwarg not in kwargs:
            return view(request, *args, **kwargs)

        try:
            asset_id = int(unquote(str(kwargs[pk_kwarg])))
        except (TypeError, ValueError):
            return view(request, *args, **kwargs)

        def attempt():
            try:
                lock_asset(asset_id)
            except Asset.DoesNotExist:
                pass  # the view answers 404 itself
            return view(request, *args, **kwargs)

        def forget_messages():
            # Messages queued by the aborted attempt describe work that was rolled back.
            if hasattr(request, "_messages"):
                request._messages = default_storage(request)

        return run_with_retry(attempt, on_retry=forget_messages)

    return wrapper
