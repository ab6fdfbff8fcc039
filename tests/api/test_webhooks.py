"""Webhooks: signed POSTs to a real local HTTP server, retries with backoff, brand isolation, admin."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test.utils import override_settings
from django.urls import reverse

from tests.factories import make_user
from wagtail_lfcloud import signals, webhooks
from wagtail_lfcloud.models import ChannelRendition, Order, Role, WebhookDelivery, WebhookEndpoint

SECRET = "s3cret-for-tests"


class Receiver:
    """A local HTTP server that records requests and answers with the queued status codes."""

    def __init__(self, statuses=()):
        self.requests: list[dict] = []
        self.statuses = list(statuses)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": self.headers, "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def endpoint(brand, receiver):
    return WebhookEndpoint.objects.create(
        brand=brand, name="Storefront", url=receiver.url, secret=SECRET
    )


@pytest.fixture
def other_endpoint(other_brand, receiver):
    return WebhookEndpoint.objects.create(
        brand=other_brand, name="Globex", url=receiver.url + "/globex", secret="x"
    )


def test_verify_signature():
    body = b'{"a":1}'
    header = webhooks.sign(SECRET, body, timestamp=1_000_000)
    assert webhooks.verify_signature(SECRET, header, body, now=1_000_100)
    assert not webhooks.verify_signature(SECRET, header, body + b" ", now=1_000_100)
    assert not webhooks.verify_signature("other", header, body, now=1_000_100)
    assert not webhooks.verify_signature(
        SECRET, header, body, now=1_000_000 + 301
    )  # too old: replay
    assert not webhooks.verify_signature(SECRET, "garbage", body)
    assert not webhooks.verify_signature(SECRET, "", body)


@pytest.mark.django_db
def test_asset_approved_is_signed_and_sent_to_own_brand_only(
    approved_asset, endpoint, other_endpoint, receiver, django_capture_on_commit_callbacks
):
    version = approved_asset.versions.get()
    with django_capture_on_commit_callbacks(execute=True):
        signals.asset_approved.send(
            sender=type(approved_asset),
            asset=approved_asset,
            version=version,
            previous=None,
            user=None,
        )
    (request,) = receiver.requests
    assert request["headers"]["X-LFCloud-Event"] == "asset.approved"
    assert webhooks.verify_signature(
        SECRET, request["headers"]["X-LFCloud-Signature"], request["body"]
    )
    payload = json.loads(request["body"])
    assert payload["brand"] == "acme"
    assert payload["data"]["asset"]["sku"] == "SKU12345"
    assert payload["data"]["version"]["number"] == 1
    assert payload["data"]["stable_urls"]["amazon_main"].endswith(
        "/lfcloud/api/renditions/acme/SKU12345/front/amazon_main"
    )
    delivery = WebhookDelivery.objects.get()
    assert (delivery.endpoint, delivery.status, delivery.attempts, delivery.response_status) == (
        endpoint,
        "delivered",
        1,
        200,
    )


@pytest.mark.django_db
def test_rendition_ready_and_order_status_events(
    brand, approved_asset, endpoint, receiver, django_capture_on_commit_callbacks
):
    endpoint.events = ["rendition.ready", "order.status_changed"]
    endpoint.save()
    row = ChannelRendition.objects.get(channel="amazon_main")
    order = Order.objects.create(brand=brand, number="ACME-9", title="Shoot", currency="EUR")
    with django_capture_on_commit_callbacks(execute=True):
        signals.rendition_ready.send(sender=ChannelRendition, channel_rendition=row)
        signals.order_status_changed.send(
            sender=Order, order=order, old_status="draft", new_status="submitted", user=None
        )
        # Not subscribed: not sent.
        signals.asset_approved.send(
            sender=None, asset=approved_asset, version=row.version, previous=None, user=None
        )
    events = [json.loads(r["body"]) for r in receiver.requests]
    assert [e["event"] for e in events] == ["rendition.ready", "order.status_changed"]
    assert events[0]["data"]["url"].endswith(".jpg") and events[0]["data"]["width"]
    assert events[1]["data"]["new_status"] == "submitted"


@pytest.mark.django_db
def test_failed_attempts_are_retried_with_backoff(
    approved_asset, endpoint, receiver, django_capture_on_commit_callbacks, monkeypatch
):
    receiver.statuses = [500, 503]
    waits = []
    monkeypatch.setattr(webhooks.time, "sleep", waits.append)
    with (
        override_settings(WAGTAIL_LFCLOUD_WEBHOOK_BACKOFF_SECONDS=2),
        django_capture_on_commit_callbacks(execute=True),
    ):
        signals.asset_approved.send(
            sender=None,
            asset=approved_asset,
            version=approved_asset.versions.get(),
            previous=None,
            user=None,
        )
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 3, 200)
    assert waits == [2.0, 4.0]  # exponential backoff between attempts
    # Every attempt carried a valid signature over the same body.
    assert len({r["body"] for r in receiver.requests}) == 1
    assert all(
        webhooks.verify_signature(SECRET, r["headers"]["X-LFCloud-Signature"], r["body"])
        for r in receiver.requests
    )


@pytest.mark.django_db
def test_gives_up_after_max_attempts(
    approved_asset, endpoint, receiver, django_capture_on_commit_callbacks, monkeypatch
):
    receiver.statuses = [500] * 10
    monkeypatch.setattr(webhooks.time, "sleep", lambda s: None)
    with (
        override_settings(WAGTAIL_LFCLOUD_WEBHOOK_MAX_ATTEMPTS=3),
        django_capture_on_commit_callbacks(execute=True),
    ):
        signals.asset_approved.send(
            sender=None,
            asset=approved_asset,
            version=approved_asset.versions.get(),
            previous=None,
            user=None,
        )
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert "500" in delivery.last_error
    assert len(receiver.requests) == 3


@pytest.mark.django_db
def test_deferred_retry_with_a_queue_backend(
    approved_asset, endpoint, receiver, django_capture_on_commit_callbacks
):
    """With a backend that supports run_after, a failure re-enqueues the task for later instead of sleeping."""
    from django_tasks import default_task_backend

    receiver.statuses = [500]
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="asset.approved", payload={"id": "x"}
    )
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    ):
        with django_capture_on_commit_callbacks(execute=True):
            webhooks.deliver(delivery.pk)
        (queued,) = [r for r in default_task_backend.results if r.task.name == "deliver_webhook"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert queued.args == [delivery.pk]
    assert queued.task.run_after is not None


@pytest.mark.django_db
def test_unreachable_receiver_is_recorded(approved_asset, brand, monkeypatch):
    monkeypatch.setattr(webhooks.time, "sleep", lambda s: None)
    dead = WebhookEndpoint.objects.create(
        brand=brand, name="dead", url="http://127.0.0.1:9/", secret="x"
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=dead, event="asset.approved", payload={"id": "y"}
    )
    with override_settings(
        WAGTAIL_LFCLOUD_WEBHOOK_MAX_ATTEMPTS=2, WAGTAIL_LFCLOUD_WEBHOOK_TIMEOUT=2
    ):
        assert webhooks.deliver(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.last_error


@pytest.mark.django_db
def test_admin_webhook_screens(client, brand, other_brand, endpoint, other_endpoint):
    admin = make_user("root", superuser=True)
    client.force_login(admin)
    add = client.post(
        reverse("wagtailsnippets_wagtail_lfcloud_webhookendpoint:add"),
        {
            "brand": brand.pk,
            "name": "ERP",
            "url": "https://erp.example.com/hook",
            "events": ["asset.approved"],
            "secret": "",
            "active": "on",
        },
    )
    assert add.status_code == 302, add.content[:2000]
    created = WebhookEndpoint.objects.get(name="ERP")
    assert created.events == ["asset.approved"] and len(created.secret) >= 32
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="asset.approved",
        payload={},
        status="failed",
        last_error="HTTP 500",
    )
    log = client.get(reverse("wagtailsnippets_wagtail_lfcloud_webhookdelivery:list"))
    assert log.status_code == 200 and b"asset.approved" in log.content

    # A brand admin of Globex (with the model permissions the role's group gets) sees only Globex's.
    from django.contrib.auth.models import Permission

    globex_admin = make_user("globex_admin", brand=other_brand, role=Role.BRAND_ADMIN)
    globex_admin.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="wagtail_lfcloud",
            codename__in=["view_webhookendpoint", "add_webhookendpoint", "change_webhookendpoint"],
        )
    )
    client.force_login(globex_admin)
    listing = client.get(reverse("wagtailsnippets_wagtail_lfcloud_webhookendpoint:list"))
    assert listing.status_code == 200
    assert b"Globex" in listing.content and b"Storefront" not in listing.content
    # ...and cannot open Acme's endpoint or pick Acme's brand.
    edit = client.get(
        reverse("wagtailsnippets_wagtail_lfcloud_webhookendpoint:edit", args=[endpoint.pk])
    )
    assert edit.status_code in (302, 403, 404)
    add_page = client.get(reverse("wagtailsnippets_wagtail_lfcloud_webhookendpoint:add"))
    assert b"Globex" in add_page.content and b">Acme<" not in add_page.content


def test_mount_on_wagtail_api(settings, monkeypatch):
    """With the setting on, the router is added to Wagtail's v3 API (here a fresh stand-in for it)."""
    from ninja import NinjaAPI
    from wagtail.api.v3 import api as v3

    from wagtail_lfcloud.api import mount_on_wagtail_api

    standin = NinjaAPI(urls_namespace="lfcloud_v3_standin")
    monkeypatch.setattr(v3, "api", standin)
    settings.WAGTAIL_LFCLOUD_MOUNT_ON_WAGTAIL_API = False
    assert mount_on_wagtail_api() is False
    settings.WAGTAIL_LFCLOUD_MOUNT_ON_WAGTAIL_API = True
    assert mount_on_wagtail_api() is True
    paths = [str(p.pattern) for p in standin.urls[0]]
    assert "lfcloud/renditions/<brand>/<sku>/<angle>/<channel>" in paths


@pytest.mark.django_db
def test_non_http_urls_are_not_fetched(brand):
    endpoint = WebhookEndpoint.objects.create(
        brand=brand, name="ftp", url="ftp://example.com/x", secret="x"
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="asset.approved", payload={"id": "z"}
    )
    assert webhooks.deliver(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and "http" in delivery.last_error
