"""Emails leave the request: each notification is a django-tasks task queued after the commit.

The task finds the recipients and renders the mails when it runs, sends one mail per recipient
(addresses are never shared) and survives a failing mail server: the failure is logged, the
recipients it missed are tried again later when the task backend can defer a task
(``WAGTAIL_LFCLOUD_EMAIL_MAX_ATTEMPTS``, ``WAGTAIL_LFCLOUD_EMAIL_RETRY_SECONDS``), and after the
last run the task fails with :class:`EmailNotSent` so the backend's results show it. Nothing about
mail is ever raised into the request that caused it, also with the immediate backend, which runs
the task inside that request.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

from ..background import MAIL, queue, queued
from ..conf import lfcloud_settings
from .messages import build

logger = logging.getLogger("wagtail_lfcloud.notifications")


class EmailNotSent(Exception):
    """The mail server refused or could not be reached for some recipients, on the last run."""


def notify_later(kind: str, object_id: int, actor=None, **extra) -> None:
    """Queue the ``kind`` email about ``object_id`` once the current transaction commits.

    ``actor`` (a user or None) is who caused the event; they are not mailed about it.
    """
    actor_id = getattr(actor, "pk", None)
    transaction.on_commit(partial(_enqueue, kind, object_id, actor_id, extra), robust=True)


def _enqueue(
    kind: str,
    object_id: int,
    actor_id: int | None,
    extra: dict,
    recipient_ids=None,
    attempt=1,
    when=None,
):
    try:
        queued(send_notification, run_after=when).enqueue(
            kind, object_id, actor_id, extra, recipient_ids, attempt
        )
    except Exception:  # a task backend that is down must not fail the action that caused the email
        logger.exception("Could not queue the %r email about %s (run %s)", kind, object_id, attempt)


@queue(MAIL)
@task()
def send_notification(
    kind: str,
    object_id: int,
    actor_id: int | None = None,
    extra: dict | None = None,
    recipient_ids: list[int] | None = None,
    attempt: int = 1,
) -> dict:
    """Send the ``kind`` email (see ``notifications.messages.KINDS``) about ``object_id``.

    ``recipient_ids`` limits a retry to the people a failed run missed (they must still be on
    the list). Returns ``{"sent": [user ids], "failed": [user ids]}``.
    """
    built = build(kind, object_id, actor_id, extra or {})
    if built is None:
        return {"sent": [], "failed": []}
    users, subject, template, context = built
    if recipient_ids is not None:
        users = [user for user in users if user.pk in set(recipient_ids)]
    sent, failed = _send(users, subject, template, context)
    if failed:
        _after_failure(kind, object_id, actor_id, extra or {}, failed, attempt, subject)
    return {"sent": sent, "failed": failed}


def _send(users: list, subject: str, template: str, context: dict) -> tuple[list[int], list[int]]:
    sent: list[int] = []
    failed: list[int] = []
    if not users:
        return sent, failed
    try:
        connection = get_connection()
        connection.open()
    except Exception:
        logger.exception(
            "The mail server could not be reached for %r (%s recipients)", subject, len(users)
        )
        return sent, [user.pk for user in users]
    try:
        for user in users:
            try:
                body = render_to_string(template, {**context, "recipient": user})
                EmailMessage(
                    subject=subject,
                    body=body,
                    to=[user.email],
                    connection=connection,
                    headers={"Auto-Submitted": "auto-generated"},
                ).send()
            except Exception:
                logger.exception("Could not send %r to user %s", subject, user.pk)
                failed.append(user.pk)
            else:
                sent.append(user.pk)
    finally:
        try:
            connection.close()
        except Exception:  # a connection that breaks on QUIT has delivered already
            logger.warning("The mail connection did not close cleanly", exc_info=True)
    return sent, failed


def _after_failure(
    kind, object_id, actor_id, extra, failed: list[int], attempt: int, subject: str
) -> None:
    last = int(lfcloud_settings.EMAIL_MAX_ATTEMPTS)
    if attempt < last and send_notification.get_backend().supports_defer:
        when = timezone.now() + dt.timedelta(
            seconds=float(lfcloud_settings.EMAIL_RETRY_SECONDS) * 2 ** (attempt - 1)
        )
        logger.warning(
            "%r was not sent to %s recipient(s) (run %s of %s); trying again at %s",
            subject,
            len(failed),
            attempt,
            last,
            when.isoformat(),
        )
        _enqueue(kind, object_id, actor_id, extra, failed, attempt + 1, when)
        return
    logger.error(
        "%r was not sent to users %s (run %s of %s); giving up", subject, failed, attempt, last
    )
    raise EmailNotSent(f"{subject!r} was not sent to users {failed} after {attempt} run(s)")
