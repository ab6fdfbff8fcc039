"""Signed webhooks: JSON events POSTed to a brand's configured endpoints, retried with backoff.

Events (:data:`EVENTS`): ``asset.approved`` (``signals.asset_approved``), ``rendition.ready``
(``signals.rendition_ready``), ``order.status_changed`` (``signals.order_status_changed``), and
``asset.rights_expiring`` / ``asset.rights_expired`` (``delivery.expiry``).
An event of one brand is only ever delivered to that brand's endpoints.

Signatures follow `Standard Webhooks <https://www.standardwebhooks.com/>`_ (the
``standardwebhooks`` library): headers ``webhook-id`` (the event id, the same on every retry),
``webhook-timestamp`` and ``webhook-signature`` (``v1,<base64 HMAC-SHA256>``), keyed with the
endpoint's ``whsec_...`` secret. Receivers check them with the library, or with
:func:`verify_signature` (see ``docs/how-to/webhooks.md``).

Deliveries are :class:`~wagtail_lfcloud.models.WebhookDelivery` rows. Each run of the
``deliver_webhook`` task makes at most one attempt, through :mod:`wagtail_lfcloud.delivery.outbound`
(public addresses only, no redirects, the checked address pinned). A failed attempt leaves the
row in *retry* with ``next_attempt_at`` = now + ``WAGTAIL_LFCLOUD_WEBHOOK_BACKOFF_SECONDS`` x
2^(attempts-1), up to ``WAGTAIL_LFCLOUD_WEBHOOK_MAX_ATTEMPTS`` attempts. A backend that can defer
tasks runs the next attempt then (``run_after``); with one that cannot (the immediate backend),
``manage.py lfcloud_retry_webhooks`` sends what is due. Nothing ever sleeps, and nothing raises
into the request that caused the event (:mod:`wagtail_lfcloud.background`).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import secrets
import time
import uuid
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from standardwebhooks import Webhook

from .. import signals
from ..background import enqueue_on_commit, queued
from ..channels.lookup import find_rendition_files
from ..conf import lfcloud_settings
from ..models import WebhookDelivery, WebhookEndpoint
from . import outbound

logger = logging.getLogger(__name__)

#: Event name -> what it means (also the choices of the endpoint form).
EVENTS: dict[str, str] = {
    "asset.approved": "A version of an asset was approved and is now the current one.",
    "rendition.ready": "A channel file of a current version was generated.",
    "order.status_changed": "An order moved to another status.",
    "asset.rights_expiring": "An asset's usage rights expire within WAGTAIL_LFCLOUD_RIGHTS_EXPIRING_DAYS.",
    "asset.rights_expired": "An asset's usage rights expired: its files are no longer delivered.",
}
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
EVENT_HEADER = "X-LFCloud-Event"
USER_AGENT = "wagtail-lfcloud-webhooks/2"
Status = WebhookDelivery.Status


def generate_secret() -> str:
    """A new endpoint secret: ``whsec_`` and the base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _signer(secret: str) -> Webhook:
    # Secrets are whsec_ ones (form validation, migration 0002); a raw one is used as its bytes.
    return Webhook(secret if secret.startswith("whsec_") else secret.encode())


def sign(secret: str, msg_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The Standard Webhooks headers (id, timestamp, signature) for ``body``."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    signature = _signer(secret).sign(msg_id, dt.datetime.fromtimestamp(timestamp, tz=dt.UTC), body)
    return {ID_HEADER: msg_id, TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature}


def verify_signature(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    """Whether ``headers`` (the request's, any case) sign ``body`` with ``secret``.

    ``body`` is the raw request body, exactly as received. Timestamps more than five minutes
    off are refused (replays). Several signatures in the header (secret rotation) are accepted.
    Any missing, malformed or oversized header gives False, never an exception.
    """
    try:
        found = {str(k).lower(): v for k, v in headers.items()}
        msg_id, timestamp, signature = (
            found.get(h) for h in (ID_HEADER, TIMESTAMP_HEADER, SIGNATURE_HEADER)
        )
        if not all(isinstance(v, str) and v for v in (secret, msg_id, timestamp, signature)):
            return False
        if len(msg_id) > 256 or len(signature) > 4096 or not body_like(body):
            return False
        # Unix seconds: ASCII digits only, at most 12 of them (float("1e9"), "٣" or 5,000 digits
        # are not timestamps).
        if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
            return False
        _signer(secret).verify(
            body,
            {ID_HEADER: msg_id, TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: signature},
            json_parse=False,
        )
    except Exception:  # noqa: BLE001 - a bad secret or header of any kind: not verified
        return False
    return True


def body_like(body: Any) -> bool:
    return isinstance(body, (bytes, bytearray, str))


# --- queueing ---------------------------------------------------------------------------------


def endpoints_for(brand_id: int, event: str) -> list[WebhookEndpoint]:
    """Active endpoints of ``brand_id`` subscribed to ``event`` (an empty list of events means all)."""
    return [
        endpoint
        for endpoint in WebhookEndpoint.objects.select_related("brand").filter(
            brand_id=brand_id, active=True
        )
        if not endpoint.events or event in endpoint.events
    ]


def dispatch(brand_id: int, event: str, data: dict[str, Any]) -> list[WebhookDelivery]:
    """Queue ``event`` for every endpoint of ``brand_id`` that wants it; sent after the transaction commits
    (after the response, inside a request served with the immediate task backend)."""
    if event not in EVENTS:
        raise ValueError(f"Unknown webhook event {event!r}; known: {', '.join(EVENTS)}")
    deliveries = []
    for endpoint in endpoints_for(brand_id, event):
        payload = {
            "id": "msg_" + uuid.uuid4().hex,
            "event": event,
            "created_at": timezone.now().isoformat(),
            "brand": endpoint.brand.slug,
            "data": data,
        }
        payload = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
        deliveries.append(
            WebhookDelivery.objects.create(
                endpoint=endpoint, event=event, payload=payload, next_attempt_at=timezone.now()
            )
        )
    # cycle: tasks.py imports this module
    from .tasks import deliver_webhook

    for delivery in deliveries:
        enqueue_on_commit(deliver_webhook, delivery.pk)
    return deliveries


def safely_dispatch(brand_id: int, event: str, build_data) -> None:
    """:func:`dispatch` ``build_data()`` without ever failing the caller's action.

    Used by the signal handlers: the event happened (an approval, a status change) whether or
    not its webhook rows could be written. A savepoint keeps the caller's transaction usable.
    """
    try:
        with transaction.atomic():
            dispatch(brand_id, event, build_data())
    except Exception:
        logger.exception("Webhook %s of brand %s not queued", event, brand_id)


# --- sending ----------------------------------------------------------------------------------


def body_of(delivery: WebhookDelivery) -> bytes:
    """The exact bytes POSTed for ``delivery`` (compact JSON, keys sorted)."""
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def message_id(delivery: WebhookDelivery) -> str:
    return str(delivery.payload.get("id") or f"msg_delivery_{delivery.pk}")


def backoff(attempts: int) -> float:
    """Seconds to wait after ``attempts`` failed attempts."""
    return float(lfcloud_settings.WEBHOOK_BACKOFF_SECONDS) * 2 ** max(attempts - 1, 0)


def attempt(delivery: WebhookDelivery) -> bool:
    """POST ``delivery`` once and record the outcome, timing and next step on it. True on a 2xx."""
    endpoint = delivery.endpoint
    body = body_of(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_HEADER: delivery.event,
        **sign(endpoint.secret, message_id(delivery), body),
    }
    started = time.monotonic()
    delivery.last_attempt_at = timezone.now()
    outcome = outbound.post(
        endpoint.url, body, headers, timeout=float(lfcloud_settings.WEBHOOK_TIMEOUT)
    )
    delivery.duration_ms = round((time.monotonic() - started) * 1000)
    delivery.attempts += 1
    delivery.response_status = outcome.status
    delivery.last_error = outcome.error
    if outcome.ok:
        delivery.status = Status.DELIVERED
        delivery.delivered_at = timezone.now()
        delivery.next_attempt_at = None
    elif outcome.refused or delivery.attempts >= int(lfcloud_settings.WEBHOOK_MAX_ATTEMPTS):
        # A refused address is policy, not a passing failure: trying again changes nothing.
        delivery.status = Status.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.status = Status.RETRY
        delivery.next_attempt_at = timezone.now() + dt.timedelta(seconds=backoff(delivery.attempts))
    delivery.save(
        update_fields=[
            "attempts",
            "response_status",
            "last_error",
            "status",
            "delivered_at",
            "next_attempt_at",
            "last_attempt_at",
            "duration_ms",
        ]
    )
    return outcome.ok


def _claim(delivery_id: int) -> bool:
    """Take the delivery for one attempt if it is due; a concurrent run (the task and the retry
    command) then finds it not due. The lease ends when the attempt records its outcome."""
    now = timezone.now()
    lease = now + dt.timedelta(seconds=2 * float(lfcloud_settings.WEBHOOK_TIMEOUT) + 60)
    return bool(
        WebhookDelivery.objects.filter(pk=delivery_id, status__in=[Status.PENDING, Status.RETRY])
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(next_attempt_at=lease)
    )


def deliver(delivery_id: int) -> str:
    """Make the next attempt of a due delivery (the ``deliver_webhook`` task body); returns its status.

    On failure the next attempt is scheduled, never waited for: enqueued with ``run_after`` when
    the task backend can defer, else left for ``manage.py lfcloud_retry_webhooks``.
    """
    # cycle: tasks.py imports this module
    from .tasks import deliver_webhook

    if not _claim(delivery_id):
        delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
        return delivery.status if delivery else "missing"
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    if not delivery.endpoint.active:
        delivery.status = Status.FAILED
        delivery.next_attempt_at = None
        delivery.last_error = "The endpoint was deactivated before delivery."
        delivery.save(update_fields=["status", "next_attempt_at", "last_error"])
        return delivery.status
    attempt(delivery)
    if delivery.status == Status.RETRY and deliver_webhook.get_backend().supports_defer:
        when = delivery.next_attempt_at
        transaction.on_commit(lambda: queued(deliver_webhook, run_after=when).enqueue(delivery_id))
    return delivery.status


def due_deliveries(now: dt.datetime | None = None):
    """Deliveries whose next attempt is due (what ``lfcloud_retry_webhooks`` sends)."""
    now = now or timezone.now()
    return WebhookDelivery.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        status__in=[Status.PENDING, Status.RETRY],
    ).order_by("next_attempt_at", "pk")


# --- events -----------------------------------------------------------------------------------


def _absolute(url: str) -> str:
    if url.startswith(("http://", "https://")):
        return url
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""
    return base.rstrip("/") + url


def stable_url(brand_slug: str, sku: str, angle: str, channel: str) -> str | None:
    """The absolute stable rendition URL of SKU x angle x channel (None if the API is not mounted)."""
    try:
        path = reverse(
            "wagtail_lfcloud:wagtail_lfcloud_api:stable_rendition",
            args=[brand_slug, sku, angle, channel],
        )
    except NoReverseMatch:
        return None
    return _absolute(path)


def on_asset_approved(sender, asset, version, previous=None, user=None, **kwargs) -> None:
    def data():
        product = asset.product
        return {
            "asset": {
                "id": asset.pk,
                "sku": product.sku,
                "angle": asset.angle,
                "product_id": product.pk,
            },
            "version": {"id": version.pk, "number": version.number},
            "previous_version": {"id": previous.pk, "number": previous.number}
            if previous
            else None,
            "approved_by": getattr(user, "get_username", lambda: None)() if user else None,
            "stable_urls": {
                channel: stable_url(asset.brand.slug, product.sku, asset.angle, channel)
                for channel in asset.channels or []
            },
        }

    safely_dispatch(asset.brand_id, "asset.approved", data)


def on_rendition_ready(sender, channel_rendition, **kwargs) -> None:
    cr = channel_rendition

    def data():
        version = cr.version
        asset = version.asset
        rendition = find_rendition_files([cr]).get(cr.pk)
        return {
            "channel": cr.channel,
            "asset": {"id": asset.pk, "sku": asset.product.sku, "angle": asset.angle},
            "version": {"id": version.pk, "number": version.number, "status": version.status},
            "url": _absolute(rendition.url) if rendition is not None else None,
            # A video channel's file comes with its poster frame.
            **(
                {"poster_url": _absolute(rendition.poster_url)}
                if getattr(rendition, "poster_url", None)
                else {}
            ),
            "stable_url": stable_url(asset.brand.slug, asset.product.sku, asset.angle, cr.channel),
            "width": cr.width,
            "height": cr.height,
            "bytes": cr.file_size,
            "format": cr.format,
            "file_name": cr.file_name,
            "compliance": cr.compliance_status,
        }

    safely_dispatch(cr.version.asset.brand_id, "rendition.ready", data)


def on_order_status_changed(sender, order, old_status, new_status, user=None, **kwargs) -> None:
    def data():
        return {
            "order": {"id": order.pk, "number": order.number, "title": order.title},
            "old_status": old_status,
            "new_status": new_status,
            "changed_by": user.get_username()
            if user is not None and user.is_authenticated
            else None,
        }

    safely_dispatch(order.brand_id, "order.status_changed", data)


def connect() -> None:
    """Connect the event handlers to the package's signals (from ``signal_handlers.connect``)."""
    signals.asset_approved.connect(on_asset_approved, dispatch_uid="lfcloud_webhook_asset_approved")
    signals.rendition_ready.connect(
        on_rendition_ready, dispatch_uid="lfcloud_webhook_rendition_ready"
    )
    signals.order_status_changed.connect(
        on_order_status_changed, dispatch_uid="lfcloud_webhook_order_status"
    )
