"""The usage-rights panel of the review page and the library's rights badge."""

from __future__ import annotations

from django import template
from django.urls import reverse

from ..access.capabilities import has_capability
from ..delivery.rights import deliverable, effective_rights

register = template.Library()


@register.inclusion_tag("wagtail_lfcloud/rights/_panel.html", takes_context=True)
def lfcloud_rights_panel(context, asset, version=None):
    """The rights that govern ``version`` (or the asset), whether they allow delivery now, and the
    edit links for people who may change them."""
    user = context["request"].user
    target = version or asset
    rights = effective_rights(target)
    can_edit = has_capability(user, asset.brand_id, "manage_rights")
    edit_url = reverse("wagtail_lfcloud_admin:asset_rights", args=[asset.pk])
    return {
        "rights": rights,
        "verdict": deliverable(target),
        "is_override": bool(rights and version and rights.version_id == version.pk),
        "version": version,
        "can_edit": can_edit,
        "edit_url": edit_url,
        "override_url": f"{edit_url}?version={version.number}" if version else "",
    }


@register.inclusion_tag("wagtail_lfcloud/rights/_badge.html")
def lfcloud_rights_badge(verdict):
    """A status tag when ``verdict`` forbids delivery (nothing when it allows it)."""
    return {"verdict": verdict}


@register.simple_tag(takes_context=True)
def lfcloud_public_links_url(context, asset):
    """The asset's Public links page, if the user may get public links of its brand ("" if not)."""
    if not has_capability(context["request"].user, asset.brand_id, "share_public_links"):
        return ""
    return reverse("wagtail_lfcloud_admin:asset_public_links", args=[asset.pk])
