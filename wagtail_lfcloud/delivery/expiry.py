"""Expiry on time: warn before usage rights expire, and apply the expiry when they do.

Delivery never waits for this module: every path checks the dates when a request arrives
(:func:`wagtail_lfcloud.delivery.rights.deliverable`). What runs here are the side effects the
brand expects at the right moment:

* ``WAGTAIL_LFCLOUD_RIGHTS_EXPIRING_DAYS`` days before ``expires_at``: the webhook
  ``asset.rights_expiring`` for each asset, and one email per brand to its brand admins listing
  what expires;
* at ``expires_at``: the webhook ``asset.rights_expired``, a ``wagtail_lfcloud.rights_expired``
  audit line, and the cached stable-URL targets forgotten.

:func:`apply_rights_expiry` is idempotent and safe to run concurrently: each warning and each
expiry is claimed with one conditional ``UPDATE`` (``expiring_notified_for`` /
``expired_applied_for`` set to the ``expires_at`` they were for), so a run sends nothing twice and a
new expiry date warns again. It runs from the ``apply_rights_expiry`` task, enqueued for the
moments that matter whenever rights are saved (with a backend that can defer tasks), and from
``manage.py lfcloud_rights_expiry`` (cron, every few minutes, for backends that cannot).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from wagtail.log_actions import log

from ..background import queued
from ..models import UsageRights
from ..notifications import notify_rights_expiring, warning_window
from ..storage.stable_urls import forget_stable_urls
from .webhooks import safely_dispatch, stable_url

logger = logging.getLogger(__name__)


@dataclass
class ExpiryRun:
    """What one run did: the rights it warned about and the ones whose expiry it applied."""

    warned: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)


def _owned_by_assets():
    # An order's default rights govern no delivery: only assets' and versions' rights expire.
    return UsageRights.objects.filter(order__isnull=True, expires_at__isnull=False)


def _claim(rights_id: int, flag: str) -> bool:
    """Set ``flag`` to the row's ``expires_at`` unless it already is; True when this run did."""
    updated = (
        UsageRights.objects.filter(pk=rights_id, expires_at__isnull=False)
        .exclude(**{flag: F("expires_at")})
        .update(**{flag: F("expires_at")})
    )
    return updated == 1


def rights_payload(rights: UsageRights) -> dict:
    """The webhook ``data`` of a rights event: the asset, the version (for an override), the terms."""
    asset = rights.version.asset if rights.version_id else rights.asset
    product = asset.product
    return {
        "asset_id": asset.pk,
        "sku": product.sku,
        "angle": asset.angle,
        "version": rights.version.number if rights.version_id else None,
        "expires_at": rights.expires_at.isoformat(),
        "channels": list(rights.channels),
        "territories": list(rights.territories),
        "licensor": rights.licensor,
        "reference": rights.reference,
        "stable_urls": {
            channel: stable_url(asset.brand.slug, product.sku, asset.angle, channel)
            for channel in (rights.channels or asset.channels or [])
        },
    }


def _rows(ids):
    return UsageRights.objects.select_related(
        "brand",
        "asset__product",
        "asset__brand",
        "version__asset__product",
        "version__asset__brand",
    ).filter(pk__in=ids)


def apply_rights_expiry(now: dt.datetime | None = None) -> ExpiryRun:
    """Send what is due now (warnings, expiries) and nothing twice."""
    now = now or timezone.now()
    run = ExpiryRun()
    distinct = lambda flag: Q(**{f"{flag}__isnull": True}) | ~Q(**{flag: F("expires_at")})  # noqa: E731

    due_warnings = _owned_by_assets().filter(
        distinct("expiring_notified_for"),
        expires_at__gt=now,
        expires_at__lte=now + warning_window(),
    )
    warned_by_brand: dict[int, list[int]] = defaultdict(list)
    for rights_id in due_warnings.values_list("pk", flat=True):
        with transaction.atomic():
            if not _claim(rights_id, "expiring_notified_for"):
                continue  # another run got it
            rights = _rows([rights_id]).get()
            safely_dispatch(
                rights.brand_id, "asset.rights_expiring", lambda r=rights: rights_payload(r)
            )
            warned_by_brand[rights.brand_id].append(rights_id)
            run.warned.append(rights_id)
    for brand_id, ids in warned_by_brand.items():
        notify_rights_expiring(brand_id, ids)

    due_expiries = _owned_by_assets().filter(distinct("expired_applied_for"), expires_at__lte=now)
    for rights_id in due_expiries.values_list("pk", flat=True):
        with transaction.atomic():
            if not _claim(rights_id, "expired_applied_for"):
                continue
            rights = _rows([rights_id]).get()
            asset = rights.version.asset if rights.version_id else rights.asset
            log(
                asset,
                "wagtail_lfcloud.rights_expired",
                data={
                    "scope": f"version {rights.version.number}" if rights.version_id else "asset",
                    "expires_at": rights.expires_at.isoformat(),
                },
            )
            safely_dispatch(
                rights.brand_id, "asset.rights_expired", lambda r=rights: rights_payload(r)
            )
            run.expired.append(rights_id)
    if run.expired:
        forget_stable_urls()
    if run.warned or run.expired:
        logger.info(
            "Usage rights: %d expiring soon warned, %d expired applied",
            len(run.warned),
            len(run.expired),
        )
    return run


def next_moments(rights: UsageRights, now: dt.datetime | None = None) -> list[dt.datetime]:
    """When :func:`apply_rights_expiry` must run for ``rights``: the warning and the expiry, if ahead."""
    if rights.expires_at is None or rights.order_id:
        return []
    now = now or timezone.now()
    moments = [rights.expires_at - warning_window(), rights.expires_at]
    return [m for m in moments if m > now]


def schedule_for(rights: UsageRights) -> None:
    """Enqueue the expiry task for the moments ahead of ``rights`` (backends that can defer only;
    others rely on ``manage.py lfcloud_rights_expiry`` from cron)."""
    # cycle: tasks.py imports this module
    from .tasks import apply_rights_expiry as task

    if not task.get_backend().supports_defer:
        return
    for moment in next_moments(rights):
        transaction.on_commit(lambda m=moment: queued(task, run_after=m).enqueue(), robust=True)
