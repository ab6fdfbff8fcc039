"""A failing webhook receiver never holds a user's action (issue 14.6).

With the immediate task backend (the example site's), "Approve" and "Send for review" used to
send the webhook, and sleep between retries, inside the request. Here the receiver is down (a
closed port), answers 500, or accepts the connection and never answers; each action returns its
normal answer, every delivery attempt happens only after the response was complete, nothing
sleeps, and the failure is in the delivery log with its retry time.

Transactional tests: the events are sent when the action's transaction really commits, as on a
site.
"""

from __future__ import annotations

import base64
import threading
import time

import pytest
from django.contrib.auth.models import Permission
from django.core.handlers.base import BaseHandler
from django.urls import reverse
from wagtail.models import Collection, TaskState

from tests.factories import image_upload, make_asset, make_brand, make_product, make_user
from wagtail_lfcloud.assets.uploads import upload_version
from wagtail_lfcloud.assets.workflows import ensure_default_workflow
from wagtail_lfcloud.delivery import outbound
from wagtail_lfcloud.models import (
    Order,
    OrderStatus,
    Role,
    VersionStatus,
    WebhookDelivery,
    WebhookEndpoint,
)

from .receivers import Receiver, closed_port

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()


@pytest.fixture
def site(settings):
    settings.WAGTAIL_LFCLOUD_WEBHOOK_ALLOWED_NETWORKS = [
        "127.0.0.1/32"
    ]  # the failing receivers are local
    settings.WAGTAIL_LFCLOUD_WEBHOOK_TIMEOUT = 0.5
    # A transactional test starts from a flushed database: Wagtail's root collection is gone.
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    ensure_default_workflow()
    brand = make_brand("Acme")
    return {
        "brand": brand,
        "asset": make_asset(make_product(brand, "SKU12345"), "front"),
        "studio": make_user("studio", brand=brand, role=Role.STUDIO),
        "approver": make_user("approver", brand=brand, role=Role.APPROVER),
        "admin": make_user("acme_admin", brand=brand, role=Role.BRAND_ADMIN),
    }


@pytest.fixture(params=["closed port", "HTTP 500", "hangs"])
def failing_url(request):
    if request.param == "closed port":
        yield f"http://127.0.0.1:{closed_port()}/hook"
        return
    server = Receiver(statuses=[500 if request.param == "HTTP 500" else "hang"] * 5)
    yield server.url
    server.close()


@pytest.fixture
def timeline(monkeypatch):
    """Records, for every webhook attempt, whether the response to the user was already complete;
    and fails the test if anything sleeps."""
    state = {"response_ready": threading.Event(), "attempts_after_response": [], "sleeps": []}
    real_get_response, real_post = BaseHandler.get_response, outbound.post

    def get_response(self, request):
        state["response_ready"].clear()
        response = real_get_response(self, request)
        state["response_ready"].set()
        return response

    def post(*args, **kwargs):
        state["attempts_after_response"].append(state["response_ready"].is_set())
        return real_post(*args, **kwargs)

    monkeypatch.setattr(BaseHandler, "get_response", get_response)
    monkeypatch.setattr(outbound, "post", post)
    monkeypatch.setattr(time, "sleep", lambda seconds: state["sleeps"].append(seconds))
    return state


def assert_failure_logged(client, site, event):
    delivery = WebhookDelivery.objects.get(event=event)
    assert (delivery.status, delivery.attempts) == ("retry", 1)
    assert delivery.last_error and delivery.next_attempt_at > delivery.last_attempt_at
    assert delivery.duration_ms is not None
    # The brand admin sees it in the delivery log, with the retry time.
    site["admin"].user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="wagtail_lfcloud", codename="view_webhookdelivery"
        )
    )
    client.force_login(site["admin"])
    log = client.get(reverse("wagtailsnippets_wagtail_lfcloud_webhookdelivery:list"))
    assert event in log.content.decode() and "Retry pending" in log.content.decode()


def test_approve_returns_at_once_with_the_receiver_failing(client, site, failing_url, timeline):
    WebhookEndpoint.objects.create(brand=site["brand"], name="ERP", url=failing_url, secret=SECRET)
    upload_version(
        image_upload("SKU12345_2025-10_front.png"), brand=site["brand"], user=site["studio"]
    )
    step = TaskState.objects.for_instance(site["asset"]).filter(status="in_progress").get()
    client.force_login(site["approver"])

    response = client.post(
        reverse(
            "wagtailsnippets_wagtail_lfcloud_asset:workflow_action",
            args=[site["asset"].pk, "approve", step.pk],
        )
    )

    assert response.status_code == 302
    assert site["asset"].versions.get().status == VersionStatus.CURRENT
    assert timeline["attempts_after_response"] == [True]  # one attempt, after the answer
    assert timeline["sleeps"] == []
    assert_failure_logged(client, site, "asset.approved")


def test_send_for_review_returns_at_once_with_the_receiver_failing(
    client, site, failing_url, timeline
):
    WebhookEndpoint.objects.create(
        brand=site["brand"],
        name="ERP",
        url=failing_url,
        secret=SECRET,
        events=["order.status_changed"],
    )
    order = Order.objects.create(
        brand=site["brand"], title="Shoot", currency="EUR", status=OrderStatus.IN_PRODUCTION
    )
    client.force_login(site["studio"])

    response = client.post(
        reverse("wagtail_lfcloud_admin:order_transition", args=[order.pk, OrderStatus.IN_REVIEW])
    )

    assert response.status_code == 302
    assert Order.objects.get(pk=order.pk).status == OrderStatus.IN_REVIEW
    assert timeline["attempts_after_response"] == [True]
    assert timeline["sleeps"] == []
    assert_failure_logged(client, site, "order.status_changed")
