"""The package's routes as one Ninja router, authenticated with Wagtail's API tokens.

The router is mounted on the package's own :data:`~wagtail_lfcloud.api.api`, and optionally also
on Wagtail's v3 API (see :func:`~wagtail_lfcloud.api.mount_on_wagtail_api`).
"""

from __future__ import annotations

from ninja import Router
from wagtail.api.v3.auth import BearerTokenAuth

from . import assets, bundles, orders, products, renditions

router = Router(auth=BearerTokenAuth())
router.add_router("", products.router)
router.add_router("", assets.router)
router.add_router("", renditions.router)
router.add_router("", orders.router)
router.add_router("", bundles.router)
