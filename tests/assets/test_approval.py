"""Approval: the approved version becomes current, stale and repeated approvals change nothing."""

import pytest
from django.urls import reverse
from wagtail.models import TaskState

from tests.factories import image_upload, make_asset, make_brand, make_image, make_user
from wagtail_lfcloud import signals
from wagtail_lfcloud.assets.uploads import upload_version
from wagtail_lfcloud.models import AssetVersion, BrandLogEntry, VersionStatus

pytestmark = pytest.mark.django_db

NAME = "SKU12345_2025-10_front.png"


def approval_step(asset):
    return TaskState.objects.for_instance(asset).filter(status="in_progress").get().specific


def action_url(asset, step, action="approve"):
    return reverse(
        "wagtailsnippets_wagtail_lfcloud_asset:workflow_action", args=[asset.pk, action, step.pk]
    )


def test_approval_supersedes_the_previous_current_version(
    brand, asset, studio, approver, django_capture_on_commit_callbacks
):
    received = []
    signals.asset_approved.connect(
        lambda **kw: received.append(kw), weak=False, dispatch_uid="test_approved"
    )
    try:
        for colour in ((1, 1, 1), (2, 2, 2)):
            upload_version(image_upload(NAME, color=colour), brand=brand, user=studio)
            step = approval_step(asset)
            with django_capture_on_commit_callbacks(execute=True):
                step.task.specific.on_action(step, approver, "approve")
    finally:
        signals.asset_approved.disconnect(dispatch_uid="test_approved")
    v1, v2 = asset.versions.order_by("number")
    assert (v1.status, v2.status) == (VersionStatus.SUPERSEDED, VersionStatus.CURRENT)
    assert v1.approved_by == approver  # who approved v1 stays on record
    assert [r["version"].number for r in received] == [1, 2]
    assert received[1]["previous"] == v1


def test_approving_a_version_that_is_no_longer_the_latest_does_not_make_it_current(
    brand, asset, studio, approver
):
    v1 = upload_version(image_upload(NAME), brand=brand, user=studio).version
    step = approval_step(asset)
    # A newer upload lands between the reviewer's click and the workflow finishing.
    v2 = AssetVersion.objects.create(
        asset=asset, number=2, image=make_image(), original_filename=NAME
    )
    step.task.specific.on_action(step, approver, "approve")
    v1.refresh_from_db()
    v2.refresh_from_db()
    assert v1.status == VersionStatus.SUPERSEDED and v1.approved_task_state_id == step.pk
    assert v2.status == VersionStatus.IN_REVIEW
    assert not asset.versions.filter(status=VersionStatus.CURRENT).exists()
    assert BrandLogEntry.objects.filter(
        action="wagtail_lfcloud.stale_approval", object_id=str(asset.pk)
    ).exists()


def test_the_admin_refuses_to_approve_a_replaced_version(client, brand, asset, studio, approver):
    upload_version(image_upload(NAME, color=(5, 5, 5)), brand=brand, user=studio)
    stale_step = approval_step(asset)
    upload_version(image_upload(NAME, color=(6, 6, 6)), brand=brand, user=studio)
    client.force_login(approver)
    response = client.post(action_url(asset, stale_step), follow=True)
    assert response.status_code == 200
    assert not asset.versions.filter(status=VersionStatus.CURRENT).exists()
    assert asset.versions.get(number=2).status == VersionStatus.IN_REVIEW


def test_approving_twice_leaves_one_current_version(client, brand, asset, studio, approver):
    upload_version(image_upload(NAME), brand=brand, user=studio)
    step = approval_step(asset)
    client.force_login(approver)
    first = client.post(action_url(asset, step))
    second = client.post(action_url(asset, step), follow=True)
    assert first.status_code == 302 and second.status_code == 200
    assert asset.versions.filter(status=VersionStatus.CURRENT).count() == 1
    assert BrandLogEntry.objects.filter(action="wagtail_lfcloud.version_approved").count() == 1


def test_approvers_of_another_brand_cannot_act(client, brand, asset, studio, approver):
    upload_version(image_upload(NAME), brand=brand, user=studio)
    step = approval_step(asset)
    outsider = make_user("outsider", brand=make_brand("Else"), role="approver")
    # Their group may act on the "Brand approval" step, but only for their own brand's assets:
    # nothing of Acme's awaits their review on the dashboard.
    assert step.task.specific.groups.filter(user=outsider).exists()
    assert not TaskState.objects.reviewable_by(outsider).exists()
    assert TaskState.objects.reviewable_by(approver).filter(pk=step.pk).exists()
    client.force_login(outsider)
    client.post(action_url(asset, step))
    assert not asset.versions.filter(status=VersionStatus.CURRENT).exists()
    step.refresh_from_db()
    assert step.status == "in_progress"
    assert (
        client.get(reverse("wagtail_lfcloud_admin:asset_review", args=[asset.pk])).status_code
        == 404
    )


def test_marketers_cannot_open_drafts(client, brand, asset, studio, marketer):
    upload_version(image_upload(NAME), brand=brand, user=studio)
    client.force_login(marketer)
    assert (
        client.get(reverse("wagtail_lfcloud_admin:asset_review", args=[asset.pk])).status_code
        == 404
    )
    assert (
        client.get(reverse("wagtail_lfcloud_admin:asset_versions", args=[asset.pk])).status_code
        == 404
    )


def test_default_workflow_is_idempotent_and_the_command_reports_it(brand, product):
    from io import StringIO

    from django.core.management import call_command
    from wagtail.models import Workflow

    from wagtail_lfcloud.assets.workflows import ensure_default_workflow

    first = ensure_default_workflow()
    assert ensure_default_workflow() == first
    out = StringIO()
    call_command("lfcloud_setup_workflow", stdout=out)
    assert Workflow.objects.filter(name="LF Cloud asset review").count() == 1
    assert "Channel compliance, Brand approval" in out.getvalue()
    assert make_asset(product, "side").get_workflow() == first
    # New approver groups may act on the approval step.
    approval = first.tasks.get(name="Brand approval").specific
    assert approval.groups.filter(lfcloud_role__brand=brand, lfcloud_role__role="approver").exists()


def test_signals_are_sent_after_commit(
    brand, asset, studio, approver, django_capture_on_commit_callbacks
):
    uploaded, sent_back = [], []
    signals.version_uploaded.connect(
        lambda **kw: uploaded.append(kw), weak=False, dispatch_uid="t_up"
    )
    signals.changes_requested.connect(
        lambda **kw: sent_back.append(kw), weak=False, dispatch_uid="t_cr"
    )
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            version = upload_version(image_upload(NAME), brand=brand, user=studio).version
        assert uploaded == []  # nothing before the commit
        for callback in callbacks:
            callback()
        assert [(kw["version"], kw["user"]) for kw in uploaded] == [(version, studio)]
        step = approval_step(asset)
        with django_capture_on_commit_callbacks(execute=True):
            step.task.specific.on_action(step, approver, "reject", comment="Too dark")
    finally:
        signals.version_uploaded.disconnect(dispatch_uid="t_up")
        signals.changes_requested.disconnect(dispatch_uid="t_cr")
    assert [(kw["version"], kw["user"], kw["comment"]) for kw in sent_back] == [
        (version, approver, "Too dark")
    ]
    version.refresh_from_db()
    assert version.status == VersionStatus.CHANGES_REQUESTED
