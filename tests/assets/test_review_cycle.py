"""The whole cycle through the real admin views: upload, automatic compliance, changes requested
with a pinned comment, a second upload, approval through Wagtail's workflow action URL."""

import pytest
from django.urls import reverse
from wagtail.models import TaskState

from tests.factories import image_upload, make_asset
from wagtail_lfcloud.models import (
    AssetComment,
    BrandCollection,
    BrandLogEntry,
    ChannelRendition,
    VersionStatus,
)

pytestmark = pytest.mark.django_db

NAME = "SKU12345_2025-10_front.jpg"


def upload(client, brand, name, **kwargs):
    response = client.post(
        reverse("wagtail_lfcloud_admin:upload_file"),
        {"brand": brand.pk, "file": image_upload(name, **kwargs)},
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    return response.status_code, response.json()


def stage_of(image):
    return BrandCollection.objects.get(collection=image.collection_id).stage


def in_progress(asset):
    return (
        TaskState.objects.for_instance(asset)
        .filter(status="in_progress")
        .select_related("task")
        .get()
    )


def test_full_review_cycle(
    client, brand, product, workflow, studio, approver, django_capture_on_commit_callbacks
):
    asset = make_asset(product, "front", channels=["amazon_additional"])

    # The retoucher uploads v1; it passes the channel check and waits for the brand's approval.
    client.force_login(studio)
    status, body = upload(client, brand, NAME, size=(600, 600), color=(250, 250, 250))
    assert status == 200 and body["ok"], body
    assert body["version"] == 1 and body["status"] == "in_review"
    v1 = asset.versions.get(number=1)
    assert stage_of(v1.image) == "raw"
    step = in_progress(asset)
    assert step.task.name == "Brand approval"
    compliance = TaskState.objects.for_instance(asset).get(task__name="Channel compliance")
    assert compliance.status == "approved" and compliance.finished_by is None

    # The approver sees it, pins "dust here" on a region and requests changes.
    client.force_login(approver)
    page = client.get(reverse("wagtail_lfcloud_admin:asset_review", args=[asset.pk]))
    assert page.status_code == 200
    assert b'data-action="approve"' in page.content and b'data-action="reject"' in page.content
    response = client.post(
        reverse("wagtail_lfcloud_admin:asset_comment", args=[asset.pk, v1.pk]),
        {"text": "Dust here", "x": "0.1", "y": "0.2", "w": "0.3", "h": "0.25"},
    )
    assert response.status_code == 302
    pin = AssetComment.objects.get(version=v1)
    assert pin.region == (0.1, 0.2, 0.3, 0.25) and pin.author == approver
    reject_url = reverse(
        "wagtailsnippets_wagtail_lfcloud_asset:workflow_action", args=[asset.pk, "reject", step.pk]
    )
    response = client.post(reject_url, {"comment": "Please clean the dust"})
    assert response.status_code == 302
    v1.refresh_from_db()
    assert v1.status == VersionStatus.CHANGES_REQUESTED
    assert BrandLogEntry.objects.filter(
        action="wagtail_lfcloud.changes_requested", object_id=str(asset.pk)
    ).exists()

    # v2 is uploaded; reviewing it shows v1's pinned comment as earlier feedback.
    client.force_login(studio)
    status, body = upload(client, brand, NAME, size=(600, 600), color=(255, 255, 255))
    assert status == 200 and body["version"] == 2, body
    client.force_login(approver)
    page = client.get(reverse("wagtail_lfcloud_admin:asset_review", args=[asset.pk]))
    assert b"data-lfcloud-earlier" in page.content and b"Dust here" in page.content
    assert (
        f'data-pin="{pin.pk}"'.encode() in page.content
    )  # v1's pin shown over v2, to check the fix
    assert b"data-lfcloud-compare-previous" in page.content
    client.post(reverse("wagtail_lfcloud_admin:comment_resolve", args=[pin.pk]), {"resolved": "1"})
    pin.refresh_from_db()
    assert pin.resolved and pin.resolved_by == approver

    # Approve v2 through Wagtail's workflow action URL.
    step = in_progress(asset)
    approve_url = reverse(
        "wagtailsnippets_wagtail_lfcloud_asset:workflow_action", args=[asset.pk, "approve", step.pk]
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(approve_url, {"comment": "Lovely"})
    assert response.status_code == 302
    assert callbacks  # the channel set and the asset_approved signal wait for the commit

    v1.refresh_from_db()
    v2 = asset.versions.get(number=2)
    assert v2.status == VersionStatus.CURRENT
    assert v1.status == VersionStatus.SUPERSEDED  # kept, not deleted
    assert v2.approved_by == approver and v2.approved_at is not None
    assert stage_of(v2.image) == "finals"
    assert stage_of(v1.image) == "archive"
    asset.refresh_from_db()
    assert asset.current_version == v2
    assert BrandLogEntry.objects.filter(
        action="wagtail_lfcloud.version_approved", object_id=str(asset.pk)
    ).exists()
    # The channel set was generated in the background task (immediate backend in tests).
    rendition = ChannelRendition.objects.get(version=v2, channel="amazon_additional")
    assert rendition.status == ChannelRendition.Status.READY

    # Who approved what, and when, is on the history page for everyone who may see the asset.
    page = client.get(reverse("wagtail_lfcloud_admin:asset_versions", args=[asset.pk]))
    assert page.status_code == 200
    assert b"approver" in page.content and b'data-version-status="superseded"' in page.content


def test_compliance_failure_sends_the_version_back_with_reasons(
    client, brand, product, workflow, studio
):
    asset = make_asset(product, "front", channels=["amazon_additional"])
    client.force_login(studio)
    status, body = upload(client, brand, NAME, size=(64, 64))
    assert status == 200 and body["ok"]
    assert body["status"] == "changes_requested"
    assert "amazon_additional" in body["message"]
    state = TaskState.objects.for_instance(asset).get(task__name="Channel compliance")
    assert state.status == "rejected" and "amazon_additional" in state.comment


def test_a_brand_admin_alone_takes_an_asset_from_upload_to_approval(
    client, brand, product, workflow, django_capture_on_commit_callbacks
):
    """Nobody else on the brand: its admin uploads, requests changes, uploads again and approves,
    all through the admin URLs a person uses."""
    from tests.factories import make_user

    admin = make_user("boss", brand=brand, role="brand_admin")
    asset = make_asset(product, "front", channels=["amazon_additional"])
    client.force_login(admin)

    status, body = upload(client, brand, NAME, size=(600, 600), color=(250, 250, 250))
    assert status == 200 and body["status"] == "in_review", body
    v1 = asset.versions.get(number=1)

    # The dashboard lists it as awaiting their review; the review page offers both decisions.
    home = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("wagtail_lfcloud_admin:asset_review", args=[asset.pk]) in home or (
        f"/admin/snippets/wagtail_lfcloud/asset/edit/{asset.pk}/" in home
    )
    page = client.get(reverse("wagtail_lfcloud_admin:asset_review", args=[asset.pk]))
    assert page.status_code == 200
    assert b'data-action="approve"' in page.content and b'data-action="reject"' in page.content

    step = in_progress(asset)
    response = client.post(
        reverse(
            "wagtailsnippets_wagtail_lfcloud_asset:workflow_action",
            args=[asset.pk, "reject", step.pk],
        ),
        {"comment": "Brighter, please"},
    )
    assert response.status_code == 302
    v1.refresh_from_db()
    assert v1.status == VersionStatus.CHANGES_REQUESTED

    status, body = upload(client, brand, NAME, size=(600, 600), color=(255, 255, 255))
    assert status == 200 and body["version"] == 2, body
    step = in_progress(asset)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(
                "wagtailsnippets_wagtail_lfcloud_asset:workflow_action",
                args=[asset.pk, "approve", step.pk],
            ),
            {"comment": "Good"},
        )
    assert response.status_code == 302
    v2 = asset.versions.get(number=2)
    assert v2.status == VersionStatus.CURRENT and v2.approved_by == admin
    assert stage_of(v2.image) == "finals"


def test_a_brand_admin_decides_even_when_their_group_is_off_the_step(
    client, brand, product, workflow, studio
):
    from tests.factories import make_brand, make_user, role_group
    from wagtail_lfcloud.models import BrandApprovalTask, Role

    admin = make_user("boss", brand=brand, role="brand_admin")
    other_admin = make_user("rival", brand=make_brand("Other"), role="brand_admin")
    for task in BrandApprovalTask.objects.all():
        task.groups.remove(role_group(brand, Role.BRAND_ADMIN))
    asset = make_asset(product, "front")
    client.force_login(studio)
    upload(client, brand, NAME, size=(600, 600))
    step = in_progress(asset)
    task = step.task.specific
    assert task.get_actions(asset, admin)
    assert step in task.get_task_states_user_can_moderate(admin)
    # Another brand's admin does not decide here.
    assert not task.get_actions(asset, other_admin)
    assert step not in task.get_task_states_user_can_moderate(other_admin)


def test_the_migration_puts_existing_brand_admin_groups_on_the_step(brand, workflow):
    import importlib

    from django.apps import apps

    from tests.factories import role_group
    from wagtail_lfcloud.models import BrandApprovalTask, Role

    migration = importlib.import_module("wagtail_lfcloud.migrations.0005_brand_admins_review")
    admins = role_group(brand, Role.BRAND_ADMIN)
    task = BrandApprovalTask.objects.get(name="Brand approval")
    task.groups.remove(admins)  # as a database from before the change
    migration.add_brand_admin_groups(apps, None)
    assert admins in task.groups.all()
    migration.remove_brand_admin_groups(apps, None)
    assert admins not in task.groups.all()
    assert role_group(brand, Role.APPROVER) in task.groups.all()
