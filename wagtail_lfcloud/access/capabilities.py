"""Who may do what, for which brand.

A user's roles come from their Django groups: each :class:`~wagtail_lfcloud.models.BrandRole`
links one group to one brand and one role. Capabilities (``"view_drafts"``, ``"upload"``...) are
granted to roles by :data:`CAPABILITIES`; every view, API endpoint and file URL of the package asks
:func:`has_capability` or scopes its queryset with :func:`brands_with` before touching a brand's data.
Superusers may do everything. Wagtail's native model and collection permissions sit on top of this
(see ``docs/reference/roles.md`` for which rule is enforced where).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from ..models import Brand, BrandRole, Role

#: Capability -> roles that have it.
CAPABILITIES: dict[str, frozenset[str]] = {
    # The library
    "view_finals": frozenset({Role.BRAND_ADMIN, Role.MARKETER, Role.APPROVER, Role.STUDIO}),
    "view_drafts": frozenset({Role.BRAND_ADMIN, Role.APPROVER, Role.STUDIO}),
    "upload": frozenset({Role.BRAND_ADMIN, Role.STUDIO}),
    "review": frozenset({Role.BRAND_ADMIN, Role.APPROVER}),
    "comment": frozenset({Role.BRAND_ADMIN, Role.APPROVER, Role.STUDIO}),
    "download_originals": frozenset({Role.BRAND_ADMIN, Role.APPROVER, Role.STUDIO}),
    "download_bundles": frozenset({Role.BRAND_ADMIN, Role.MARKETER, Role.APPROVER}),
    # Public signed (CDN-cacheable) links to approved channel files, for <img src> and feeds.
    "share_public_links": frozenset({Role.BRAND_ADMIN, Role.MARKETER}),
    # Usage rights of assets and versions (an order's default rights: produce_orders).
    "manage_rights": frozenset({Role.BRAND_ADMIN}),
    # Usage insights: how often the brand's files went out, where and how.
    "view_usage": frozenset({Role.BRAND_ADMIN, Role.MARKETER}),
    # Orders and money
    "view_orders": frozenset({Role.BRAND_ADMIN, Role.APPROVER, Role.STUDIO, Role.FINANCE}),
    "manage_orders": frozenset({Role.BRAND_ADMIN}),
    "produce_orders": frozenset({Role.BRAND_ADMIN, Role.STUDIO}),
    "message_orders": frozenset({Role.BRAND_ADMIN, Role.APPROVER, Role.STUDIO}),
    "view_briefs": frozenset({Role.BRAND_ADMIN, Role.APPROVER, Role.STUDIO}),
    "view_invoices": frozenset({Role.BRAND_ADMIN, Role.FINANCE}),
    "manage_invoices": frozenset({Role.BRAND_ADMIN, Role.FINANCE}),
    # The brand itself
    "view_catalog": frozenset(
        {Role.BRAND_ADMIN, Role.MARKETER, Role.APPROVER, Role.STUDIO, Role.FINANCE}
    ),
    "manage_catalog": frozenset({Role.BRAND_ADMIN}),
    "manage_roles": frozenset({Role.BRAND_ADMIN}),
    "manage_webhooks": frozenset({Role.BRAND_ADMIN}),
    "manage_api_tokens": frozenset({Role.BRAND_ADMIN}),
}

#: Scope of a brand API token -> the capabilities it grants (on the token's brand only, and never
#: more than the token user's roles). A token stores a list of scope names.
TOKEN_SCOPES: dict[str, frozenset[str]] = {
    # What a storefront shows: the catalog and the approved files with their channel renditions.
    "read": frozenset({"view_catalog", "view_finals"}),
    # A report or BI tool reading the brand's delivery figures (GET /usage).
    "usage": frozenset({"view_catalog", "view_usage"}),
    # A PIM pushing products (upsert by SKU).
    "products:write": frozenset({"view_catalog", "manage_catalog"}),
    # An e-commerce backend opening orders with lines and a brief.
    "orders:write": frozenset({"view_catalog", "view_orders", "manage_orders"}),
    # A studio's capture software uploading versions for SKU/angle, and commenting on them.
    "upload": frozenset({"view_catalog", "upload", "comment"}),
    # A review tool approving or requesting changes, and commenting.
    "review": frozenset({"view_catalog", "view_drafts", "review", "comment"}),
}

#: Capabilities a scope also carries when the token user's roles have them (a scope is still
#: offered to a user without them, whose token simply does not get them): a storefront token of a
#: brand admin or marketer gets public links in the API, a studio's read token does not.
TOKEN_SCOPE_EXTRAS: dict[str, frozenset[str]] = {
    "read": frozenset({"share_public_links"}),
}

#: Scopes that allow a request other than GET/HEAD/OPTIONS.
WRITE_SCOPES: frozenset[str] = frozenset(TOKEN_SCOPES) - {"read", "usage"}

#: Attribute holding ``(brand_id, capabilities, scopes)`` on a user authenticated by a brand API
#: token.
TOKEN_SCOPE_ATTR = "_lfcloud_token_scope"


def restrict_to_token(user, brand_id: int, scopes) -> None:
    """Narrow ``user`` (this request's object) to ``brand_id`` and what ``scopes`` grant."""
    capabilities = frozenset().union(
        *(TOKEN_SCOPES.get(s, frozenset()) | TOKEN_SCOPE_EXTRAS.get(s, frozenset()) for s in scopes)
    )
    setattr(user, TOKEN_SCOPE_ATTR, (brand_id, capabilities, frozenset(scopes)))


def token_scopes(user) -> frozenset[str] | None:
    """The scopes of the brand API token ``user`` was authenticated by; ``None`` for other tokens."""
    restriction = getattr(user, TOKEN_SCOPE_ATTR, None)
    return None if restriction is None else restriction[2]


def scopes_allowed(user, brand: Brand | int) -> list[str]:
    """Scopes ``user`` may put on a token for ``brand``: those whose capabilities they all have."""
    return [
        name
        for name, capabilities in TOKEN_SCOPES.items()
        if all(has_capability(user, brand, c) for c in capabilities)
    ]


_CACHE_ATTR = "_lfcloud_brand_roles"
# The audit log's per-user caches (wagtail_lfcloud.access.audit), derived from the roles too.
_AUDIT_CT_CACHE_ATTR = "_lfcloud_log_content_type_ids"
_AUDIT_FILTER_CACHE_ATTR = "_lfcloud_log_filter"


def brand_roles(user) -> dict[int, frozenset[str]]:
    """``{brand_id: roles}`` for the user, read once per user object."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    roles: dict[int, set[str]] = {}
    for brand_id, role in BrandRole.objects.filter(group__user=user).values_list(
        "brand_id", "role"
    ):
        roles.setdefault(brand_id, set()).add(role)
    result = {brand_id: frozenset(r) for brand_id, r in roles.items()}
    setattr(user, _CACHE_ATTR, result)
    return result


def forget_roles(user) -> None:
    """Drop the per-object cache after changing a user's groups."""
    # The image policy and the audit log cache rules derived from the roles on the same object.
    for attr in (
        _CACHE_ATTR,
        "_lfcloud_image_rules",
        _AUDIT_CT_CACHE_ATTR,
        _AUDIT_FILTER_CACHE_ATTR,
    ):
        if hasattr(user, attr):
            delattr(user, attr)


def _check(capability: str) -> frozenset[str]:
    try:
        return CAPABILITIES[capability]
    except KeyError:
        raise ValueError(f"Unknown capability {capability!r}") from None


def has_capability(user, brand: Brand | int | None, capability: str) -> bool:
    """Whether ``user`` may exercise ``capability`` on ``brand`` (a Brand or its pk)."""
    allowed = _check(capability)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if brand is None:
        return False
    brand_id = brand if isinstance(brand, int) else brand.pk
    restriction = getattr(user, TOKEN_SCOPE_ATTR, None)
    if restriction is not None and (brand_id != restriction[0] or capability not in restriction[1]):
        return False
    if user.is_superuser:
        return True
    return bool(brand_roles(user).get(brand_id, frozenset()) & allowed)


def brand_ids_with(user, capability: str) -> set[int] | None:
    """Brand ids where the user has the capability; ``None`` means every brand (superuser)."""
    allowed = _check(capability)
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    restriction = getattr(user, TOKEN_SCOPE_ATTR, None)
    if restriction is not None:
        if capability not in restriction[1]:
            return set()
        if user.is_superuser:
            return {restriction[0]}
        return {restriction[0]} & {b for b, roles in brand_roles(user).items() if roles & allowed}
    if user.is_superuser:
        return None
    return {brand_id for brand_id, roles in brand_roles(user).items() if roles & allowed}


def brands_with(user, capability: str) -> QuerySet[Brand]:
    """The brands on which the user has ``capability``."""
    ids = brand_ids_with(user, capability)
    qs = Brand.objects.all()
    return qs if ids is None else qs.filter(pk__in=ids)


def scope(queryset: QuerySet, user, capability: str, brand_path: str = "brand") -> QuerySet:
    """Narrow ``queryset`` to rows of brands where ``user`` has ``capability``.

    ``brand_path`` is the lookup from the queryset's model to the brand id's field owner,
    e.g. ``"brand"``, ``"asset__brand"``, ``"order__brand"``.
    """
    ids = brand_ids_with(user, capability)
    if ids is None:
        return queryset
    return queryset.filter(**{f"{brand_path}__in": ids})


def capabilities_of(roles: Iterable[str]) -> set[str]:
    """Every capability any of ``roles`` grants (for the role matrix in the admin and the docs)."""
    roles = set(roles)
    return {cap for cap, allowed in CAPABILITIES.items() if roles & allowed}
