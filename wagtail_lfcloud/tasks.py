"""Background work, run by django-tasks (``TASKS`` setting).

Task arguments are primary keys and strings, never model instances, so they survive a real
queue backend. Each part of the package adds its tasks here.
"""

from __future__ import annotations

from django_tasks import task  # noqa: F401


# --- delivery: stable URLs, bundles, webhooks (api/, bundles.py, webhooks.py) ------------------


@task()
def render_missing_channels(version_id: int, channel_keys: list[str]) -> list[int]:
    """Render channel files the API found missing; sends ``rendition_ready`` for each one made."""
    from .webhooks import render_missing_channels as run

    return run(version_id, channel_keys)


@task()
def build_download_bundle(bundle_id: int) -> str:
    """Write a large bundle's zip into ``DownloadBundle.file``."""
    from .bundles import build_bundle_file

    return build_bundle_file(bundle_id)


@task()
def deliver_webhook(delivery_id: int) -> str:
    """POST one webhook delivery, retrying with exponential backoff (see ``webhooks.deliver``)."""
    from .webhooks import deliver

    return deliver(delivery_id)
