"""Who may see or do what, for which brand: the package's one trust boundary.

Everything the admin, the API, file serving, emails, webhooks and exports ask about access goes
through the names exported here; import them from ``wagtail_lfcloud.access``, not from the
submodules (which may move)::

    from wagtail_lfcloud.access import has_capability, scope

The submodules:

========================  ========================================================================
``capabilities``          :data:`CAPABILITIES` (capability -> roles), a user's roles per brand,
                          :func:`has_capability`, :func:`brand_ids_with`, :func:`scope`
``policies``              :data:`MODEL_ACCESS` (model x action -> capabilities) and the Wagtail
                          permission policies built from it (package models, the image model)
``guards``                object-level guards for viewsets, scoped snippet choosers, form and
                          filter narrowing, bulk actions
``roles``                 each brand's role groups and their Django/Wagtail permissions
``audit``                 who may read which audit-log line
``reports``               Wagtail's workflow reports, limited to the user's brands
``checks``                system checks W040-W042
``tags``                  tags in Wagtail's autocomplete, listings' tag filters and image chooser
``scoping``               :func:`get_for_user_or_404` (THE way to fetch a row by id for a user)
                          and :func:`reachable` (a queryset narrowed to the user's brands)
``files``                 :func:`user_may_see_image_files` (who may see an image's files)
========================  ========================================================================

Names are resolved on first use (PEP 562), so importing this package never pulls in Wagtail's
admin views or the database at import time.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public name -> submodule defining it.
_EXPORTS: dict[str, str] = {
    # capabilities
    "CAPABILITIES": "capabilities",
    "brand_roles": "capabilities",
    "forget_roles": "capabilities",
    "has_capability": "capabilities",
    "brand_ids_with": "capabilities",
    "brands_with": "capabilities",
    "scope": "capabilities",
    "capabilities_of": "capabilities",
    # policies
    "ACTIONS": "policies",
    "MODEL_ACCESS": "policies",
    "ModelAccess": "policies",
    "STAGE_CAPABILITY": "policies",
    "BrandPermissionPolicy": "policies",
    "LFCloudImagePermissionPolicy": "policies",
    "brand_id_of": "policies",
    "get_image_permission_policy": "policies",
    "register_policies": "policies",
    # scoping
    "get_for_user_or_404": "scoping",
    "reachable": "scoping",
    "brand_path_for": "scoping",
    # files
    "user_may_see_image_files": "files",
    # tags
    "visible_tags": "tags",
    "popular_tags_for": "tags",
    # guards
    "BrandGuardedViewSetMixin": "guards",
    "ScopedSnippetChooserViewSet": "guards",
    "narrow_choices": "guards",
    "user_may_reach": "guards",
    # roles
    "ensure_brand_roles": "roles",
    "ensure_all_roles": "roles",
    "role_group": "roles",
    "assign_role": "roles",
    "remove_role": "roles",
    "members": "roles",
    # audit
    "audience_of": "audit",
    "visible_entries": "audit",
}

__all__ = [
    "ACTIONS",
    "CAPABILITIES",
    "MODEL_ACCESS",
    "STAGE_CAPABILITY",
    "BrandGuardedViewSetMixin",
    "BrandPermissionPolicy",
    "LFCloudImagePermissionPolicy",
    "ModelAccess",
    "ScopedSnippetChooserViewSet",
    "assign_role",
    "audience_of",
    "brand_id_of",
    "brand_ids_with",
    "brand_path_for",
    "brand_roles",
    "brands_with",
    "capabilities_of",
    "ensure_all_roles",
    "ensure_brand_roles",
    "forget_roles",
    "get_for_user_or_404",
    "get_image_permission_policy",
    "has_capability",
    "members",
    "narrow_choices",
    "reachable",
    "register_policies",
    "remove_role",
    "role_group",
    "scope",
    "user_may_reach",
    "user_may_see_image_files",
    "visible_entries",
]

if TYPE_CHECKING:
    from .audit import audience_of, visible_entries
    from .capabilities import (
        CAPABILITIES,
        brand_ids_with,
        brand_roles,
        brands_with,
        capabilities_of,
        forget_roles,
        has_capability,
        scope,
    )
    from .files import user_may_see_image_files
    from .guards import (
        BrandGuardedViewSetMixin,
        ScopedSnippetChooserViewSet,
        narrow_choices,
        user_may_reach,
    )
    from .policies import (
        ACTIONS,
        MODEL_ACCESS,
        STAGE_CAPABILITY,
        BrandPermissionPolicy,
        LFCloudImagePermissionPolicy,
        ModelAccess,
        brand_id_of,
        get_image_permission_policy,
        register_policies,
    )
    from .roles import (
        assign_role,
        ensure_all_roles,
        ensure_brand_roles,
        members,
        remove_role,
        role_group,
    )
    from .scoping import brand_path_for, get_for_user_or_404, reachable


def __getattr__(name: str) -> Any:
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
