"""Signed webhooks: JSON events POSTed to a brand's configured endpoints, retried with backoff.

Events (:data:`EVENTS`): ``asset.approved`` (``signals.asset_approved``), ``rendition.ready``
(``signals.rendition_ready``) and ``order.status_changed`` (``signals.order_status_changed``).
An event of one brand is only ever delivered to that brand's endpoints.

Each POST carries ``X-LFCloud-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">``
with the endpoint's secret; receivers check it with :func:`verify_signature` (or the same few
lines of their own, see ``docs/how-to/webhooks.md``).

Deliveries are :class:`~wagtail_lfcloud.models.WebhookDelivery` rows sent by the
``deliver_webhook`` task. A failed attempt (network error, timeout, non-2xx answer, redirect) is
retried up to ``WAGTAIL_LFCLOUD_WEBHOOK_MAX_ATTEMPTS`` times, waiting
``WAGTAIL_LFCLOUD_WEBHOOK_BACKOFF_SECONDS`` x 2^(attempt-1) between attempts: by re-enqueueing the
task with ``run_after`` when the task backend supports deferred tasks (django-tasks-db,
django-tasks-rq), else in a bounded loop inside the one task run (the immediate backend).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from .conf import lfcloud_settings
from .models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

#: Event name -> what it means (also the choices of the endpoint form).
EVENTS: dict[str, str] = {
    "asset.approved": "A version of an asset was approved and is now the current one.",
    "rendition.ready": "A channel file of a current version was generated.",
    "order.status_changed": "An order moved to another status.",
}
SIGNATURE_HEADER = "X-LFCloud-Signature"
EVENT_HEADER = "X-LFCloud-Event"
DELIVERY_HEADER = "X-LFCloud-Delivery"
USER_AGENT = "wagtail-lfcloud-webhooks/1"


def generate_secret() -> str:
    """A new random endpoint secret (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def _mac(secret: str, timestamp: int | str, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The ``X-LFCloud-Signature`` header value for ``body``: ``t=<unix time>,v1=<hex digest>``."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={timestamp},v1={_mac(secret, timestamp, body)}"


def verify_signature(
    secret: str, header: str, body: bytes, tolerance: int = 300, now: float | None = None
) -> bool:
    """Whether ``header`` (the ``X-LFCloud-Signature`` value) signs ``body`` with ``secret``.

    ``body`` is the raw request body, exactly as received (bytes). Signatures older or newer
    than ``tolerance`` seconds are refused, so a captured request cannot be replayed later.
    Several ``v1=`` values are accepted (sent while a secret is being rotated).
    """
    if not header or not secret:
        return False
    timestamp, candidates = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not timestamp.isdigit() or not candidates:
        return False
    now = time.time() if now is None else now
    if abs(now - int(timestamp)) > tolerance:
        return False
    expected = _mac(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)


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
    """Queue ``event`` for every endpoint of ``brand_id`` that wants it; sent after the transaction commits."""
    if event not in EVENTS:
        raise ValueError(f"Unknown webhook event {event!r}; known: {', '.join(EVENTS)}")
    deliveries = []
    for endpoint in endpoints_for(brand_id, event):
        payload = {
            "id": str(uuid.uuid4()),
            "event": event,
            "created_at": timezone.now().isoformat(),
            "brand": endpoint.brand.slug,
            "data": data,
        }
        payload = json.loads(json.dumps(payload, cls=DjangoJSONEncoder))
        deliveries.append(
            WebhookDelivery.objects.create(endpoint=endpoint, event=event, payload=payload)
        )
    if deliveries:
        from .tasks import deliver_webhook

        ids = [d.pk for d in deliveries]
        transaction.on_commit(lambda: [deliver_webhook.enqueue(pk) for pk in ids])
    return deliveries


# --- sending ----------------------------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect would turn the POST into a GET and drop the body: count it as a failure.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def body_of(delivery: WebhookDelivery) -> bytes:
    """The exact bytes POSTed for ``delivery`` (compact JSON, keys sorted)."""
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def attempt(delivery: WebhookDelivery) -> bool:
    """POST ``delivery`` once and record the outcome on it. True when the receiver answered 2xx."""
    endpoint = delivery.endpoint
    body = body_of(delivery)
    request = urllib.request.Request(
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            SIGNATURE_HEADER: sign(endpoint.secret, body),
            EVENT_HEADER: delivery.event,
            DELIVERY_HEADER: str(delivery.payload.get("id", delivery.pk)),
        },
    )
    delivery.attempts += 1
    ok = False
    if not endpoint.url.lower().startswith(("http://", "https://")):
        # URLField also admits ftp://; only HTTP receivers are supported.
        delivery.last_error = "Only http:// and https:// endpoint URLs are supported."
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.save(update_fields=["attempts", "last_error", "status"])
        return False
    try:
        with _opener.open(request, timeout=float(lfcloud_settings.WEBHOOK_TIMEOUT)) as response:
            delivery.response_status = response.status
            ok = 200 <= response.status < 300
            delivery.last_error = "" if ok else f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        delivery.response_status = exc.code
        delivery.last_error = f"HTTP {exc.code} {exc.reason}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        delivery.response_status = None
        delivery.last_error = f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"
    if ok:
        delivery.status = WebhookDelivery.Status.DELIVERED
        delivery.delivered_at = timezone.now()
    elif delivery.attempts >= int(lfcloud_settings.WEBHOOK_MAX_ATTEMPTS):
        delivery.status = WebhookDelivery.Status.FAILED
    delivery.save(
        update_fields=["attempts", "response_status", "last_error", "status", "delivered_at"]
    )
    return ok


def backoff(attempts: int) -> float:
    """Seconds to wait after ``attempts`` failed attempts."""
    return float(lfcloud_settings.WEBHOOK_BACKOFF_SECONDS) * 2 ** max(attempts - 1, 0)


def deliver(delivery_id: int) -> str:
    """Send a pending delivery (the ``deliver_webhook`` task body); returns its final or current status."""
    from .tasks import deliver_webhook

    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return delivery.status if delivery else "missing"
    if not delivery.endpoint.active:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.last_error = "The endpoint was deactivated before delivery."
        delivery.save(update_fields=["status", "last_error"])
        return delivery.status
    deferrable = deliver_webhook.get_backend().supports_defer
    while not attempt(delivery) and delivery.status == WebhookDelivery.Status.PENDING:
        wait = backoff(delivery.attempts)
        if deferrable:
            run_after = timezone.now() + dt.timedelta(seconds=wait)
            transaction.on_commit(
                lambda when=run_after: deliver_webhook.using(run_after=when).enqueue(delivery_id)
            )
            break
        time.sleep(wait)
    return delivery.status


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
    product = asset.product
    dispatch(
        asset.brand_id,
        "asset.approved",
        {
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
        },
    )


def on_rendition_ready(sender, channel_rendition, **kwargs) -> None:
    from .api.files import find_rendition_files

    cr = channel_rendition
    version = cr.version
    asset = version.asset
    rendition = find_rendition_files([cr]).get(cr.pk)
    dispatch(
        asset.brand_id,
        "rendition.ready",
        {
            "channel": cr.channel,
            "asset": {"id": asset.pk, "sku": asset.product.sku, "angle": asset.angle},
            "version": {"id": version.pk, "number": version.number, "status": version.status},
            "url": _absolute(rendition.url) if rendition is not None else None,
            "stable_url": stable_url(asset.brand.slug, asset.product.sku, asset.angle, cr.channel),
            "width": cr.width,
            "height": cr.height,
            "bytes": cr.file_size,
            "format": cr.format,
            "file_name": cr.file_name,
            "compliance": cr.compliance_status,
        },
    )


def on_order_status_changed(sender, order, old_status, new_status, user=None, **kwargs) -> None:
    dispatch(
        order.brand_id,
        "order.status_changed",
        {
            "order": {"id": order.pk, "number": order.number, "title": order.title},
            "old_status": old_status,
            "new_status": new_status,
            "changed_by": user.get_username()
            if user is not None and user.is_authenticated
            else None,
        },
    )


def connect() -> None:
    """Connect the event handlers to the package's signals (from ``signal_handlers.connect``)."""
    from . import signals

    signals.asset_approved.connect(on_asset_approved, dispatch_uid="lfcloud_webhook_asset_approved")
    signals.rendition_ready.connect(
        on_rendition_ready, dispatch_uid="lfcloud_webhook_rendition_ready"
    )
    signals.order_status_changed.connect(
        on_order_status_changed, dispatch_uid="lfcloud_webhook_order_status"
    )
