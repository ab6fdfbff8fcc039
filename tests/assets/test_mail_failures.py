"""A mail server that is down never fails the action that mails.

The site uses the immediate task backend (as the example site does), so the email task runs in
the request, after the commit, exactly where a failure used to surface as a 500 after the row
was stored. Every action that mails must answer normally, store its row once, and log what was
not sent. Transactional: ``on_commit`` runs inside the request, as in production.
"""

from __future__ import annotations

import logging
import socket

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.test import override_settings
from django.urls import reverse
from wagtail.models import Collection, TaskState

from tests.factories import image_upload, make_asset, make_brand, make_product, make_user
from tests.orders.conftest import make_order
from wagtail_lfcloud.assets.workflows import ensure_default_workflow
from wagtail_lfcloud.models import AssetVersion, OrderMessage, Role, VersionStatus

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "SKU12345_2025-10_front.png"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_down():
    """Real SMTP to a local port nobody listens on: every connection is refused."""
    with override_settings(
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=closed_port(),
        EMAIL_TIMEOUT=5,
    ):
        yield


@pytest.fixture
def site():
    # A transactional test starts from a flushed database: Wagtail's root collection is gone.
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    ensure_default_workflow()
    brand = make_brand("Acme")
    people = {role: make_user(f"{role}-user", brand=brand, role=role) for role in Role.values}
    asset = make_asset(make_product(brand, "SKU12345"), "front")
    return brand, people, asset


def mail_errors(caplog):
    return [
        r
        for r in caplog.records
        if r.name == "wagtail_lfcloud.notifications" and r.levelno >= logging.ERROR
    ]


def upload(client, user, brand, color):
    client.force_login(user)
    return client.post(
        reverse("wagtail_lfcloud_admin:upload_file"),
        {"brand": brand.pk, "file": image_upload(NAME, color=color)},
        headers={"x-requested-with": "XMLHttpRequest"},
    )


def act(client, user, asset, action, comment=""):
    client.force_login(user)
    step = TaskState.objects.for_instance(asset).get(status="in_progress")
    url = reverse(
        "wagtailsnippets_wagtail_lfcloud_asset:workflow_action", args=[asset.pk, action, step.pk]
    )
    return client.post(url, {"comment": comment})


def test_an_order_message_is_stored_once_and_answered_normally(client, site, smtp_down, caplog):
    brand, people, _asset = site
    order = make_order(brand)
    client.force_login(people[Role.STUDIO])
    url = reverse("wagtail_lfcloud_admin:order_detail", args=[order.pk])
    response = client.post(url, {"body": "Can we reshoot the heel?"})
    assert response.status_code == 302 and response.url.startswith(url)
    assert OrderMessage.objects.filter(body="Can we reshoot the heel?").count() == 1
    assert mail_errors(caplog), "the failure must be logged"


def test_submission_changes_requested_and_approval_answer_normally(client, site, smtp_down, caplog):
    brand, people, asset = site

    # Submission: the approver would be mailed.
    response = upload(client, people[Role.STUDIO], brand, (250, 250, 250))
    assert response.status_code == 200 and response.json()["version"] == 1, response.content
    assert mail_errors(caplog)
    caplog.clear()

    # Changes requested: the studio would be mailed.
    response = act(client, people[Role.APPROVER], asset, "reject", "Too dark")
    assert response.status_code == 302
    assert AssetVersion.objects.get(asset=asset, number=1).status == VersionStatus.CHANGES_REQUESTED
    assert mail_errors(caplog)
    caplog.clear()

    # Approval of v2: the studio would be mailed.
    assert upload(client, people[Role.STUDIO], brand, (255, 255, 255)).status_code == 200
    caplog.clear()
    response = act(client, people[Role.APPROVER], asset, "approve")
    assert response.status_code == 302
    assert mail_errors(caplog)
    assert list(asset.versions.order_by("number").values_list("number", "status")) == [
        (1, VersionStatus.SUPERSEDED),
        (2, VersionStatus.CURRENT),
    ]


class RefusesOneAddress(LocmemBackend):
    """A mail server that refuses one recipient and delivers the rest."""

    def send_messages(self, messages):
        for message in messages:
            if "approver" in message.to[0]:
                raise OSError("550 mailbox unavailable")
        return super().send_messages(messages)


def test_one_refused_recipient_does_not_stop_the_others(client, site, caplog):
    brand, people, _asset = site
    order = make_order(brand)
    client.force_login(people[Role.STUDIO])
    with override_settings(EMAIL_BACKEND="tests.assets.test_mail_failures.RefusesOneAddress"):
        response = client.post(
            reverse("wagtail_lfcloud_admin:order_detail", args=[order.pk]), {"body": "Hello"}
        )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["brand_admin-user@example.com"]]
    errors = mail_errors(caplog)
    assert errors and str(people[Role.APPROVER].pk) in errors[-1].getMessage()
