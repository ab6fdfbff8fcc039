"""Who is mailed at each step of an asset's workflow, with two brands sharing one approval step.

Each event goes through the real admin views (upload, Wagtail's workflow action URL) and the
assertion is on the exact recipients in ``mail.outbox``: the asset's brand's deciders once each,
nobody of the other brand, and superusers only when they hold a role or the setting asks for it.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from wagtail.models import GroupApprovalTask, Page, TaskState, Workflow, WorkflowTask

from tests.factories import (
    image_upload,
    make_asset,
    make_brand,
    make_product,
    make_user,
    role_group,
)
from wagtail_lfcloud.models import BrandApprovalTask, NotificationPreference, Role

pytestmark = pytest.mark.django_db

NAME = "SKU12345_2025-10_front.png"


@pytest.fixture
def other_brand(workflow):
    # Created after the workflow: its Approver and Brand admin groups join the shared step.
    return make_brand("Beta")


@pytest.fixture
def people(brand, other_brand):
    """Every role of both brands, and a superuser holding no role."""
    found = {"root": make_user("root", superuser=True)}
    for b, prefix in ((brand, "a"), (other_brand, "b")):
        for role in Role.values:
            found[f"{prefix}-{role}"] = make_user(f"{prefix}-{role}", brand=b, role=role)
    return found


@pytest.fixture
def assets(brand, other_brand, workflow):
    """The same SKU and angle in both brands (SKUs are unique per brand only)."""
    return {
        "a": make_asset(make_product(brand, "SKU12345"), "front"),
        "b": make_asset(make_product(other_brand, "SKU12345"), "front"),
    }


def approval_step():
    return BrandApprovalTask.objects.get(name="Brand approval")


def outbox():
    """Who got mail, by username part of the address, sorted, duplicates kept."""
    return sorted(m.to[0].split("@")[0] for m in mail.outbox)


_shades = iter(range(255, 0, -1))


def upload(client, user, brand, name=NAME, **kwargs):
    kwargs.setdefault("color", (next(_shades), 250, 250))  # a new file each time, never a duplicate
    client.force_login(user)
    response = client.post(
        reverse("wagtail_lfcloud_admin:upload_file"),
        {"brand": brand.pk, "file": image_upload(name, **kwargs)},
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    assert response.status_code == 200 and response.json()["ok"], response.content
    return response.json()


def act(client, user, asset, action, comment=""):
    client.force_login(user)
    step = TaskState.objects.for_instance(asset).get(status="in_progress")
    url = reverse(
        "wagtailsnippets_wagtail_lfcloud_asset:workflow_action", args=[asset.pk, action, step.pk]
    )
    response = client.post(url, {"comment": comment})
    assert response.status_code == 302, response.content
    return response


def test_the_shared_step_serves_both_brands(people, assets):
    # The situation the bug needs: one step whose groups hold both brands' deciders.
    groups = set(approval_step().groups.all())
    assert {
        role_group(assets[b].brand, role)
        for b in ("a", "b")
        for role in (Role.APPROVER, Role.BRAND_ADMIN)
    } <= groups


def test_every_workflow_event_mails_the_assets_brand_once(
    client, brand, people, assets, django_capture_on_commit_callbacks
):
    asset = assets["a"]

    # Submitted (upload -> compliance passes -> brand approval starts): the brand's deciders only.
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, people["a-studio"], brand)
    assert outbox() == ["a-approver", "a-brand_admin"]
    assert {m.subject for m in mail.outbox} == {"New upload to review: SKU12345 front v1"}
    assert all("a-studio uploaded version 1" in m.body for m in mail.outbox)
    mail.outbox.clear()

    # Changes requested: the studio (who uploaded), once; not Wagtail's "rejected" on top.
    with django_capture_on_commit_callbacks(execute=True):
        act(client, people["a-approver"], asset, "reject", "Too dark")
    assert outbox() == ["a-studio"]
    assert "Too dark" in mail.outbox[0].body
    mail.outbox.clear()

    # A brand admin uploads v2 (the other decider is told, not the uploader), the approver
    # approves it: studio and uploader, once each.
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, people["a-brand_admin"], brand)
    assert outbox() == ["a-approver"]
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        act(client, people["a-approver"], asset, "approve")
    assert outbox() == ["a-brand_admin", "a-studio"]
    assert all(m.subject == "Approved: SKU12345 front v2" for m in mail.outbox)


def test_the_other_brand_and_superusers_hear_nothing(
    client, brand, other_brand, people, assets, django_capture_on_commit_callbacks
):
    steps = [
        lambda: upload(client, people["a-studio"], brand),
        lambda: act(client, people["a-approver"], assets["a"], "reject", "Too dark"),
        lambda: upload(client, people["a-studio"], brand),
        lambda: act(client, people["a-approver"], assets["a"], "approve"),
    ]
    for step in steps:  # each request commits before the next, as on a live site
        with django_capture_on_commit_callbacks(execute=True):
            step()
    mailed = set(outbox())
    assert mailed == {"a-approver", "a-brand_admin", "a-studio"}
    assert not any(name.startswith("b-") or name == "root" for name in mailed)
    assert not any("SKU12345" in m.body and m.to[0].startswith("b-") for m in mail.outbox)

    # ... and the other way round.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, people["b-studio"], other_brand)
    assert outbox() == ["b-approver", "b-brand_admin"]


def test_a_compliance_failure_tells_the_studio_and_not_the_reviewers(
    client, brand, people, workflow, django_capture_on_commit_callbacks
):
    make_asset(make_product(brand, "SKU777"), "front", channels=["amazon_additional"])
    make_user("a-retoucher", brand=brand, role=Role.STUDIO)
    with django_capture_on_commit_callbacks(execute=True):
        body = upload(client, people["a-studio"], brand, "SKU777_2025-10_front.png", size=(64, 64))
    assert body["status"] == "changes_requested"
    # The uploader read the reasons in the upload's answer; the rest of the studio is mailed.
    assert outbox() == ["a-retoucher"]
    assert "amazon_additional" in mail.outbox[0].body


def test_brand_admins_decide_and_are_mailed_even_off_the_step(
    client, brand, other_brand, people, assets, django_capture_on_commit_callbacks
):
    # Someone took the Brand admin groups off the step in Wagtail's workflow editor: a brand
    # admin still decides for their brand, so they are still told.
    step = approval_step()
    step.groups.remove(
        role_group(brand, Role.BRAND_ADMIN), role_group(other_brand, Role.BRAND_ADMIN)
    )
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, people["a-studio"], brand)
    assert outbox() == ["a-approver", "a-brand_admin"]


def test_someone_with_both_deciding_roles_is_mailed_once(
    client, brand, people, assets, django_capture_on_commit_callbacks
):
    people["a-approver"].groups.add(role_group(brand, Role.BRAND_ADMIN))
    people["a-brand_admin"].groups.add(role_group(brand, Role.APPROVER))
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, people["a-studio"], brand)
    assert outbox() == ["a-approver", "a-brand_admin"]


def test_superusers_are_mailed_only_where_they_hold_a_role_or_by_setting(
    client, brand, people, assets, django_capture_on_commit_callbacks
):
    make_user("boss", superuser=True, brand=brand, role=Role.APPROVER)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, people["a-studio"], brand)
    assert outbox() == ["a-approver", "a-brand_admin", "boss"]
    mail.outbox.clear()

    with (
        override_settings(WAGTAIL_LFCLOUD_NOTIFY_SUPERUSERS=True),
        django_capture_on_commit_callbacks(execute=True),
    ):
        upload(client, people["a-studio"], brand)
    assert outbox() == ["a-approver", "a-brand_admin", "boss", "root"]


def test_opting_out_in_either_place_stops_the_review_email(
    client, brand, people, assets, django_capture_on_commit_callbacks
):
    from wagtail.users.models import UserProfile

    second = make_user("a-approver2", brand=brand, role=Role.APPROVER)
    NotificationPreference.objects.create(user=people["a-approver"], on_upload=False)
    NotificationPreference.objects.create(user=people["a-brand_admin"], on_upload=False)
    profile = UserProfile.get_for_user(second)
    profile.submitted_notifications = False
    profile.save()
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, people["a-studio"], brand)
    assert outbox() == []


def test_pages_still_get_wagtails_own_emails(people, django_capture_on_commit_callbacks):
    # The scoping is for assets only: a page submitted to a group approval step mails that group.
    moderators = role_group(make_brand("Gamma"), Role.APPROVER)
    moderator = make_user("moderator")
    moderator.groups.add(moderators)
    workflow = Workflow.objects.create(name="Pages")
    task = GroupApprovalTask.objects.create(name="Moderation")
    task.groups.set([moderators])
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    page = Page.get_first_root_node().add_child(instance=Page(title="About", slug="about-emails"))
    page.save_revision(user=people["a-studio"])
    with django_capture_on_commit_callbacks(execute=True):
        workflow.start(page, people["a-studio"])
    # Wagtail's notifier: the group and (its default) every superuser.
    assert "moderator" in outbox() and "root" in outbox()
    assert any("About" in m.subject for m in mail.outbox)
