"""What each email says and who gets it, built when the sending task runs (from primary keys)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from wagtail.models import TaskState

from ..conf import lfcloud_settings
from ..models import Asset, AssetVersion, Brand, OrderMessage, Role, UsageRights
from ..models.assets import version_for_task_state
from . import recipients as who

#: A built email: (recipients, subject, template, context); None when there is nothing to send.
Built = tuple[list, str, str, dict] | None


def admin_url(path: str) -> str:
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""
    return base.rstrip("/") + path


def _name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def _asset_context(version) -> dict:
    asset = version.asset
    url = (
        admin_url(reverse("wagtail_lfcloud_admin:order_detail", args=[asset.order_id]))
        if asset.order_id
        else ""
    )
    return {"asset": asset, "version": version, "product": asset.product, "url": url}


def _version(version_id: int):
    return (
        AssetVersion.objects.select_related("asset__product", "uploaded_by")
        .filter(pk=version_id)
        .first()
    )


def message(message_id: int, actor, extra: dict) -> Built:
    """A new message on an order thread, for the other party of the brand."""
    msg = (
        OrderMessage.objects.select_related("order__brand", "author").filter(pk=message_id).first()
    )
    if msg is None:
        return None
    order = msg.order
    side = who.author_side(msg.author, order.brand_id)
    other = who.BRAND_SIDE if side == who.STUDIO_SIDE else who.STUDIO_SIDE
    author = _name(msg.author) or "Someone"
    return (
        who.recipients(order.brand_id, other, "message", exclude_user=msg.author_id),
        f"[{order.number}] New message from {author}",
        "wagtail_lfcloud/notifications/message.txt",
        {
            "order": order,
            "message": msg,
            "author": author,
            "url": admin_url(
                reverse("wagtail_lfcloud_admin:order_detail", args=[order.pk]) + "#thread"
            ),
        },
    )


def review(task_state_id: int, actor, extra: dict) -> Built:
    """A version reached a group approval step: the people who can decide it for the brand."""
    state = (
        TaskState.objects.select_related("workflow_state", "task").filter(pk=task_state_id).first()
    )
    # Decided or cancelled before the task ran (a real queue may be late): nobody is asked any more.
    if state is None or state.status != TaskState.STATUS_IN_PROGRESS:
        return None
    asset = (
        Asset.objects.select_related("product").filter(pk=state.workflow_state.object_id).first()
    )
    version = version_for_task_state(state)
    if asset is None or version is None:
        return None
    return (
        who.reviewers(state, asset, exclude_user_id=getattr(actor, "pk", None)),
        f"New upload to review: {asset.product.sku} {asset.angle} v{version.number}",
        "wagtail_lfcloud/notifications/version_uploaded.txt",
        {
            **_asset_context(version),
            "user": version.uploaded_by or actor,
            "task": state.task.specific,
        },
    )


def changes_requested(version_id: int, actor, extra: dict) -> Built:
    """A version was sent back (by a reviewer or the compliance check), for the studio and its uploader."""
    version = _version(version_id)
    if version is None:
        return None
    asset = version.asset
    return (
        who.told_about_result(version, "changes_requested", getattr(actor, "pk", None)),
        f"Changes requested: {asset.product.sku} {asset.angle} v{version.number}",
        "wagtail_lfcloud/notifications/changes_requested.txt",
        {**_asset_context(version), "user": actor, "comment": extra.get("comment", "")},
    )


def approved(version_id: int, actor, extra: dict) -> Built:
    """A version became current, for the studio and its uploader."""
    version = _version(version_id)
    if version is None:
        return None
    asset = version.asset
    return (
        who.told_about_result(version, "approved", getattr(actor, "pk", None)),
        f"Approved: {asset.product.sku} {asset.angle} v{version.number}",
        "wagtail_lfcloud/notifications/approved.txt",
        {**_asset_context(version), "user": actor},
    )


def warning_window() -> dt.timedelta:
    """How long before usage rights expire their brand admins are warned (``RIGHTS_EXPIRING_DAYS``)."""
    return dt.timedelta(days=float(lfcloud_settings.RIGHTS_EXPIRING_DAYS))


def rights_expiring(brand_id: int, actor, extra: dict) -> Built:
    """Usage rights of the brand's assets expire soon, for the brand admins."""
    brand = Brand.objects.filter(pk=brand_id).first()
    rows = list(
        UsageRights.objects.select_related("asset__product", "version__asset__product")
        .filter(pk__in=extra.get("rights_ids", []), brand_id=brand_id, expires_at__isnull=False)
        .order_by("expires_at")
    )
    if brand is None or not rows:
        return None
    items = []
    for rights in rows:
        asset = rights.version.asset if rights.version_id else rights.asset
        items.append(
            {
                "rights": rights,
                "asset": asset,
                "version": rights.version,
                "url": admin_url(reverse("wagtail_lfcloud_admin:asset_review", args=[asset.pk])),
            }
        )
    return (
        who.recipients(brand_id, [Role.BRAND_ADMIN], "rights_expiring"),
        f"Usage rights expiring soon: {len(items)} asset(s) of {brand.name}",
        "wagtail_lfcloud/notifications/rights_expiring.txt",
        {"brand": brand, "items": items, "days": warning_window().days},
    )


#: Kind of email -> builder(object id, actor, extra).
KINDS: dict[str, Callable[[int, object, dict], Built]] = {
    "message": message,
    "review": review,
    "changes_requested": changes_requested,
    "approved": approved,
    "rights_expiring": rights_expiring,
}


def build(kind: str, object_id: int, actor_id: int | None, extra: dict) -> Built:
    try:
        builder = KINDS[kind]
    except KeyError:
        raise ValueError(f"Unknown kind of email {kind!r} ({', '.join(KINDS)})") from None
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id is not None else None
    return builder(object_id, actor, extra)
