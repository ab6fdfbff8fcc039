"""Each brand's five role groups, with exactly the permissions their jobs need.

For every brand, :func:`ensure_brand_roles` creates (or repairs) one Django group per
:class:`~wagtail_lfcloud.models.Role`, named ``"<Brand>: <Role>"`` and linked by a
:class:`~wagtail_lfcloud.models.BrandRole`, and gives it:

- ``wagtailadmin.access_admin``;
- the Django model permissions the role needs on the package's models, derived from
  :data:`wagtail_lfcloud.access.policies.MODEL_ACCESS` and :data:`wagtail_lfcloud.access.capabilities.CAPABILITIES`
  (so the model permission and the brand capability never disagree);
- Wagtail collection permissions on the brand's collection tree (:data:`COLLECTION_PERMISSIONS`).

Running it again changes nothing; after someone edits a role group by hand, running it puts the
group back to its defined state. Adding and removing people goes through :func:`assign_role` /
:func:`remove_role`, which write ``wagtail_lfcloud.role_changed`` to the audit log.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from wagtail.log_actions import log
from wagtail.models import (
    CollectionViewRestriction,
    DraftStateMixin,
    GroupCollectionPermission,
    LockableMixin,
)

from .. import models
from ..catalog.library import ensure_brand_tree
from ..models import Brand, BrandRole, Role
from .capabilities import CAPABILITIES, forget_roles
from .policies import ACTIONS, MODEL_ACCESS

#: Role -> {stage of the brand tree ("" = the whole brand tree): image actions}.
#: Permissions on a collection apply to all collections below it.
COLLECTION_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    Role.BRAND_ADMIN: {"": ("add", "change", "choose")},
    Role.STUDIO: {"raw": ("add", "change", "choose")},
    Role.APPROVER: {"raw": ("change", "choose"), "finals": ("change", "choose")},
    Role.MARKETER: {"finals": ("choose",)},
    Role.FINANCE: {},
}

#: Role -> Wagtail document actions on the whole brand tree (brief references are documents).
DOCUMENT_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.BRAND_ADMIN: ("add", "change", "choose"),
    Role.STUDIO: ("choose",),
    Role.APPROVER: ("choose",),
    Role.MARKETER: (),
    Role.FINANCE: (),
}

#: Roles whose groups pass the view restriction on the brand's tree: only they can download the
#: brand's documents from Wagtail's document URLs, and Wagtail's public image APIs list none of
#: the brand's images to anyone else.
RESTRICTED_TO_ROLES: tuple[str, ...] = (Role.BRAND_ADMIN, Role.APPROVER, Role.STUDIO)

#: Permissions every role group gets, whatever the role.
BASE_PERMISSIONS = [("wagtailadmin", "access_admin")]


def group_name(brand: Brand, role: str) -> str:
    """The group's display name, e.g. ``"Acme: Marketer"``."""
    return f"{brand.name}: {Role(role).label}"[:150]


def model_permissions_for(role: str) -> list[tuple[str, str]]:
    """``(app_label, codename)`` of every model permission ``role`` gets on the package's models."""
    perms = list(BASE_PERMISSIONS)
    for model_name, access in MODEL_ACCESS.items():
        for action in ACTIONS:
            capabilities = access.actions.get(action, frozenset())
            if any(role in CAPABILITIES[capability] for capability in capabilities):
                perms.append(("wagtail_lfcloud", f"{action}_{model_name.lower()}"))
    return perms


def _permission_objects(pairs: list[tuple[str, str]]) -> list[Permission]:
    # Permissions that do not exist (e.g. publish_* of a model that is not a snippet) are skipped.
    wanted = set(pairs)
    found = Permission.objects.filter(
        content_type__app_label__in={app for app, _ in pairs},
        codename__in={code for _, code in pairs},
    ).select_related("content_type")
    return [p for p in found if (p.content_type.app_label, p.codename) in wanted]


def ensure_extra_permissions() -> None:
    """Make sure ``publish_*``/``lock_*``/``unlock_*`` exist for the package's draft/lockable models.

    Wagtail creates them after migrate, but only for models registered as snippets at that time;
    role groups must get them even if the groups are set up first (approvers need ``publish_asset``).
    One query when they exist (every brand's creation calls this).
    """
    wanted = {}
    for model_name in MODEL_ACCESS:
        model = getattr(models, model_name)
        extra = (["publish"] if issubclass(model, DraftStateMixin) else []) + (
            ["lock", "unlock"] if issubclass(model, LockableMixin) else []
        )
        if not extra:
            continue
        ct = ContentType.objects.get_for_model(model, for_concrete_model=False)
        for action in extra:
            wanted[(ct.pk, f"{action}_{model._meta.model_name}")] = (
                ct,
                f"Can {action} {model._meta.verbose_name_raw}",
            )
    have = set(
        Permission.objects.filter(
            content_type__in={ct for ct, _name in wanted.values()},
            codename__in={codename for _ct, codename in wanted},
        ).values_list("content_type_id", "codename")
    )
    for (_ct_id, codename), (ct, name) in wanted.items():
        if (ct.pk, codename) not in have:
            Permission.objects.get_or_create(
                content_type=ct, codename=codename, defaults={"name": name}
            )


def _image_permissions() -> dict[str, Permission]:
    # Wagtail's image permissions are always wagtailimages.*_image, even with a custom image model.
    perms = Permission.objects.filter(
        content_type__app_label="wagtailimages", content_type__model="image"
    )
    return {p.codename.rsplit("_", 1)[0]: p for p in perms}


def _document_permissions() -> dict[str, Permission]:
    perms = Permission.objects.filter(
        content_type__app_label="wagtaildocs", content_type__model="document"
    )
    return {p.codename.rsplit("_", 1)[0]: p for p in perms}


def _restrict_tree(top, groups: list[Group]) -> None:
    """One group view restriction on the brand's top collection, passed by ``groups``."""
    restriction = CollectionViewRestriction.objects.filter(
        collection=top, restriction_type=CollectionViewRestriction.GROUPS
    ).first()
    if restriction is None:
        restriction = CollectionViewRestriction.objects.create(
            collection=top, restriction_type=CollectionViewRestriction.GROUPS
        )
    restriction.groups.add(*groups)


def _role_group(brand: Brand, role: str, link: BrandRole | None) -> tuple[Group, bool]:
    """The group of ``brand`` x ``role`` (``link``: its ``BrandRole``, None if there is none
    yet), renamed if the brand was; and whether it was created just now."""
    name = group_name(brand, role)
    if link is not None:
        group = link.group
        if group.name != name and not Group.objects.filter(name=name).exists():
            group.name = name
            group.save(update_fields=["name"])
        return group, False
    # Adopt an unlinked group of the right name (e.g. left over by hand), otherwise create it.
    group = Group.objects.filter(name=name, lfcloud_role__isnull=True).first()
    created = group is None
    if created:
        group = Group.objects.create(name=_free_name(name))
    BrandRole.objects.create(brand=brand, role=role, group=group)
    return group, created


def _free_name(name: str) -> str:
    candidate, n = name, 2
    while Group.objects.filter(name=candidate).exists():
        candidate = f"{name} ({n})"
        n += 1
    return candidate


@transaction.atomic
def ensure_brand_roles(brand: Brand) -> dict[str, Group]:
    """Create or repair the brand's five role groups and their permissions. Returns ``{role: group}``."""
    tree = ensure_brand_tree(brand)
    ensure_extra_permissions()
    image_perms = _image_permissions()
    document_perms = _document_permissions()
    tree_ids = [c.pk for c in tree.values()]
    # Every role's model permissions in one query, then each role's share.
    wanted_by_role = {role: set(model_permissions_for(role)) for role in Role.values}
    permissions = _permission_objects(sorted(set().union(*wanted_by_role.values())))
    links = {
        link.role: link for link in BrandRole.objects.select_related("group").filter(brand=brand)
    }
    groups = {}
    for role in Role.values:
        group, created = _role_group(brand, role, links.get(role))
        role_permissions = [
            p for p in permissions if (p.content_type.app_label, p.codename) in wanted_by_role[role]
        ]
        if created:  # nothing to compare with
            group.permissions.add(*role_permissions)
        else:
            group.permissions.set(role_permissions)
        wanted = {
            (tree[stage].pk, image_perms[action].pk)
            for stage, actions in COLLECTION_PERMISSIONS[role].items()
            for action in actions
        } | {(tree[""].pk, document_perms[action].pk) for action in DOCUMENT_PERMISSIONS[role]}
        existing = GroupCollectionPermission.objects.filter(group=group)
        have = set() if created else set(existing.values_list("collection_id", "permission_id"))
        # Anything this group holds on the brand's tree but should not: remove.
        for collection_id, permission_id in have - wanted:
            if collection_id in tree_ids:
                existing.filter(collection_id=collection_id, permission_id=permission_id).delete()
        GroupCollectionPermission.objects.bulk_create(
            [
                GroupCollectionPermission(group=group, collection_id=c, permission_id=p)
                for c, p in wanted - have
            ]
        )
        groups[role] = group
    _restrict_tree(tree[""], [groups[role] for role in RESTRICTED_TO_ROLES])
    return groups


def ensure_all_roles() -> int:
    """Run :func:`ensure_brand_roles` for every brand; returns how many brands were processed."""
    count = 0
    for brand in Brand.objects.all():
        ensure_brand_roles(brand)
        count += 1
    return count


def role_group(brand: Brand, role: str) -> Group:
    """The group of ``brand`` x ``role`` (setting up the brand's roles first if needed)."""
    link = BrandRole.objects.select_related("group").filter(brand=brand, role=role).first()
    if link is not None:
        return link.group
    return ensure_brand_roles(brand)[role]


def _log_change(brand: Brand, role: str, user, change: str, by, via: str = "roles screen") -> None:
    log(
        instance=brand,
        action="wagtail_lfcloud.role_changed",
        user=by,
        data={
            "brand": brand.slug,
            "role": role,
            "member": user.get_username(),
            "member_id": user.pk,
            "change": change,
            "via": via,
        },
    )


#: Set on a user while assign_role/remove_role change their groups, which log the change themselves.
_LOGGED_ATTR = "_lfcloud_role_change_logged"


def on_groups_changed(sender, instance, action, reverse, model, pk_set, **kwargs) -> None:
    """``m2m_changed`` on user groups: log role changes made elsewhere (Wagtail's user or group
    editor, the shell), where the acting user is not known (logged with no user)."""
    if (
        action not in ("post_add", "post_remove")
        or not pk_set
        or getattr(instance, _LOGGED_ATTR, False)
    ):
        return
    change = "added" if action == "post_add" else "removed"
    if reverse:  # group.user_set.add(...): instance is the group, pk_set user ids
        link = BrandRole.objects.select_related("brand").filter(group=instance).first()
        pairs = [(member, link) for member in model.objects.filter(pk__in=pk_set)] if link else []
    else:  # user.groups.add(...): instance is the user, pk_set group ids
        forget_roles(instance)
        pairs = [
            (instance, link)
            for link in BrandRole.objects.select_related("brand").filter(group_id__in=pk_set)
        ]
    for member, link in pairs:
        _log_change(link.brand, link.role, member, change, by=None, via="another screen")


@transaction.atomic
def _change_membership(brand: Brand, role: str, user, by, *, add: bool) -> bool:
    group = role_group(brand, role)
    if user.groups.filter(pk=group.pk).exists() == add:
        return False
    # Tell the m2m_changed handler this change is logged here, with the acting user.
    setattr(user, _LOGGED_ATTR, True)
    try:
        (user.groups.add if add else user.groups.remove)(group)
    finally:
        delattr(user, _LOGGED_ATTR)
    forget_roles(user)
    _log_change(brand, role, user, "added" if add else "removed", by)
    return True


def assign_role(brand: Brand, role: str, user, by=None) -> bool:
    """Give ``user`` the ``role`` on ``brand``; logs it. Returns False if they already had it."""
    return _change_membership(brand, role, user, by, add=True)


def remove_role(brand: Brand, role: str, user, by=None) -> bool:
    """Take ``role`` on ``brand`` away from ``user``; logs it. Returns False if they did not have it."""
    return _change_membership(brand, role, user, by, add=False)


def members(brand: Brand) -> dict[str, list]:
    """``{role: [users]}`` for the brand, in role order (two queries)."""
    User = get_user_model()
    links = dict(BrandRole.objects.filter(brand=brand).values_list("group_id", "role"))
    result: dict[str, list] = {role: [] for role in Role.values}
    through = User.groups.through.objects.filter(group_id__in=links.keys()).select_related("user")
    for row in through.order_by("user__username"):
        result[links[row.group_id]].append(row.user)
    return result
