"""The package's routes as one Ninja router, authenticated with Wagtail's API tokens.

The router is mounted on the package's own :data:`~wagtail_lfcloud.api.api`, and optionally also
on Wagtail's v3 API (see :func:`~wagtail_lfcloud.api.mount_on_wagtail_api`).
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from ninja import Router
from wagtail.api.v3.auth import BearerTokenAuth
from wagtail.models import APIToken

from ..access.capabilities import WRITE_SCOPES, restrict_to_token
from . import (
    assets,
    bundles,
    direct_uploads,
    orders,
    products,
    renditions,
    responsive,
    reviews,
    usage,
)
from .errors import ApiError
from .responses import etag_every_get
from .throttling import throttles


class BrandScopedTokenAuth(BearerTokenAuth):
    """Wagtail's bearer tokens, narrowed by the brand and scopes of a brand API token.

    A token a brand admin made (:class:`~wagtail_lfcloud.models.BrandAPIToken`) reaches only its
    brand and only what its scopes grant; a token without a write scope is refused any method but
    GET/HEAD/OPTIONS (403 ``read_only_token``), and each write endpoint asks for its own scope
    (403 ``missing_scope``, :func:`~wagtail_lfcloud.api.scoping.require_scope`). Revoked tokens
    answer 401, as Wagtail's. Tokens without a brand follow their user's roles.
    """

    def authenticate(self, request, token: str):
        # Wagtail's BearerTokenAuth.authenticate, with the brand scope read in the same query.
        try:
            api_token = APIToken.objects.select_related("user", "lfcloud_scope").get(
                key_hash__in=APIToken.candidate_key_hashes(token), revoked_at__isnull=True
            )
        except APIToken.DoesNotExist:
            api_token, user = None, None
        else:
            user = api_token.user
        if not (user and user.is_active):
            user = AnonymousUser()
        request.user = user
        if not user.is_authenticated:
            return None
        self._touch_last_used(api_token)
        try:
            scope = api_token.lfcloud_scope
        except ObjectDoesNotExist:
            scope = None
        if scope is not None:
            restrict_to_token(request.user, scope.brand_id, scope.scopes)
            if request.method not in ("GET", "HEAD", "OPTIONS") and not WRITE_SCOPES & set(
                scope.scopes
            ):
                raise ApiError(403, "read_only_token", "This token is read-only.")
        return api_token


router = Router(auth=BrandScopedTokenAuth(), throttle=throttles())
router.add_decorator(etag_every_get, mode="view")
router.add_router("", products.router)
router.add_router("", assets.router)
router.add_router("", renditions.router)
router.add_router("", responsive.router)
router.add_router("", orders.router)
router.add_router("", bundles.router)
router.add_router("", direct_uploads.router)
router.add_router("", reviews.router)
router.add_router("", usage.router)
