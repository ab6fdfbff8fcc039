"""Emails about orders and deliverables, through Django's email framework.

Who hears about what:

* a message on an order thread goes to the *other party* of that brand: when a studio user
  writes, the brand side (brand admins and approvers) is told; when someone on the brand side
  writes, the studio is told;
* a new upload goes to the brand's reviewers (``review`` capability);
* changes requested and approvals go to the studio (``upload`` capability).

The author of the event is never emailed, nor users without an address, inactive users, or
users who switched that kind of email off in their :class:`~wagtail_lfcloud.models.NotificationPreference`.
Each recipient gets their own email so addresses are never shared. Mails are sent after the
transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from .models import NotificationPreference, Role

#: Roles on the brand's side of an order thread.
BRAND_SIDE = frozenset({Role.BRAND_ADMIN, Role.APPROVER})
#: Roles on the studio's side of an order thread.
STUDIO_SIDE = frozenset({Role.STUDIO})
#: Roles told about new uploads.
REVIEWERS = frozenset({Role.BRAND_ADMIN, Role.APPROVER})

#: Preference field for each kind of notification.
KINDS = {
    "message": "on_message",
    "upload": "on_upload",
    "changes_requested": "on_changes_requested",
    "approved": "on_approved",
}


def admin_url(path: str) -> str:
    base = getattr(settings, "WAGTAILADMIN_BASE_URL", "") or ""
    return base.rstrip("/") + path


def recipients(brand_id: int, roles: Iterable[str], kind: str, exclude_user=None) -> list:
    """Active users with an email address in ``roles`` of the brand who have not opted out of ``kind``."""
    field = KINDS[kind]
    User = get_user_model()
    users = (
        User.objects.filter(
            is_active=True,
            groups__lfcloud_role__brand_id=brand_id,
            groups__lfcloud_role__role__in=list(roles),
        )
        .exclude(email="")
        .exclude(**{f"lfcloud_notifications__{field}": False})
        .distinct()
        .order_by("pk")
    )
    if exclude_user is not None and exclude_user.pk is not None:
        users = users.exclude(pk=exclude_user.pk)
    return list(users)


def preferences_for(user) -> NotificationPreference:
    """The user's preferences (all on until they change them)."""
    pref, _created = NotificationPreference.objects.get_or_create(user=user)
    return pref


def _send(users: list, subject: str, template: str, context: dict) -> None:
    if not users:
        return
    messages = []
    for user in users:
        body = render_to_string(template, {**context, "recipient": user})
        messages.append(EmailMessage(subject=subject, body=body, to=[user.email]))

    def send():
        with get_connection() as connection:
            connection.send_messages(messages)

    transaction.on_commit(send)


def author_side(user, brand_id: int) -> frozenset[str]:
    """The roles on the author's side of a thread: studio users are the studio, everyone else the brand."""
    from .access.capabilities import brand_roles

    roles = brand_roles(user).get(brand_id, frozenset())
    if roles and roles <= STUDIO_SIDE:
        return STUDIO_SIDE
    return BRAND_SIDE


def notify_message(message) -> list:
    """Email the other party about a new message on an order thread. Returns the recipients."""
    order = message.order
    side = author_side(message.author, order.brand_id)
    other = BRAND_SIDE if side == STUDIO_SIDE else STUDIO_SIDE
    users = recipients(order.brand_id, other, "message", exclude_user=message.author)
    author = (
        (message.author.get_full_name() or message.author.get_username())
        if message.author
        else "Someone"
    )
    _send(
        users,
        f"[{order.number}] New message from {author}",
        "wagtail_lfcloud/notifications/message.txt",
        {
            "order": order,
            "message": message,
            "author": author,
            "url": admin_url(
                reverse("wagtail_lfcloud_admin:order_detail", args=[order.pk]) + "#thread"
            ),
        },
    )
    return users


def _asset_context(version) -> dict:
    asset = version.asset
    url = (
        admin_url(reverse("wagtail_lfcloud_admin:order_detail", args=[asset.order_id]))
        if asset.order_id
        else ""
    )
    return {"asset": asset, "version": version, "product": asset.product, "url": url}


def notify_version_uploaded(version, user=None) -> list:
    """Tell the brand's reviewers that a new version waits for them."""
    asset = version.asset
    users = recipients(asset.brand_id, REVIEWERS, "upload", exclude_user=user)
    _send(
        users,
        f"New upload to review: {asset.product.sku} {asset.angle} v{version.number}",
        "wagtail_lfcloud/notifications/version_uploaded.txt",
        {**_asset_context(version), "user": user},
    )
    return users


def notify_changes_requested(version, user=None, comment: str = "") -> list:
    """Tell the studio that a version was sent back, with the reviewer's comment."""
    asset = version.asset
    users = recipients(asset.brand_id, STUDIO_SIDE, "changes_requested", exclude_user=user)
    _send(
        users,
        f"Changes requested: {asset.product.sku} {asset.angle} v{version.number}",
        "wagtail_lfcloud/notifications/changes_requested.txt",
        {**_asset_context(version), "user": user, "comment": comment},
    )
    return users


def notify_asset_approved(asset, version, user=None) -> list:
    """Tell the studio a version was approved."""
    users = recipients(asset.brand_id, STUDIO_SIDE, "approved", exclude_user=user)
    _send(
        users,
        f"Approved: {asset.product.sku} {asset.angle} v{version.number}",
        "wagtail_lfcloud/notifications/approved.txt",
        {**_asset_context(version), "user": user},
    )
    return users


# --- signal receivers (connected in signal_handlers.connect) --------------------------------


def on_version_uploaded(sender, version, user=None, **kwargs) -> None:
    from .previews import THUMBNAIL_SPEC
    from .tasks import make_preview

    notify_version_uploaded(version, user)
    image_id = version.image_id
    transaction.on_commit(lambda: make_preview.enqueue(image_id, THUMBNAIL_SPEC))


def on_changes_requested(sender, version, user=None, comment: str = "", **kwargs) -> None:
    notify_changes_requested(version, user, comment or "")


def on_asset_approved(sender, asset, version, user=None, **kwargs) -> None:
    notify_asset_approved(asset, version, user)
