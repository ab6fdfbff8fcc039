"""Approval of asset versions through Wagtail workflows.

The default workflow, "LF Cloud asset review", has two steps:

1. ``ComplianceTask`` ("Channel compliance"): checks the submitted file against the source
   rules of every channel the asset is for, at once and with no person involved. Passing approves
   the step; failing requests changes with the reasons as the comment.
2. ``BrandApprovalTask`` ("Brand approval"), Wagtail's group approval limited to the asset's
   brand: the brand's approvers and brand admins approve or request changes (Wagtail's built-in
   reject with a comment). Every brand's Approver and Brand admin groups are on the step; a brand
   admin decides for their brand even if someone takes their group off it.

What happens to the versions is decided here, in handlers of Wagtail's workflow signals:

* approved -> :func:`apply_approval`: the approved revision's ``submitted_version`` becomes current
  (only if it is still the latest upload), earlier versions are superseded and archived, the image
  moves to the brand's finals, channel renditions are built in the background;
* rejected -> :func:`apply_changes_requested`: the version is marked ``changes_requested``.

Every change to an asset's versions happens under a row lock on the asset, in one transaction,
taken first (the lock order of :mod:`wagtail_lfcloud.storage.locking`): the views that start these
transactions lock the asset before Wagtail's workflow code runs; the handlers here lock it again
(free) for callers that act on task states directly.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import (
    AbstractGroupApprovalTask,
    TaskState,
    Workflow,
    WorkflowContentType,
    WorkflowState,
    WorkflowTask,
)

from .. import signals
from ..background import queued
from ..catalog.library import collection_for_product
from ..channels.compliance import check_source
from ..channels.errors import UnknownChannelError
from ..channels.tasks import build_channel_renditions_task
from ..models import (
    Asset,
    AssetVersion,
    BrandApprovalTask,
    BrandRole,
    ComplianceTask,
    Role,
    VersionStatus,
)
from ..models.assets import version_for_task_state
from ..storage.locking import lock_asset
from ..video.compliance import check_clip, failures
from ..video.presets import get_video_presets
from ..video.tasks import transcode_clip_channels

logger = logging.getLogger(__name__)

#: Names of the default workflow and its tasks (found by name, so an admin may rename copies).
DEFAULT_WORKFLOW_NAME = "LF Cloud asset review"
COMPLIANCE_TASK_NAME = "Channel compliance"
APPROVAL_TASK_NAME = "Brand approval"
FALLBACK_APPROVER_GROUP = "Moderators"


# --- the default workflow ------------------------------------------------------------------------


#: Roles whose groups are put on the default workflow's approval step: the roles with "review".
REVIEWER_ROLES = (Role.BRAND_ADMIN, Role.APPROVER)


def _reviewer_groups() -> list[Group]:
    groups = list(Group.objects.filter(lfcloud_role__role__in=REVIEWER_ROLES).order_by("name"))
    if not groups:
        groups = [Group.objects.get_or_create(name=FALLBACK_APPROVER_GROUP)[0]]
    return groups


@transaction.atomic
def ensure_default_workflow() -> Workflow:
    """Create the default asset workflow if missing and assign it to Asset if Asset has none.

    Idempotent: an existing workflow of that name is reused as the admin left it (its tasks and
    groups are not touched), and an existing assignment of another workflow to Asset is kept.
    """
    workflow = Workflow.objects.filter(name=DEFAULT_WORKFLOW_NAME).first()
    if workflow is None:
        workflow = Workflow.objects.create(name=DEFAULT_WORKFLOW_NAME, active=True)
        compliance = ComplianceTask.objects.create(name=COMPLIANCE_TASK_NAME)
        approval = BrandApprovalTask.objects.create(name=APPROVAL_TASK_NAME)
        approval.groups.set(_reviewer_groups())
        WorkflowTask.objects.create(workflow=workflow, task=compliance, sort_order=0)
        WorkflowTask.objects.create(workflow=workflow, task=approval, sort_order=1)
    content_type = ContentType.objects.get_for_model(Asset)
    if not WorkflowContentType.objects.filter(content_type=content_type).exists():
        WorkflowContentType.objects.create(content_type=content_type, workflow=workflow)
    return workflow


def add_reviewer_group(group: Group) -> None:
    """Put a brand's new Approver or Brand admin group on the default workflow's approval step.

    Brand scoping still applies: approving needs the "review" capability on the asset's brand.
    """
    workflow = Workflow.objects.filter(name=DEFAULT_WORKFLOW_NAME).first()
    if workflow is None:
        return
    for task in workflow.tasks.filter(active=True):
        task = task.specific
        if isinstance(task, AbstractGroupApprovalTask):
            task.groups.add(group)


# --- the compliance step --------------------------------------------------------------------------


#: Prefix of each warning line in the comment of a passed compliance step (read back by
#: :func:`compliance_warnings_of`).
WARNING_PREFIX = "Warning: "


def compliance_findings(
    version: AssetVersion, channels: list[str], *, strict: bool = False
) -> tuple[list[str], list[str]]:
    """``(problems, warnings)`` of ``version``'s file for ``channels``, one line per finding.

    Problems fail the step; warnings do not (with ``strict`` they are problems too).
    """
    clip = getattr(version, "clip", None)  # None: a photo
    if clip is not None:
        return _clip_findings(clip, channels)

    problems, warnings = [], []
    for key in channels:
        try:
            report = check_source(version.image, key)
        except UnknownChannelError:
            problems.append(_("%(channel)s: no such channel preset.") % {"channel": key})
            continue
        problems.extend(f"{key}: {result.message}" for result in report.failures)
        (problems if strict else warnings).extend(
            f"{key}: {result.message}" for result in report.warnings
        )
    return problems, warnings


def _clip_findings(clip, channels: list[str]) -> tuple[list[str], list[str]]:
    """A clip against its video channels' rules that no transcode can fix (too short, the
    wrong aspect, no sound where required, too small a picture); photo channels do not apply."""
    presets = get_video_presets()
    problems = []
    for key in channels:
        if key not in presets:
            problems.append(_("%(channel)s: no such video channel preset.") % {"channel": key})
            continue
        problems.extend(
            f"{key}: {r.message}"
            for r in failures(check_clip(clip, presets[key].rules, source=True))
        )
    return problems, []


def compliance_problems(
    version: AssetVersion, channels: list[str], *, strict: bool = False
) -> list[str]:
    """What is wrong with ``version``'s file for ``channels`` (empty when it passes)."""
    return compliance_findings(version, channels, strict=strict)[0]


def compliance_warnings_of(task_state: TaskState | None) -> list[str]:
    """The warnings a passed compliance step recorded in its comment (empty if none)."""
    if task_state is None or task_state.status != TaskState.STATUS_APPROVED:
        return []
    return [
        line[len(WARNING_PREFIX) :]
        for line in (task_state.comment or "").splitlines()
        if line.startswith(WARNING_PREFIX)
    ]


def run_compliance_check(task: ComplianceTask, task_state: TaskState) -> None:
    """Finish ``task_state`` at once: approve when the file meets every channel's source rules.

    A pass with warnings keeps them in the comment, one ``Warning: channel: message`` line each,
    so the uploader and the reviewers read them.
    """
    version = version_for_task_state(task_state)
    if version is None:
        task_state.reject(
            user=None, update=False, comment=_("No uploaded version was submitted for review.")
        )
        return
    channels = list(version.asset.channels or [])
    problems, warnings = compliance_findings(version, channels, strict=task.strict)
    if problems:
        task_state.reject(user=None, update=False, comment="\n".join(problems))
    elif channels:
        comment = _("Meets the rules of: %(channels)s.") % {"channels": ", ".join(channels)}
        task_state.approve(
            user=None,
            update=False,
            comment="\n".join([comment, *(WARNING_PREFIX + line for line in warnings)]),
        )
    else:
        task_state.approve(user=None, update=False, comment=_("No channels to check."))


# --- what approval and rejection do to versions --------------------------------------------------


def _asset_of(workflow_state: WorkflowState) -> Asset | None:
    if workflow_state.base_content_type_id != ContentType.objects.get_for_model(Asset).pk:
        return None
    return Asset.objects.filter(pk=workflow_state.object_id).first()


def _final_task_state(workflow_state: WorkflowState) -> TaskState | None:
    return workflow_state.current_task_state or (
        workflow_state.task_states.order_by("-finished_at", "-pk").first()
    )


def _version_decided(
    workflow_state: WorkflowState,
) -> tuple[Asset, AssetVersion, TaskState] | None:
    """The asset, the version its workflow's last task decided on and that task state (None when
    the workflow is not an asset's or its task state points at another asset's version)."""
    asset = _asset_of(workflow_state)
    if asset is None:
        return None
    task_state = _final_task_state(workflow_state)
    version = version_for_task_state(task_state) if task_state else None
    if version is None or version.asset_id != asset.pk:
        return None
    return asset, version, task_state


def _move(image, collection) -> None:
    if image.collection_id != collection.pk:
        image.collection = collection
        image.save(update_fields=["collection"])


@transaction.atomic
def apply_approval(workflow_state: WorkflowState, user=None) -> AssetVersion | None:
    """Make the approved version current. Returns it, or None if it was not made current.

    A version that is no longer the latest upload is not made current: the approval is recorded
    on it (``approved_task_state``, audit log ``wagtail_lfcloud.stale_approval``) and the newer
    version stays in review. Approving a version that is already current changes nothing, so two
    approvals at once leave exactly one current version.
    """
    decided = _version_decided(workflow_state)
    if decided is None:
        return None
    asset, version, task_state = decided
    # Serialise with uploads and other approvals of this asset.
    lock_asset(asset.pk)
    asset = Asset.objects.select_related("product__brand").get(pk=asset.pk)
    version.refresh_from_db()
    if version.status == VersionStatus.CURRENT:
        return None
    latest = asset.versions.aggregate(n=Max("number"))["n"]
    if version.number != latest:
        version.approved_task_state = task_state
        if version.status in (VersionStatus.IN_REVIEW, VersionStatus.CHANGES_REQUESTED):
            version.status = VersionStatus.SUPERSEDED
        version.save(update_fields=["approved_task_state", "status", "status_changed_at"])
        log(
            asset,
            "wagtail_lfcloud.stale_approval",
            user=user,
            data={"version": version.number, "latest": latest, "version_id": version.pk},
        )
        return None

    previous = asset.versions.filter(status=VersionStatus.CURRENT).select_related("image").first()
    archive = collection_for_product(asset.product, "archive")
    older = (
        asset.versions.exclude(pk=version.pk)
        .filter(
            status__in=[
                VersionStatus.CURRENT,
                VersionStatus.IN_REVIEW,
                VersionStatus.CHANGES_REQUESTED,
            ]
        )
        .select_related("image")
    )
    for old in older:
        old.status = VersionStatus.SUPERSEDED
        old.save(update_fields=["status", "status_changed_at"])
        _move(old.image, archive)
    version.status = VersionStatus.CURRENT
    version.approved_task_state = task_state
    version.save(update_fields=["status", "approved_task_state", "status_changed_at"])
    _move(version.image, collection_for_product(asset.product, "finals"))

    log(
        asset,
        "wagtail_lfcloud.version_approved",
        user=user,
        data={
            "version": version.number,
            "version_id": version.pk,
            "previous": previous.number if previous else None,
            "task_state_id": task_state.pk,
        },
    )
    if previous is not None:
        log(
            asset,
            "wagtail_lfcloud.version_superseded",
            user=user,
            data={"version": previous.number, "version_id": previous.pk, "by": version.number},
        )

    version_id, previous_id, channels = (
        version.pk,
        previous.pk if previous else None,
        list(asset.channels or []),
    )

    is_clip = hasattr(version, "clip")

    def after_commit():
        if channels:
            # A clip's channel files are transcodes, on the video queue.
            task = transcode_clip_channels if is_clip else build_channel_renditions_task
            queued(task).enqueue(version_id, channels)
        approved = AssetVersion.objects.select_related("asset").get(pk=version_id)
        signals.asset_approved.send(
            sender=Asset,
            asset=approved.asset,
            version=approved,
            previous=AssetVersion.objects.filter(pk=previous_id).first() if previous_id else None,
            user=user,
        )

    transaction.on_commit(after_commit)
    return version


@transaction.atomic
def apply_changes_requested(workflow_state: WorkflowState, user=None) -> AssetVersion | None:
    """Mark the rejected version ``changes_requested`` (if it is still in review)."""
    decided = _version_decided(workflow_state)
    if decided is None:
        return None
    asset, version, task_state = decided
    lock_asset(asset.pk)
    version.refresh_from_db()
    if version.status != VersionStatus.IN_REVIEW:
        return None
    version.status = VersionStatus.CHANGES_REQUESTED
    version.save(update_fields=["status", "status_changed_at"])
    comment = task_state.comment or ""
    log(
        asset,
        "wagtail_lfcloud.changes_requested",
        user=user,
        data={
            "version": version.number,
            "version_id": version.pk,
            "comment": comment,
            "task": task_state.task.name,
        },
    )
    version_id = version.pk

    def after_commit():
        signals.changes_requested.send(
            sender=AssetVersion,
            version=AssetVersion.objects.get(pk=version_id),
            user=user,
            comment=comment,
        )

    transaction.on_commit(after_commit)
    return version


def close_open_review(asset: Asset, user=None) -> None:
    """Cancel the asset's unfinished workflow before a newer version is submitted.

    Called by the upload service with the asset row already locked. The version that was in
    review is superseded by the new upload (kept, one click away); it can no longer be approved.
    """
    lock_asset(asset.pk)
    state = asset.current_workflow_state
    if state is not None and state.status in (
        WorkflowState.STATUS_IN_PROGRESS,
        WorkflowState.STATUS_NEEDS_CHANGES,
    ):
        state.cancel(user=user)

    replaced = list(
        asset.versions.filter(
            status__in=[VersionStatus.IN_REVIEW, VersionStatus.CHANGES_REQUESTED]
        ).select_related("image")
    )
    archive = collection_for_product(asset.product, "archive") if replaced else None
    for old in replaced:
        old.status = VersionStatus.SUPERSEDED
        old.save(update_fields=["status", "status_changed_at"])
        _move(old.image, archive)


# --- signal handlers (connected in signal_handlers.connect) --------------------------------------


def on_workflow_approved(sender, instance: WorkflowState, user=None, **kwargs) -> None:
    apply_approval(instance, user=user)


def on_workflow_rejected(sender, instance: WorkflowState, user=None, **kwargs) -> None:
    apply_changes_requested(instance, user=user)


def on_brand_role_saved(
    sender, instance: BrandRole, created: bool, raw: bool = False, **kwargs
) -> None:
    if created and not raw and instance.role in REVIEWER_ROLES:
        add_reviewer_group(instance.group)


def on_post_migrate(sender, **kwargs) -> None:
    if getattr(sender, "label", None) != "wagtail_lfcloud":
        return
    try:
        ensure_default_workflow()
    except Exception:  # noqa: BLE001 - a setup convenience must never break migrate
        logger.exception("Could not create the default LF Cloud asset workflow")
