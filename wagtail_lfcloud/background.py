"""Enqueue a task so that it never runs inside the request that asked for it.

With a queue backend (django-tasks-db, django-tasks-rq) enqueueing only writes a row or a
message, so :func:`enqueue_on_commit` enqueues as soon as the transaction commits. The immediate
backend (tests, the example site) runs the task *during* ``enqueue``: a slow or hanging receiver
would then hold the user's request. Inside a request, such tasks are kept until Django's
``request_finished`` signal, which the server sends once the response has been handed to the
client, and run then; outside a request (a command, a worker, a shell) they run on commit.

A task that fails to enqueue (or, immediate backend, fails while running) is logged; it never
raises into the request.

Each task declares the queue of its kind of work (:func:`queue`): previews, channel sets,
bundles, webhooks, mail, video. Workers listening on separate queues keep a burst of uploads from
delaying approvals' renditions (docs/how-to/background-workers.md#queues). A backend whose
``QUEUES`` does not list a package queue runs that work on its ``default`` queue, as before.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
from typing import Any

from django.core.signals import request_finished, request_started
from django.db import transaction
from django_tasks.backends.immediate import ImmediateBackend

logger = logging.getLogger(__name__)

#: Admin previews and perceptual hashes of fresh uploads (``make_preview``,
#: ``generate_version_previews``).
PREVIEWS = "lfcloud_previews"
#: Channel sets of approved versions and channel files the API found missing.
CHANNELS = "lfcloud_channels"
#: Download bundles' zips.
BUNDLES = "lfcloud_bundles"
#: Webhook delivery attempts.
WEBHOOKS = "lfcloud_webhooks"
#: Notification emails.
MAIL = "lfcloud_mail"
#: Video work: clip previews for the review player and channel transcodes (heavy: its own
#: workers, docs/how-to/video.md).
VIDEO = "lfcloud_video"
#: Every queue the package's tasks declare, for ``TASKS[...]["QUEUES"]`` and ``RQ_QUEUES``.
QUEUES = (PREVIEWS, CHANNELS, BUNDLES, WEBHOOKS, MAIL, VIDEO)

#: Task module path -> its declared queue.
_declared: dict[str, str] = {}


def queue(name: str):
    """Declare, over ``@task()``, the queue that the task's kind of work runs on::

        @queue(CHANNELS)
        @task()
        def build_channel_renditions_task(...): ...

    The task itself keeps django-tasks' default queue: a backend validates a task's queue when the
    task is defined, and a site whose ``TASKS`` predates these queues must still import it.
    :func:`queued` moves each run to the declared queue when the backend has it.
    """
    if name not in QUEUES:
        raise ValueError(f"{name!r} is not one of the package's queues ({', '.join(QUEUES)})")

    def declare(task):
        _declared[task.module_path] = name
        return task

    return declare


def queue_of(task) -> str:
    """The queue ``task``'s runs go to with its current backend."""
    name = _declared.get(task.module_path)
    if name is None:
        return task.queue_name
    backend = task.get_backend()
    # An empty QUEUES accepts any queue name (django-tasks' rule).
    return name if not backend.queues or name in backend.queues else task.queue_name


def queued(task, *, run_after: dt.datetime | None = None):
    """``task`` on its declared queue (:func:`queue_of`), to run no earlier than ``run_after``
    (only backends whose ``supports_defer`` is true accept one).

    ``run_after`` is rounded up to a whole second: RQ's scheduler keeps whole seconds, truncated,
    so a run due at 12:00:00.7 would start at 12:00:00 and find a webhook retry not due yet.
    """
    if run_after is not None and run_after.microsecond:
        run_after = run_after.replace(microsecond=0) + dt.timedelta(seconds=1)
    return task.using(queue_name=queue_of(task), run_after=run_after)


#: Tasks kept for the end of the current request; None outside a request.
_after_response: contextvars.ContextVar[list | None] = contextvars.ContextVar(
    "wagtail_lfcloud_after_response", default=None
)


def runs_on_enqueue(task) -> bool:
    """Whether ``task``'s backend runs it inside ``enqueue`` (the immediate backend)."""
    return isinstance(task.get_backend(), ImmediateBackend)


def _enqueue(task, args: tuple[Any, ...]) -> None:
    try:
        queued(task).enqueue(*args)
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
