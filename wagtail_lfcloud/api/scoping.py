"""What an API token may see: its user's brand roles (:mod:`wagtail_lfcloud.access.capabilities`)
applied to querysets, and the API's answers when it may not (403, 404, 400)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest

from ..access.capabilities import brand_ids_with, scope, token_scopes
from ..models import Brand
from .errors import ApiError


def scoped(
    request: HttpRequest, queryset: QuerySet, capability: str, brand_path: str = "brand"
) -> QuerySet:
    """``queryset`` narrowed to brands where the token's user has ``capability``."""
    return scope(queryset, request.user, capability, brand_path)


def require_scope(request: HttpRequest, *names: str) -> None:
    """Refuse with 403 ``missing_scope`` when a brand API token carries none of scopes ``names``.

    Tokens without a brand (made by a superuser) have no scopes: their user's roles decide.
    """
    scopes = token_scopes(request.user)
    if scopes is not None and not scopes & set(names):
        wanted = " or ".join(repr(n) for n in names)
        raise ApiError(
            403,
            "missing_scope",
            f"This token lacks the {wanted} scope; a brand admin can make a token that has it "
            "under LF Cloud > API tokens.",
        )


def require_any(request: HttpRequest, capability: str, what: str) -> None:
    """Refuse with 403 when the token's user has ``capability`` on no brand at all."""
    if brand_ids_with(request.user, capability) == set():
        raise ApiError(
            403,
            "permission_denied",
            f"This token's user has no role that may {what} ({capability}).",
        )


def brand_filter(request: HttpRequest, slug: str | None, capability: str) -> Brand | None:
    """The brand named by a ``brand=`` filter, if the user may use it; 404 otherwise.

    Unknown brands and brands the user has no role on get the same answer, so a token cannot
    probe which brands exist.
    """
    if slug is None:
        return None
    ids = brand_ids_with(request.user, capability)
    brand = Brand.objects.filter(slug=slug).first()
    if brand is None or (ids is not None and brand.pk not in ids):
        raise ApiError(404, "unknown_brand", f"No brand {slug!r} that this token may access.")
    return brand


def write_brand(request: HttpRequest, slug: str | None, capability: str, what: str) -> Brand:
    """The brand a write is for: the ``brand`` the request names, else the only one allowed.

    A brand token always has exactly one brand. Refuses with 403 when the user may ``what`` on no
    brand, 404 for a brand they may not write to (as for one that does not exist) and 400
    ``brand_required`` when several brands are possible and none is named.
    """
    require_any(request, capability, what)
    if slug is not None:
        brand = brand_filter(request, slug, capability)
        assert brand is not None
        return brand
    ids = brand_ids_with(request.user, capability)
    if ids is not None and len(ids) == 1:
        return Brand.objects.get(pk=next(iter(ids)))
    raise ApiError(
        400,
        "brand_required",
        f"This token may {what} for several brands: name one with 'brand' (its slug).",
    )
