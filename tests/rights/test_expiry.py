"""Expiry on time: the warning N days before (webhook, email to brand admins, dashboard panel) and
the expiry itself (webhook, audit line, cached stable URLs forgotten), each once, from the task and
from ``manage.py lfcloud_rights_expiry``."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.rights.conftest import login
from wagtail_lfcloud.delivery.expiry import apply_rights_expiry
from wagtail_lfcloud.models import (
    BrandLogEntry,
    NotificationPreference,
    Role,
    UsageRights,
    WebhookDelivery,
    WebhookEndpoint,
)

pytestmark = pytest.mark.django_db

EXPIRES = dt.datetime(2026, 9, 1, 12, 0, tzinfo=dt.UTC)
WARN_AT = EXPIRES - dt.timedelta(days=10)  # inside the default 14-day window
SECRET = "whsec_" + "A" * 32


def rights_of(world, **terms):
    terms.setdefault("expires_at", EXPIRES)
    return UsageRights.objects.create(
        brand=world.brand, asset=world.asset, licensor="Studio Nord", reference="LIC-1", **terms
    )


def endpoint(world):
    return WebhookEndpoint.objects.create(
        brand=world.brand, name="hook", url="https://hooks.example.com/lf", secret=SECRET
    )


def deliveries(event):
    return list(WebhookDelivery.objects.filter(event=event))


def test_the_warning_is_sent_once_by_webhook_and_email(
    acme, zed, django_capture_on_commit_callbacks
):
    rights = rights_of(acme)
    rights_of(zed)  # the other brand's admins hear about their own asset only
    endpoint(acme)
    assert apply_rights_expiry(now=EXPIRES - dt.timedelta(days=20)).warned == []  # too early

    with django_capture_on_commit_callbacks(execute=False):
        run = apply_rights_expiry(now=WARN_AT)
    assert rights.pk in run.warned
    [delivery] = deliveries("asset.rights_expiring")
    assert delivery.endpoint.brand == acme.brand
    data = delivery.payload["data"]
    assert data["sku"] == "ACME1" and data["expires_at"].startswith("2026-09-01")
    assert data["licensor"] == "Studio Nord"

    # Again, a minute later: nothing new.
    assert apply_rights_expiry(now=WARN_AT + dt.timedelta(minutes=1)).warned == []
    assert len(deliveries("asset.rights_expiring")) == 1

    # A new expiry date is a new warning.
    rights.expires_at = EXPIRES + dt.timedelta(days=2)
    rights.save()
    assert apply_rights_expiry(now=WARN_AT + dt.timedelta(days=3)).warned == [rights.pk]
    assert len(deliveries("asset.rights_expiring")) == 2


def test_brand_admins_get_one_email_listing_the_assets(
    acme, zed, django_capture_on_commit_callbacks
):
    rights_of(acme)
    rights_of(zed)
    muted = acme.users[Role.BRAND_ADMIN]
    with django_capture_on_commit_callbacks(execute=True):
        apply_rights_expiry(now=WARN_AT)
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {
        acme.users[Role.BRAND_ADMIN].email,
        zed.users[Role.BRAND_ADMIN].email,
    }
    message = by_recipient[acme.users[Role.BRAND_ADMIN].email]
    assert message.subject == "Usage rights expiring soon: 1 asset(s) of Acme"
    assert "ACME1 front" in message.body and "ZEDCORP1" not in message.body
    assert "Studio Nord" in message.body and "/admin/lfcloud/assets/" in message.body

    # Switched off in the preferences: not mailed.
    mail.outbox.clear()
    NotificationPreference.objects.update_or_create(
        user=muted, defaults={"on_rights_expiring": False}
    )
    UsageRights.objects.update(expiring_notified_for=None)
    with django_capture_on_commit_callbacks(execute=True):
        apply_rights_expiry(now=WARN_AT)
    assert muted.email not in {m.to[0] for m in mail.outbox}


def test_the_expiry_is_applied_once_at_its_time(client, acme, django_capture_on_commit_callbacks):
    from tests.api.conftest import auth, token_for

    from .conftest import approve_with_file

    approve_with_file(acme)
    rights = rights_of(acme, expires_at=timezone.now() + dt.timedelta(hours=1))
    endpoint(acme)
    url = "/lfcloud/api/v1/renditions/acme/ACME1/front/amazon_main"
    token = token_for(acme.users[Role.MARKETER])
    assert client.get(url, **auth(token)).status_code == 302  # cached now

    later = rights.expires_at + dt.timedelta(seconds=1)
    assert apply_rights_expiry(now=later - dt.timedelta(seconds=2)).expired == []
    run = apply_rights_expiry(now=later)
    assert run.expired == [rights.pk]
    assert len(deliveries("asset.rights_expired")) == 1
    entry = BrandLogEntry.objects.get(action="wagtail_lfcloud.rights_expired")
    assert entry.object_id == str(acme.asset.pk) and entry.data["scope"] == "asset"
    assert apply_rights_expiry(now=later).expired == []
    assert len(deliveries("asset.rights_expired")) == 1


def test_the_command_is_idempotent(acme):
    rights_of(acme, expires_at=timezone.now() + dt.timedelta(days=3))
    out = io.StringIO()
    call_command("lfcloud_rights_expiry", stdout=out)
    assert "1 expiring soon warned, 0 expiry applied" in out.getvalue()
    out = io.StringIO()
    call_command("lfcloud_rights_expiry", stdout=out)
    assert "0 expiring soon warned, 0 expiry applied" in out.getvalue()


def test_order_default_rights_never_expire_anything(acme):
    from wagtail_lfcloud.models import Order

    order = Order.objects.create(brand=acme.brand, title="Shoot", currency="EUR")
    UsageRights.objects.create(brand=acme.brand, order=order, expires_at=timezone.now())
    assert apply_rights_expiry().expired == [] and apply_rights_expiry().warned == []


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}})
def test_saving_rights_schedules_the_task_for_the_warning_and_the_expiry(
    acme, django_capture_on_commit_callbacks
):
    from django_tasks import default_task_backend

    default_task_backend.clear()
    # Whole seconds: deferred runs are rounded up to one (RQ's scheduler truncates to seconds).
    expires = timezone.now().replace(microsecond=0) + dt.timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        rights_of(acme, expires_at=expires)
    when = sorted(r.task.run_after for r in default_task_backend.results)
    assert when == [expires - dt.timedelta(days=14), expires]
    assert {r.task.name for r in default_task_backend.results} == {"apply_rights_expiry"}


@override_settings(WAGTAIL_LFCLOUD_RIGHTS_EXPIRING_DAYS=7)
def test_the_dashboard_lists_what_expires_soon_for_the_users_brands(client, acme, zed):
    rights_of(acme, expires_at=timezone.now() + dt.timedelta(days=3))
    rights_of(zed, expires_at=timezone.now() + dt.timedelta(days=3))
    later = UsageRights.objects.create(
        brand=acme.brand, version=acme.version, expires_at=timezone.now() + dt.timedelta(days=30)
    )
    login(client, acme.users[Role.MARKETER])
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    start = html.index('id="lfcloud-rights-expiring')
    panel = html[start : html.index("</table>", start)]
    assert "ACME1" in panel and "ZEDCORP1" not in panel
    assert "within 7 days" in panel and "v1" not in panel  # the v1 override expires later
    assert "<a href" not in panel  # marketers do not open the review page
    later.expires_at = timezone.now() - dt.timedelta(days=1)
    later.save()
    login(client, acme.users[Role.BRAND_ADMIN])
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert 'data-lfcloud-rights-badge="expired"' in html
    assert reverse("wagtail_lfcloud_admin:asset_review", args=[acme.asset.pk]) in html

    login(client, acme.users[Role.FINANCE])
    assert (
        "lfcloud-rights-expiring" not in client.get(reverse("wagtailadmin_home")).content.decode()
    )
