"""Is this file deliverable now, for this channel? The one question every delivery path asks.

Every path that hands a channel file or an original to someone outside the review (bundles, the
stable URL, the API, the admin's download links) calls :func:`deliverable` and, when the verdict is
negative, leaves the file out and says why. The verdict's ``code`` is stable for programs:

``ok``
    Rights exist and allow this use now.
``unrestricted``
    No rights are recorded: nothing restricts delivery.
``not_started``
    The rights window has not opened yet (``starts_at`` is in the future).
``expired``
    The rights expired (``expires_at`` is past).
``channel_not_allowed``
    The channel is not among the allowed channels.
``territory_not_allowed``
    The caller named a territory the rights do not cover.

The rights of a version are its own override when it has one, else its asset's rights.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from ..models import Asset, AssetVersion, Order, UsageRights
from ..models.rights import AUDITED_FIELDS, RELEASE_FIELDS

#: Verdict codes that allow delivery.
DELIVERABLE_CODES = frozenset({"ok", "unrestricted"})

_CACHE_ATTR = "_lfcloud_rights"
_UNSET: Any = object()


@dataclass(frozen=True)
class RightsVerdict:
    """The answer of :func:`deliverable`: truthy when the file may be delivered."""

    code: str
    reason: str
    rights: UsageRights | None = None

    @property
    def deliverable(self) -> bool:
        return self.code in DELIVERABLE_CODES

    def __bool__(self) -> bool:
        return self.deliverable

    def as_dict(self) -> dict[str, Any]:
        """What the API and webhooks show: the status, why, and the terms behind it."""
        rights = self.rights
        return {
            "status": self.code,
            "deliverable": self.deliverable,
            "reason": self.reason,
            "starts_at": rights.starts_at if rights else None,
            "expires_at": rights.expires_at if rights else None,
            "channels": list(rights.channels) if rights else [],
            "territories": list(rights.territories) if rights else [],
        }


def verdict_changed_at(rights: UsageRights | None, at: dt.datetime | None = None):
    """When the verdict of ``rights`` last changed (an edit, or the window opening or closing), for
    ``Last-Modified``; None without rights."""
    if rights is None:
        return None
    at = at or timezone.now()
    moments = [rights.updated_at, rights.starts_at, rights.expires_at]
    return max((m for m in moments if m is not None and m <= at), default=None)


def _when(value: dt.datetime) -> str:
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def rights_for(versions: Iterable[AssetVersion]) -> dict[int, UsageRights | None]:
    """``{version pk: effective rights or None}`` for many versions, in one query."""
    versions = list(versions)
    pending = [v for v in versions if not hasattr(v, _CACHE_ATTR)]
    if pending:
        rows = UsageRights.objects.filter(
            Q(version_id__in=[v.pk for v in pending])
            | Q(asset_id__in={v.asset_id for v in pending})
        )
        by_version, by_asset = {}, {}
        for row in rows:
            if row.version_id:
                by_version[row.version_id] = row
            else:
                by_asset[row.asset_id] = row
        for version in pending:
            setattr(
                version, _CACHE_ATTR, by_version.get(version.pk) or by_asset.get(version.asset_id)
            )
    return {v.pk: getattr(v, _CACHE_ATTR) for v in versions}


def effective_rights(target: Asset | AssetVersion) -> UsageRights | None:
    """The rights that govern ``target``: a version's override, else its asset's rights."""
    if isinstance(target, Asset):
        version = target.current_version
        if version is None:
            return UsageRights.objects.filter(asset=target).first()
        target = version
    return rights_for([target])[target.pk]


def judge(
    rights: UsageRights | None,
    channel: str | None = None,
    *,
    at: dt.datetime | None = None,
    territory: str | None = None,
) -> RightsVerdict:
    """The verdict of ``rights`` (already loaded) for ``channel`` at ``at`` (default now)."""
    if rights is None:
        return RightsVerdict("unrestricted", _("No usage rights are recorded."))
    at = at or timezone.now()
    if rights.expires_at is not None and at >= rights.expires_at:
        return RightsVerdict(
            "expired",
            _("The usage rights expired on %(when)s.") % {"when": _when(rights.expires_at)},
            rights,
        )
    if rights.starts_at is not None and at < rights.starts_at:
        return RightsVerdict(
            "not_started",
            _("The usage rights start on %(when)s.") % {"when": _when(rights.starts_at)},
            rights,
        )
    if channel and rights.channels and channel not in rights.channels:
        return RightsVerdict(
            "channel_not_allowed",
            _("The usage rights do not cover the %(channel)s channel (allowed: %(allowed)s).")
            % {"channel": channel, "allowed": ", ".join(rights.channels)},
            rights,
        )
    if territory and rights.territories and territory.upper() not in rights.territories:
        return RightsVerdict(
            "territory_not_allowed",
            _("The usage rights do not cover %(territory)s (allowed: %(allowed)s).")
            % {"territory": territory.upper(), "allowed": ", ".join(rights.territories)},
            rights,
        )
    return RightsVerdict("ok", _("Within the usage rights."), rights)


def deliverable(
    target: Asset | AssetVersion,
    channel: str | None = None,
    *,
    at: dt.datetime | None = None,
    territory: str | None = None,
) -> RightsVerdict:
    """May ``target`` (a version, or an asset's current version) be delivered now, for ``channel``?

    ``channel`` None asks about the picture itself (e.g. an original download); ``territory`` is an
    ISO country code when the caller knows where the file will be shown. Call :func:`rights_for`
    first when judging many versions, so this costs no query per version.
    """
    return judge(effective_rights(target), channel, at=at, territory=territory)


# --- editing --------------------------------------------------------------------------------


def snapshot(rights: UsageRights | None) -> dict[str, Any]:
    """The terms of ``rights`` as JSON-ready values (for the audit log)."""
    if rights is None or rights.pk is None:
        return {}
    data: dict[str, Any] = {}
    for name in AUDITED_FIELDS:
        value = getattr(rights, name)
        data[name] = value.isoformat() if isinstance(value, dt.datetime) else value
    for name in RELEASE_FIELDS:
        data[name] = sorted(getattr(rights, name).values_list("pk", flat=True))
    return data


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list]:
    """``{field: [old, new]}`` for every field that differs."""
    return {
        name: [before.get(name), after.get(name)]
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    }


def log_rights_change(rights_owner, scope: str, before: dict, after: dict, user, **extra) -> None:
    """Write ``wagtail_lfcloud.rights_changed`` on the asset or order (nothing when nothing changed)."""
    diff = changes(before, after)
    if not diff:
        return
    log(
        rights_owner,
        "wagtail_lfcloud.rights_changed",
        user=user,
        data={"scope": scope, "changes": diff, **extra},
    )


def inherit_order_rights(asset: Asset, user=None) -> UsageRights | None:
    """Give ``asset`` its order's default rights if it has none of its own (at an upload).

    The order is the asset's own order, else the newest order with default rights that has a
    line for its product. Returns the new rights, or None when nothing was inherited.
    """
    if UsageRights.objects.filter(asset=asset).exists():
        return None
    orders = Order.objects.filter(default_rights__isnull=False, brand_id=asset.brand_id)
    order = None
    if asset.order_id:
        order = orders.filter(pk=asset.order_id).first()
    if order is None:
        order = orders.filter(lines__product_id=asset.product_id).order_by("-created_at").first()
    if order is None:
        return None
    rights = order.default_rights.copy_terms(asset=asset)
    log_rights_change(
        asset,
        "asset",
        {},
        snapshot(rights),
        user,
        inherited_from=order.number or str(order.pk),
    )
    return rights
