"""Webhooks: Standard Webhooks signatures, events, scheduled retries, brand isolation, admin.

Deliveries go to a real local HTTP server; the loopback allow-list is set only for the tests that
need one to be reached (``allow_local``). Refused addresses are in test_webhook_addresses.py,
failing receivers during user actions in test_webhook_failures.py.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import time

import pytest
from django.core.management import call_command
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook

from tests.factories import make_user
from wagtail_lfcloud import signals
from wagtail_lfcloud.delivery import webhooks
from wagtail_lfcloud.models import ChannelRendition, Order, Role, WebhookDelivery, WebhookEndpoint

from .receivers import Receiver, closed_port

SECRET = "whsec_" + base64.b64encode(b"k" * 32).decode()


@pytest.fixture
def allow_local(settings):
    """Let webhooks reach this machine's test servers (refused by default)."""
    settings.WAGTAIL_LFCLOUD_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def no_sleep(monkeypatch):
    """Fail the test if anything sleeps (retries are scheduled, never waited for)."""

    def refuse(seconds):
        raise AssertionError(f"slept {seconds} s")

    monkeypatch.setattr(time, "sleep", refuse)


@pytest.fixture
def endpoint(brand, receiver):
    return WebhookEndpoint.objects.create(
        brand=brand, name="Storefront", url=receiver.url, secret=SECRET
    )


@pytest.fixture
def other_endpoint(other_brand, receiver):
    return WebhookEndpoint.objects.create(
        brand=other_brand,
        name="Globex",
        url=receiver.url + "/globex",
        secret=webhooks.generate_secret(),
    )


def approve_event(asset):
    signals.asset_approved.send(
        sender=type(asset), asset=asset, version=asset.versions.get(), previous=None, user=None
    )


# --- signatures -------------------------------------------------------------------------------


def test_generated_secrets_are_standard_webhooks_secrets():
    secret = webhooks.generate_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    assert secret != webhooks.generate_secret()


def test_signatures_verify_with_the_standardwebhooks_library_and_the_helper():
    body = b'{"a":1}'
    headers = webhooks.sign(SECRET, "msg_1", body)
    assert headers["webhook-signature"].startswith("v1,")
    Webhook(SECRET).verify(body, headers)  # what a receiver runs; raises if wrong
    assert webhooks.verify_signature(SECRET, headers, body)
    # Header names in any case, as a framework hands them over.
    assert webhooks.verify_signature(SECRET, {k.title(): v for k, v in headers.items()}, body)
    # While a secret is rotated, either of several signatures is accepted.
    other = webhooks.sign(webhooks.generate_secret(), "msg_1", body)
    rotated = {
        **headers,
        "webhook-signature": f"{other['webhook-signature']} {headers['webhook-signature']}",
    }
    assert webhooks.verify_signature(SECRET, rotated, body)


def _tampered():
    body = b'{"a":1}'
    good = webhooks.sign(SECRET, "msg_1", body)
    now = int(time.time())
    cases = {
        "body changed": (SECRET, good, body + b" "),
        "other secret": (webhooks.generate_secret(), good, body),
        "other id": (SECRET, {**good, "webhook-id": "msg_2"}, body),
        "replayed (10 minutes old)": (
            SECRET,
            webhooks.sign(SECRET, "msg_1", body, timestamp=now - 600),
            body,
        ),
        "from the future": (
            SECRET,
            webhooks.sign(SECRET, "msg_1", body, timestamp=now + 600),
            body,
        ),
    }
    for header in ("webhook-id", "webhook-timestamp", "webhook-signature"):
        cases[f"no {header}"] = (SECRET, {k: v for k, v in good.items() if k != header}, body)
        cases[f"empty {header}"] = (SECRET, {**good, header: ""}, body)
        cases[f"{header} not text"] = (SECRET, {**good, header: None}, body)
    for label, timestamp in {
        "5,000-digit timestamp": "9" * 5000,
        "float timestamp": f"{now}.5",
        "exponent timestamp": "1e9",
        "negative timestamp": f"-{now}",
        "non-ASCII digits": "١٧٠٠٠٠٠٠٠٠",
        "padded timestamp": f" {now}",
    }.items():
        cases[label] = (SECRET, {**good, "webhook-timestamp": timestamp}, body)
    for label, signature in {
        "no version": good["webhook-signature"][3:],
        "v2 only": "v2," + good["webhook-signature"][3:],
        "garbage": "v1,%%%",
        "huge": "v1," + "A" * 100_000,
    }.items():
        cases[label] = (SECRET, {**good, "webhook-signature": signature}, body)
    cases["secret not base64"] = ("whsec_%%%not-base64", good, body)
    cases["empty secret"] = ("", good, body)
    cases["body not bytes"] = (SECRET, good, 12345)
    cases["headers not a mapping"] = (SECRET, "garbage", body)
    return cases


@pytest.mark.parametrize("case", list(_tampered()))
def test_verify_signature_is_false_on_anything_malformed(case):
    secret, headers, body = _tampered()[case]
    assert webhooks.verify_signature(secret, headers, body) is False


# --- events -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_asset_approved_is_signed_and_sent_to_own_brand_only(
    allow_local,
    approved_asset,
    endpoint,
    other_endpoint,
    receiver,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        approve_event(approved_asset)
    (request,) = receiver.requests
    headers = dict(request["headers"].items())
    assert request["headers"]["X-LFCloud-Event"] == "asset.approved"
    payload = Webhook(SECRET).verify(request["body"], headers)
    assert request["headers"]["webhook-id"] == payload["id"]
    assert payload["brand"] == "acme"
    assert payload["data"]["asset"]["sku"] == "SKU12345"
    assert payload["data"]["version"]["number"] == 1
    assert payload["data"]["stable_urls"]["amazon_main"].endswith(
        "/lfcloud/api/v1/renditions/acme/SKU12345/front/amazon_main"
    )
    delivery = WebhookDelivery.objects.get()
    assert (delivery.endpoint, delivery.status, delivery.attempts, delivery.response_status) == (
        endpoint,
        "delivered",
        1,
        200,
    )
    assert delivery.duration_ms is not None and delivery.next_attempt_at is None


@pytest.mark.django_db
def test_rendition_ready_and_order_status_events(
    allow_local, brand, approved_asset, endpoint, receiver, django_capture_on_commit_callbacks
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
        approve_event(approved_asset)
    events = [json.loads(r["body"]) for r in receiver.requests]
    assert [e["event"] for e in events] == ["rendition.ready", "order.status_changed"]
    assert events[0]["data"]["url"].endswith(".jpg") and events[0]["data"]["width"]
    assert events[1]["data"]["new_status"] == "submitted"


@pytest.mark.django_db
def test_an_event_that_cannot_be_queued_does_not_fail_the_action(
    approved_asset, endpoint, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("database trouble")

    monkeypatch.setattr(webhooks, "dispatch", broken)
    approve_event(approved_asset)  # does not raise
    assert not WebhookDelivery.objects.exists()


# --- retries: scheduled, never slept ----------------------------------------------------------


def make_due(delivery):
    """Time passes: the scheduled attempt is due."""
    WebhookDelivery.objects.filter(pk=delivery.pk, next_attempt_at__isnull=False).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )


@pytest.mark.django_db
def test_failed_attempts_are_scheduled_with_backoff_and_sent_by_the_command(
    allow_local,
    approved_asset,
    endpoint,
    receiver,
    django_capture_on_commit_callbacks,
    no_sleep,
    capsys,
):
    receiver.statuses = [500, 503]
    with override_settings(WAGTAIL_LFCLOUD_WEBHOOK_BACKOFF_SECONDS=30):
        with django_capture_on_commit_callbacks(execute=True):
            approve_event(approved_asset)
        delivery = WebhookDelivery.objects.get()
        waits = []
        for _ in range(2):
            delivery.refresh_from_db()
            assert delivery.status == "retry" and "HTTP 5" in delivery.last_error
            waits.append((delivery.next_attempt_at - delivery.last_attempt_at).total_seconds())
            call_command("lfcloud_retry_webhooks")  # not due yet: nothing sent
            assert len(receiver.requests) == delivery.attempts
            make_due(delivery)
            call_command("lfcloud_retry_webhooks")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("delivered", 3, 200)
    assert [round(w) for w in waits] == [30, 60]  # exponential backoff between attempts
    assert "1 due webhook delivery: 1 delivered." in capsys.readouterr().out
    # Every attempt carried the same id and body, each with a valid signature.
    assert len({r["body"] for r in receiver.requests}) == 1
    assert len({r["headers"]["webhook-id"] for r in receiver.requests}) == 1
    for r in receiver.requests:
        Webhook(SECRET).verify(r["body"], dict(r["headers"].items()))


@pytest.mark.django_db
def test_gives_up_after_max_attempts(
    allow_local, approved_asset, endpoint, receiver, django_capture_on_commit_callbacks, no_sleep
):
    receiver.statuses = [500] * 10
    with override_settings(WAGTAIL_LFCLOUD_WEBHOOK_MAX_ATTEMPTS=3):
        with django_capture_on_commit_callbacks(execute=True):
            approve_event(approved_asset)
        delivery = WebhookDelivery.objects.get()
        for _ in range(4):
            make_due(delivery)
            call_command("lfcloud_retry_webhooks")
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 3, None)
    assert "500" in delivery.last_error
    assert len(receiver.requests) == 3


@pytest.mark.django_db
def test_deferred_retry_with_a_queue_backend(
    allow_local, approved_asset, endpoint, receiver, django_capture_on_commit_callbacks, no_sleep
):
    """With a backend that supports run_after, a failure re-enqueues the task for the retry time."""
    from django_tasks import default_task_backend

    receiver.statuses = [500]
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="asset.approved", payload={"id": "msg_x"}
    )
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    ):
        with django_capture_on_commit_callbacks(execute=True):
            webhooks.deliver(delivery.pk)
        (queued,) = [r for r in default_task_backend.results if r.task.name == "deliver_webhook"]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("retry", 1)
    assert queued.args == [delivery.pk]
    # At the retry time, rounded up to a whole second (RQ's scheduler keeps whole seconds).
    wait = queued.task.run_after - delivery.next_attempt_at
    assert queued.task.run_after.microsecond == 0 and 0 <= wait.total_seconds() < 1
    # Run early (or twice), the task does not send before the time it was scheduled for.
    assert webhooks.deliver(delivery.pk) == "retry" and len(receiver.requests) == 1


@pytest.mark.django_db
def test_unreachable_receiver_is_recorded_with_its_retry(allow_local, brand, no_sleep):
    dead = WebhookEndpoint.objects.create(
        brand=brand, name="dead", url=f"http://127.0.0.1:{closed_port()}/", secret=SECRET
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=dead, event="asset.approved", payload={"id": "msg_y"}
    )
    assert webhooks.deliver(delivery.pk) == "retry"
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.response_status is None
    assert delivery.last_error.startswith("Could not connect") and delivery.duration_ms is not None
    assert delivery.next_attempt_at > timezone.now()


@pytest.mark.django_db
def test_old_secrets_become_standard_ones_with_the_same_key(brand):
    """Migration 0002: a receiver keeps its key, only the header format changes."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module(
        "wagtail_lfcloud.migrations.0002_webhook_retries_and_standard_secrets"
    )
    old = WebhookEndpoint.objects.create(
        brand=brand, name="old", url="https://example.com/", secret="s3cret-old"
    )
    migration.to_standard_secrets(apps, None)
    old.refresh_from_db()
    assert old.secret.startswith("whsec_")
    body = b"{}"
    headers = webhooks.sign(old.secret, "msg_1", body)
    Webhook(b"s3cret-old").verify(body, headers)
    migration.to_raw_secrets(apps, None)
    old.refresh_from_db()
    assert old.secret == "s3cret-old"


# --- admin ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_webhook_screens(client, brand, other_brand, endpoint, other_endpoint, public_dns):
    public_dns({"erp.example.com": ["93.184.216.34"]})
    admin = make_user("root", superuser=True)
    client.force_login(admin)
    form = {
        "brand": brand.pk,
        "name": "ERP",
        "url": "https://erp.example.com/hook",
        "events": ["asset.approved"],
        "secret": "",
        "active": "on",
    }
    add = client.post(reverse("wagtailsnippets_wagtail_lfcloud_webhookendpoint:add"), form)
    assert add.status_code == 302, add.content[:2000]
    created = WebhookEndpoint.objects.get(name="ERP")
    assert created.events == ["asset.approved"] and created.secret.startswith("whsec_")
    # A secret that is not a Standard Webhooks one is refused with a clear message.
    bad = client.post(
        reverse("wagtailsnippets_wagtail_lfcloud_webhookendpoint:add"),
        {**form, "name": "ERP2", "secret": "short"},
    )
    assert bad.status_code == 200 and "whsec_" in bad.content.decode()
    assert not WebhookEndpoint.objects.filter(name="ERP2").exists()
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="asset.approved",
        payload={},
        status="retry",
        last_error="HTTP 500",
        duration_ms=123,
        next_attempt_at=timezone.now() + dt.timedelta(minutes=5),
    )
    log = client.get(reverse("wagtailsnippets_wagtail_lfcloud_webhookdelivery:list"))
    assert log.status_code == 200 and b"asset.approved" in log.content
    assert b"Retry pending" in log.content and b"123" in log.content

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
        brand=brand, name="ftp", url="ftp://example.com/x", secret=SECRET
    )
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event="asset.approved", payload={"id": "msg_z"}
    )
    assert webhooks.deliver(delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and "http" in delivery.last_error
