"""Wagtail's own workflow emails, scoped: for assets the package decides who is mailed.

Wagtail connects four notifiers (``wagtail.admin.signal_handlers``) that mail, for any workflow:
every member of a group approval step's groups plus every superuser when a step starts,
every superuser when a workflow is submitted, and the submitter on approval and rejection.
For assets that crosses brands (one "Brand approval" step serves every brand) and doubles the
package's own emails. :func:`connect` puts a wrapper in place of each notifier, under Wagtail's
own ``dispatch_uid`` so the order of ``INSTALLED_APPS`` does not matter: pages and other
snippets still get Wagtail's emails unchanged; for an asset,

* a group approval step starting mails the people who can decide it for the asset's brand
  (``notifications.recipients.reviewers``), once each;
* workflow submitted, approved and rejected send nothing from Wagtail: the package's
  ``changes_requested`` and ``approved`` emails (``signals``) tell the studio and the uploader.
"""

from __future__ import annotations

import logging

from django.contrib.contenttypes.models import ContentType
from wagtail.models import AbstractGroupApprovalTask, TaskState, WorkflowState
from wagtail.signals import task_submitted, workflow_approved, workflow_rejected, workflow_submitted

from ..models import Asset
from .sending import notify_later

logger = logging.getLogger("wagtail_lfcloud.notifications")


def is_about_asset(instance) -> bool:
    """Whether a ``WorkflowState`` or ``TaskState`` is about an :class:`~wagtail_lfcloud.models.Asset`."""
    state = instance.workflow_state if isinstance(instance, TaskState) else instance
    if not isinstance(state, WorkflowState):
        return False
    return state.base_content_type_id == ContentType.objects.get_for_model(Asset).pk


def review_requested(task_state, user=None, **kwargs) -> None:
    """A step started on an asset: if people decide it, tell the brand's ones (after the commit)."""
    if isinstance(task_state.task.specific, AbstractGroupApprovalTask):
        notify_later("review", task_state.pk, actor=user)


class ScopedNotifier:
    """Wagtail's ``notifier`` for everything but assets; ``for_assets`` (or nothing) for assets."""

    def __init__(self, notifier, for_assets=None):
        self.notifier = notifier
        self.for_assets = for_assets

    def __call__(self, sender=None, instance=None, **kwargs):
        if instance is not None and is_about_asset(instance):
            if self.for_assets is not None:
                self.for_assets(instance, **kwargs)
            return True
        if self.notifier is None:
            return False
        return self.notifier(sender=sender, instance=instance, **kwargs)


def connect() -> None:
    try:
        # optional: a site may run without Wagtail's admin
        from wagtail.admin import signal_handlers as wagtail_handlers
    except ImportError:  # no Wagtail admin: no Wagtail emails to scope, only ours
        wagtail_handlers = None

    def notifier(name):
        return getattr(wagtail_handlers, name, None) if wagtail_handlers else None

    # (signal, sender, Wagtail's dispatch_uid, Wagtail's notifier, what assets get instead)
    wiring = [
        (
            task_submitted,
            TaskState,
            "group_approval_task_submitted_email_notification",
            notifier("task_submission_email_notifier"),
            review_requested,
        ),
        (
            workflow_submitted,
            WorkflowState,
            "workflow_state_submitted_email_notification",
            notifier("workflow_submission_email_notifier"),
            None,
        ),
        (
            workflow_rejected,
            WorkflowState,
            "workflow_state_rejected_email_notification",
            notifier("workflow_rejection_email_notifier"),
            None,
        ),
        (
            workflow_approved,
            WorkflowState,
            "workflow_state_approved_email_notification",
            notifier("workflow_approval_email_notifier"),
            None,
        ),
    ]
    for signal, sender, uid, wagtails, ours in wiring:
        signal.disconnect(sender=sender, dispatch_uid=uid)
        # Under Wagtail's uid: if wagtail.admin connects after us, its connect() is a no-op.
        signal.connect(ScopedNotifier(wagtails, ours), sender=sender, dispatch_uid=uid, weak=False)
