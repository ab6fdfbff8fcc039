"""Enqueue a task so that it never runs inside the request that asked for it.

With a queue backend (django-tasks-db, django-tasks-rq) enqueueing only writes a row or a
message, so :func:`enqueue_on_commit` enqueues as soon as the transaction commits. The immediate
backend (tests, the example site) runs the task *during* ``enqueue``: a slow or hanging receiver
would then hold the user's request. Inside a request, such tasks are kept until Django's
``request_finished`` signal, which the server sends once the response has been handed to the
client, and run then; outside a request (a command, a worker, a shell) they run on commit.

A task that fails to enqueue (or, immediate backend, fails while running) is logged; it never
raises into the request.
"""

from __future__ import annotations

import contextvars
import logging
from typing import Any

from django.core.signals import request_finished, request_started
from django.db import transaction

logger = logging.getLogger(__name__)

#: Tasks kept for the end of the current request; None outside a request.
_after_response: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "wagtail_lfcloud_after_response", default=None
)


def runs_on_enqueue(task) -> bool:
    """Whether ``task``'s backend runs it inside ``enqueue`` (the immediate backend)."""
    from django_tasks.backends.immediate import ImmediateBackend

    return isinstance(task.get_backend(), ImmediateBackend)


def _enqueue(task, args: tuple[Any, ...]) -> None:
    try:
        task.enqueue(*args)
    except Exception:  # the user's action succeeded; the task's own record says what is left
        logger.exception("Could not enqueue %s%r", task.name, args)


def enqueue_soon(task, *args: Any) -> None:
    """Enqueue now, or at the end of the current request if the backend would run it here."""
    pending = _after_response.get()
    if pending is not None and runs_on_enqueue(task):
        pending.append((task, args))
    else:
        _enqueue(task, args)


def enqueue_on_commit(task, *args: Any) -> None:
    """:func:`enqueue_soon` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue_soon(task, *args))


def _on_request_started(**kwargs) -> None:
    _after_response.set([])


def _on_request_finished(**kwargs) -> None:
    pending = _after_response.get()
    _after_response.set(None)
    for task, args in pending or ():
        _enqueue(task, args)


def connect() -> None:
    """Track requests (from ``signal_handlers.connect``)."""
    request_started.connect(_on_request_started, dispatch_uid="lfcloud_background_request_started")
    request_finished.connect(
        _on_request_finished, dispatch_uid="lfcloud_background_request_finished"
    )
