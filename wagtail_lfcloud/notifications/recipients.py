"""Who is mailed about what. Every list is limited to one brand: nobody hears about a brand they
hold no role in (superusers included, unless ``WAGTAIL_LFCLOUD_NOTIFY_SUPERUSERS`` says so).

Everyone on a list is active, has an email address and has not switched that kind of email off,
neither in their LF Cloud notification preferences nor in their Wagtail account settings.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from ..access import CAPABILITIES, brand_roles
from ..conf import lfcloud_settings
from ..models import Role

#: Roles on the brand's side of an order thread.
BRAND_SIDE = frozenset({Role.BRAND_ADMIN, Role.APPROVER})
#: Roles on the studio's side of an order thread, told about changes requested and approvals.
STUDIO_SIDE = frozenset({Role.STUDIO})

#: Kind of email -> (LF Cloud preference field, Wagtail ``UserProfile`` field or None).
KINDS: dict[str, tuple[str, str | None]] = {
    "message": ("on_message", None),
    "review": ("on_upload", "submitted_notifications"),
    "changes_requested": ("on_changes_requested", "rejected_notifications"),
    "approved": ("on_approved", "approved_notifications"),
    "rights_expiring": ("on_rights_expiring", None),
}


def eligible(users: QuerySet, kind: str) -> QuerySet:
    """``users`` who are active, have an address and want emails of ``kind``."""
    ours, wagtails = KINDS[kind]
    users = (
        users.filter(is_active=True)
        .exclude(email="")
        .exclude(**{f"lfcloud_notifications__{ours}": False})
    )
    if wagtails:
        users = users.exclude(**{f"wagtail_userprofile__{wagtails}": False})
    return users


def _finish(users: QuerySet, exclude_user_id: int | None) -> list:
    if exclude_user_id is not None:
        users = users.exclude(pk=exclude_user_id)
    return list(users.distinct().order_by("pk"))


def recipients(brand_id: int, roles: Iterable[str], kind: str, exclude_user=None) -> list:
    """Users holding one of ``roles`` on the brand who want emails of ``kind``."""
    users = get_user_model().objects.filter(
        groups__lfcloud_role__brand_id=brand_id, groups__lfcloud_role__role__in=list(roles)
    )
    return _finish(eligible(users, kind), getattr(exclude_user, "pk", exclude_user))


def author_side(user, brand_id: int) -> frozenset[str]:
    """The roles on the author's side of a thread: studio users are the studio, everyone else the brand."""
    roles = brand_roles(user).get(brand_id, frozenset())
    if roles and roles <= STUDIO_SIDE:
        return STUDIO_SIDE
    return BRAND_SIDE


def told_about_result(version, kind: str, exclude_user_id: int | None = None) -> list:
    """Who hears that a version was approved or sent back: the brand's studio, and whoever uploaded
    the version if they still work on the brand (a brand admin who uploaded it, say)."""
    brand_id = version.asset.brand_id
    on_brand = Q(groups__lfcloud_role__brand_id=brand_id)
    users = get_user_model().objects.filter(
        (on_brand & Q(groups__lfcloud_role__role__in=list(STUDIO_SIDE)))
        | (
            on_brand
            & Q(
                pk=version.uploaded_by_id,
                groups__lfcloud_role__role__in=list(CAPABILITIES["view_drafts"]),
            )
        )
    )
    return _finish(eligible(users, kind), exclude_user_id)


def reviewers(task_state, asset, exclude_user_id: int | None = None) -> list:
    """The people who can decide ``task_state`` (a group approval step) for ``asset``'s brand.

    The task itself says who can decide: members of its groups, and the brand's admins, for whom
    ``task.get_actions(asset, user)`` offers an action (:class:`~wagtail_lfcloud.models.BrandApprovalTask`
    limits that to the asset's brand and lets the brand's admins always decide). Each person is on
    the list once, whatever the number of their groups or roles. A superuser is judged as the user they would be without the superuser flag, so
    they are mailed only about brands where their roles let them decide; with
    ``WAGTAIL_LFCLOUD_NOTIFY_SUPERUSERS = True`` every superuser is mailed too.
    """
    User = get_user_model()
    task = task_state.task.specific
    members = eligible(
        User.objects.filter(
            Q(groups__in=task.groups.all())
            | Q(
                groups__lfcloud_role__brand_id=asset.brand_id,
                groups__lfcloud_role__role=Role.BRAND_ADMIN,
            )
        ),
        "review",
    )
    chosen = []
    for user in _finish(members, exclude_user_id):
        judged = user
        if user.is_superuser:
            judged = copy.copy(user)
            judged.is_superuser = False
        if task.get_actions(asset, judged):
            chosen.append(user)
    if lfcloud_settings.NOTIFY_SUPERUSERS:
        known = {user.pk for user in chosen}
        chosen += [
            u
            for u in _finish(
                eligible(User.objects.filter(is_superuser=True), "review"), exclude_user_id
            )
            if u.pk not in known
        ]
    return chosen
