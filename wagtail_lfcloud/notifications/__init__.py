"""Emails about orders and deliverables, through Django's email framework.

Who hears about what (each list is one brand's people, see ``recipients``):

* a message on an order thread goes to the *other party* of that brand: when a studio user
  writes, the brand side (brand admins and approvers) is told; when someone on the brand side
  writes, the studio is told;
* a version reaching the brand's approval step goes to the people who can decide that step for
  the asset's brand (the step's groups, as the step itself judges them); Wagtail's own workflow
  emails are scoped so that they send nothing else about assets (``workflow``);
* changes requested and approvals go to the brand's studio and to the version's uploader;
* usage rights about to expire go to the brand's admins, one email per brand and run listing the
  assets (``delivery.expiry``).

The author of the event is never emailed, nor users without an address, inactive users, users
who switched that kind of email off, or superusers about brands they hold no role in (unless
``WAGTAIL_LFCLOUD_NOTIFY_SUPERUSERS``). Each recipient gets their own email so addresses are
never shared. Emails are sent by a django-tasks task queued after the transaction commits, and a
failing mail server never fails the action that caused the email (``sending``).
"""

from __future__ import annotations

from ..models import NotificationPreference
from .messages import admin_url, warning_window
from .recipients import BRAND_SIDE, KINDS, STUDIO_SIDE, author_side, recipients
from .sending import EmailNotSent, notify_later, send_notification

__all__ = [
    "BRAND_SIDE",
    "KINDS",
    "STUDIO_SIDE",
    "EmailNotSent",
    "admin_url",
    "author_side",
    "notify_asset_approved",
    "notify_changes_requested",
    "notify_later",
    "notify_message",
    "notify_rights_expiring",
    "preferences_for",
    "recipients",
    "send_notification",
    "warning_window",
]


def preferences_for(user):
    """The user's preferences (all on until they change them)."""
    pref, _created = NotificationPreference.objects.get_or_create(user=user)
    return pref


def notify_message(message) -> None:
    """Email the other party about a new message on an order thread (after the commit)."""
    notify_later("message", message.pk, actor=message.author)


def notify_changes_requested(version, user=None, comment: str = "") -> None:
    """Tell the studio that a version was sent back, with the reviewer's comment (after the commit)."""
    notify_later("changes_requested", version.pk, actor=user, comment=comment or "")


def notify_asset_approved(asset, version, user=None) -> None:
    """Tell the studio a version was approved (after the commit)."""
    notify_later("approved", version.pk, actor=user)


def notify_rights_expiring(brand_id: int, rights_ids: list[int]) -> None:
    """Tell the brand admins which assets' usage rights expire soon (after the commit)."""
    notify_later("rights_expiring", brand_id, rights_ids=sorted(rights_ids))


# --- signal receivers (connected in signal_handlers.connect) --------------------------------


def on_changes_requested(sender, version, user=None, comment: str = "", **kwargs) -> None:
    notify_changes_requested(version, user, comment or "")


def on_asset_approved(sender, asset, version, user=None, **kwargs) -> None:
    notify_asset_approved(asset, version, user)
