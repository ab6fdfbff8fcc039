"""Background tasks of delivery (download bundles, webhook attempts).

Run by django-tasks (``TASKS`` setting).
Task arguments are primary keys and strings, never model instances, so they survive a real
queue backend. A task's name is its module path: drain queued tasks before upgrading across a
move (CHANGELOG).
"""

from __future__ import annotations

import logging

from django_tasks import task

from ..background import BUNDLES, CHANNELS, WEBHOOKS, queue
from .bundles import build_bundle_file
from .expiry import apply_rights_expiry as apply
from .webhooks import deliver

logger = logging.getLogger(__name__)


@queue(BUNDLES)
@task()
def build_download_bundle(bundle_id: int) -> str:
    """Write a large bundle's zip into ``DownloadBundle.file``."""
    return build_bundle_file(bundle_id)


@queue(CHANNELS)
@task()
def render_responsive_sizes(version_id: int, fmt: str) -> list[int]:
    """Generate the responsive sizes of a current version in one format (one decode of the master)."""
    from .responsive import generate  # cycle: responsive imports this module to enqueue

    return generate(version_id, fmt)


@queue(WEBHOOKS)
@task()
def deliver_webhook(delivery_id: int) -> str:
    """Make the next attempt of one webhook delivery; a failure schedules the next one, never
    waits for it (see ``webhooks.deliver``)."""
    return deliver(delivery_id)


@task()
def apply_rights_expiry() -> dict:
    """Warn about usage rights about to expire and apply the expiry of those that did
    (see ``delivery.expiry``); idempotent."""
    run = apply()
    return {"warned": run.warned, "expired": run.expired}
