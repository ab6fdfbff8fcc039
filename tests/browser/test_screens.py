"""A screenshot of every admin screen of the package, as the person who uses it sees it.

``docs/reference/admin-screens.md`` shows them. ``LFCLOUD_UPDATE_SCREENSHOTS=1`` writes them to
``docs/img/screens/`` (a plain run writes them to ``test-results/screenshots/screens/``, so it
never edits the docs). They run after the tutorial's test (``test_cycle.py``), on the same
example site, so the data has a finished order, approved finals, a bundle and an API token.

Every page of the package's admin URLs and every listing of its snippets is either here or in
:data:`NOT_SCREENS` with the reason: :func:`test_every_admin_screen_has_a_screenshot` checks it
without a browser.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

from .conftest import ROOT, SCREENSHOTS, UPDATE_SCREENSHOTS, screenshot

FOLDER = ROOT / "docs" / "img" / "screens" if UPDATE_SCREENSHOTS else SCREENSHOTS / "screens"
DOC = ROOT / "docs" / "reference" / "admin-screens.md"


@dataclass(frozen=True)
class Screen:
    name: str
    #: The URL name (``wagtail_lfcloud_admin:...``) or snippet model the screen shows.
    covers: str
    user: str
    path: str
    #: What to wait for before the screenshot (a CSS selector), when the page fills in by script.
    ready: str = ""


SCREENS = [
    Screen(
        "usage",
        "wagtail_lfcloud_admin:usage",
        "brandadmin",
        "/admin/lfcloud/usage/",
        ready="canvas[data-lfcloud-chart-drawn='true']",
    ),
    Screen(
        "asset-usage",
        "wagtail_lfcloud_admin:asset_usage",
        "brandadmin",
        "/admin/lfcloud/assets/{approved}/usage/",
        ready="canvas[data-lfcloud-chart-drawn='true']",
    ),
    Screen(
        "asset-public-links",
        "wagtail_lfcloud_admin:asset_public_links",
        "brandadmin",
        "/admin/lfcloud/assets/{approved}/public-links/",
    ),
    Screen(
        "public-key-rotate",
        "wagtail_lfcloud_admin:public_key_rotate",
        "brandadmin",
        "/admin/lfcloud/brands/northwind/public-links/rotate/",
    ),
    Screen("dashboard-marketer", "dashboard", "marketer", "/admin/"),
    Screen("dashboard-brand-admin", "dashboard", "brandadmin", "/admin/"),
    Screen("library", "wagtail_lfcloud_admin:library", "marketer", "/admin/lfcloud/library/"),
    Screen("upload", "wagtail_lfcloud_admin:upload", "studio", "/admin/lfcloud/upload/"),
    Screen(
        "order",
        "wagtail_lfcloud_admin:order_detail",
        "brandadmin",
        "/admin/lfcloud/orders/{order}/",
    ),
    Screen(
        "order-rights",
        "wagtail_lfcloud_admin:order_rights",
        "brandadmin",
        "/admin/lfcloud/orders/{order}/rights/",
    ),
    Screen(
        "review",
        "wagtail_lfcloud_admin:asset_review",
        "approver",
        "/admin/lfcloud/assets/{in_review}/review/",
    ),
    Screen(
        "versions",
        "wagtail_lfcloud_admin:asset_versions",
        "approver",
        "/admin/lfcloud/assets/{two_versions}/versions/",
    ),
    Screen(
        "compare",
        "wagtail_lfcloud_admin:asset_compare",
        "approver",
        "/admin/lfcloud/assets/{two_versions}/compare/",
    ),
    Screen(
        "asset-rights",
        "wagtail_lfcloud_admin:asset_rights",
        "brandadmin",
        "/admin/lfcloud/assets/{approved}/rights/",
    ),
    Screen(
        "bundle-order",
        "wagtail_lfcloud_admin:bundle_order",
        "marketer",
        "/admin/lfcloud/bundles/order/{order}/",
    ),
    Screen(
        "bundle-selection",
        "wagtail_lfcloud_admin:bundle_selection",
        "marketer",
        "/admin/lfcloud/bundles/selection/",
    ),
    Screen(
        "bundle",
        "wagtail_lfcloud_admin:bundle_detail",
        "marketer",
        "/admin/lfcloud/bundles/{bundle}/",
    ),
    Screen("roles", "wagtail_lfcloud_admin:roles", "marketer", "/admin/lfcloud/roles/"),
    Screen(
        "roles-brand",
        "wagtail_lfcloud_admin:roles_brand",
        "brandadmin",
        "/admin/lfcloud/roles/northwind/",
    ),
    Screen(
        "product-import",
        "wagtail_lfcloud_admin:product_import",
        "brandadmin",
        "/admin/lfcloud/products/import/",
    ),
    Screen(
        "notifications",
        "wagtail_lfcloud_admin:notification_preferences",
        "approver",
        "/admin/lfcloud/notifications/",
    ),
    Screen(
        "api-tokens", "wagtail_lfcloud_admin:api_tokens", "brandadmin", "/admin/lfcloud/api-tokens/"
    ),
    Screen(
        "api-token-add",
        "wagtail_lfcloud_admin:api_token_add",
        "brandadmin",
        "/admin/lfcloud/api-tokens/add/",
    ),
    Screen(
        "api-token-revoke",
        "wagtail_lfcloud_admin:api_token_revoke",
        "brandadmin",
        "/admin/lfcloud/api-tokens/{token}/revoke/",
    ),
    Screen("brands", "brand", "brandadmin", "/admin/snippets/wagtail_lfcloud/brand/"),
    Screen("catalogs", "catalog", "brandadmin", "/admin/snippets/wagtail_lfcloud/catalog/"),
    Screen("seasons", "season", "brandadmin", "/admin/snippets/wagtail_lfcloud/season/"),
    Screen("products", "product", "brandadmin", "/admin/snippets/wagtail_lfcloud/product/"),
    Screen(
        "product-edit",
        "product",
        "brandadmin",
        "/admin/snippets/wagtail_lfcloud/product/edit/{product}/",
    ),
    Screen("orders", "order", "brandadmin", "/admin/snippets/wagtail_lfcloud/order/"),
    Screen("briefs", "brief", "studio", "/admin/snippets/wagtail_lfcloud/brief/"),
    Screen("assets", "asset", "approver", "/admin/snippets/wagtail_lfcloud/asset/"),
    Screen("invoices", "invoice", "finance", "/admin/snippets/wagtail_lfcloud/invoice/"),
    Screen("payments", "payment", "finance", "/admin/snippets/wagtail_lfcloud/payment/"),
    Screen(
        "download-bundles",
        "downloadbundle",
        "marketer",
        "/admin/snippets/wagtail_lfcloud/downloadbundle/",
    ),
    Screen(
        "webhooks",
        "webhookendpoint",
        "brandadmin",
        "/admin/snippets/wagtail_lfcloud/webhookendpoint/",
    ),
    Screen(
        "webhook-deliveries",
        "webhookdelivery",
        "brandadmin",
        "/admin/snippets/wagtail_lfcloud/webhookdelivery/",
    ),
]

#: Admin URLs of the package that are not screens of their own, and why.
NOT_SCREENS = {
    "wagtail_lfcloud_admin:order_grid": "JSON for the order page's grid",
    "wagtail_lfcloud_admin:order_messages": "JSON for the order page's thread",
    "wagtail_lfcloud_admin:order_brief": "POST: the order page's Write the brief button (opens the brief's edit form)",
    "wagtail_lfcloud_admin:order_transition": "POST: a status button of the order page",
    "wagtail_lfcloud_admin:order_message_attachment": "a file download",
    "wagtail_lfcloud_admin:upload_file": "POST: one file of the upload page",
    "wagtail_lfcloud_admin:direct_upload_start": "POST (JSON): the upload page asks for S3 upload URLs",
    "wagtail_lfcloud_admin:direct_upload_state": "JSON: the upload page polls the server's checks",
    "wagtail_lfcloud_admin:direct_upload_resume": "JSON: URLs for the parts S3 lacks",
    "wagtail_lfcloud_admin:direct_upload_complete": "POST (JSON): the upload page's last step",
    "wagtail_lfcloud_admin:asset_comment": "POST: the review page's comment form",
    "wagtail_lfcloud_admin:comment_resolve": "POST: a button of the review page",
    "wagtail_lfcloud_admin:library_results": "the library's results, fetched as filters change",
    "wagtail_lfcloud_admin:bundle_download": "a zip download",
    "wagtail_lfcloud_admin:private_file": "a file",
    "wagtail_lfcloud_admin:clip_file": "a clip for the review page's player (tests/browser/test_video.py plays it)",
}

IDS = r"""
import json
from wagtail_lfcloud.models import Asset, BrandAPIToken, DownloadBundle, Order, Product
order = Order.objects.get(brand__slug="northwind", title="SS26 e-commerce shoot")
print(json.dumps({
    "order": order.pk,
    "in_review": Asset.objects.get(product__sku="NW-1001", angle="side").pk,
    "approved": Asset.objects.get(product__sku="NW-1001", angle="front").pk,
    "two_versions": max(
        Asset.objects.filter(brand__slug="northwind"), key=lambda a: (a.versions.count(), -a.pk)
    ).pk,
    "bundle": DownloadBundle.objects.filter(brand__slug="northwind").order_by("-pk")[0].pk,
    "token": BrandAPIToken.objects.get(brand__slug="northwind").pk,
    "product": Product.objects.get(sku="NW-2001").pk,
}))
"""


def test_every_admin_screen_has_a_screenshot():
    """Each page of the package's admin URLs and each of its snippet listings is in SCREENS."""
    from django.urls import get_resolver

    names = set()
    for pattern in get_resolver().url_patterns:
        namespace = getattr(pattern, "namespace", None)
        if namespace is None:
            for inner in getattr(pattern, "url_patterns", []):
                if getattr(inner, "namespace", None) == "wagtail_lfcloud_admin":
                    names |= {f"wagtail_lfcloud_admin:{p.name}" for p in inner.url_patterns}
    from wagtail_lfcloud.viewsets import LFCloudViewSetGroup

    models = {
        viewset.model._meta.model_name
        for viewset in LFCloudViewSetGroup.items
        if getattr(viewset, "model", None) is not None
    }
    assert names and models
    covered = {screen.covers for screen in SCREENS}
    missing = sorted((names | models) - covered - set(NOT_SCREENS))
    assert not missing, (
        f"Admin screens without a screenshot (add to SCREENS or NOT_SCREENS): {missing}"
    )
    text = DOC.read_text()
    undocumented = [s.name for s in SCREENS if f"../img/screens/{s.name}.png" not in text]
    assert not undocumented, f"{DOC.name} does not show: {undocumented}"


@pytest.mark.browser
def test_screenshots_of_every_admin_screen(login, example_site):
    ids = json.loads(example_site.shell(IDS).splitlines()[-1])
    pages = {}
    problems = []
    for screen in SCREENS:
        if screen.user not in pages:
            pages[screen.user] = login(screen.user)
        page = pages[screen.user]
        try:
            response = page.goto(screen.path.format(**ids))
        except Exception as exc:  # noqa: BLE001 - reported with the others
            problems.append(f"{screen.name}: {screen.path}: {str(exc).splitlines()[0]}")
            continue
        if response is None or response.status != 200:
            problems.append(f"{screen.name}: {screen.path} answered {response and response.status}")
            continue
        if screen.ready:
            page.wait_for_selector(screen.ready)
        if UPDATE_SCREENSHOTS:
            # For the docs, late images and fetches too (networkidle waits 0.5 s of quiet a page).
            page.wait_for_load_state("networkidle")
        title = page.locator("h1, h2#header-title").first.inner_text().strip()
        if not title or re.fullmatch(r"(?i)home|dashboard", title) and screen.path != "/admin/":
            problems.append(f"{screen.name}: header title {title!r}")
        screenshot(page, screen.name, folder=FOLDER)
    assert not problems, "\n".join(problems)
