"""Bundles: zip contents and names, limits, background builds, admin screens, audit log."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.test.utils import override_settings
from django.urls import reverse

from tests.factories import make_asset, make_product, make_user
from wagtail_lfcloud.models import BrandLogEntry, DownloadBundle, Order, OrderLine, Role

from .conftest import API, approve, auth


@pytest.fixture
def order(brand, product, approved_asset):
    """An order for SKU12345 (front approved, side approved) and a product without ASIN."""
    side = make_asset(product, "side", channels=["amazon_main"])
    approve(side, 1, color=(10, 120, 10), channels=("amazon_main", "amazon_additional"))
    approve(approved_asset, 2, channels=("amazon_main", "amazon_additional"))
    plain = make_product(brand, sku="NOASIN-1")
    approve(make_asset(plain, "front"), 1, channels=("amazon_main",))
    order = Order.objects.create(brand=brand, number="ACME-0007", title="Shoot", currency="EUR")
    for p in (product, plain):
        OrderLine.objects.create(
            order=order, product=p, angles=["front", "side"], channels=["amazon_main"]
        )
    return order


def zip_names(response) -> list[str]:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return sorted(archive.namelist())


@pytest.mark.django_db
def test_order_bundle_uses_export_patterns(client, tokens, order):
    response = client.post(
        f"{API}/bundles",
        {"channel": "amazon_main", "order": order.pk},
        content_type="application/json",
        **auth(tokens[Role.MARKETER]),
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response.streaming  # written chunk by chunk, never built whole in memory
    assert 'filename="acme_ACME-0007_amazon_main.zip"' in response["Content-Disposition"]
    # Amazon MAIN by ASIN (two angles of one ASIN are numbered apart); no ASIN -> the naming convention.
    assert zip_names(response) == [
        "B000TEST01.MAIN-2.jpg",
        "B000TEST01.MAIN.jpg",
        "NOASIN-1_2026-01_front_amazon_main.jpg",
    ]
    entry = BrandLogEntry.objects.get(action="wagtail_lfcloud.bundle_exported")
    assert entry.data["files"] == 3 and entry.data["order"] == "ACME-0007"


@pytest.mark.django_db
def test_selection_bundle_numbers_additional_images(client, tokens, order, approved_asset):
    side = approved_asset.product.assets.get(angle="side")
    response = client.post(
        f"{API}/bundles",
        {"channel": "amazon_additional", "assets": [approved_asset.pk, side.pk]},
        content_type="application/json",
        **auth(tokens[Role.BRAND_ADMIN]),
    )
    assert response.status_code == 200
    assert zip_names(response) == ["B000TEST01.PT01.jpg", "B000TEST01.PT02.jpg"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"channel": "myspace", "assets": [1]}, 400, "unknown_channel"),
        ({"channel": "amazon_main"}, 400, "invalid_selection"),
        ({"channel": "amazon_main", "assets": []}, 400, "invalid_selection"),
        ({"channel": "amazon_main", "assets": [999999]}, 404, "not_found"),
        ({"channel": "amazon_main", "order": 999999}, 404, "not_found"),
        ({"channel": "amazon_main", "assets": "all"}, 422, "invalid_request"),
    ],
)
def test_bundle_bad_requests(client, tokens, approved_asset, body, status, code):
    response = client.post(
        f"{API}/bundles", body, content_type="application/json", **auth(tokens[Role.BRAND_ADMIN])
    )
    assert response.status_code == status, response.content
    assert response.json()["error"] == code


@pytest.mark.django_db
def test_empty_and_oversized_bundles_are_refused(client, tokens, approved_asset, draft_asset):
    token = tokens[Role.BRAND_ADMIN]
    empty = client.post(
        f"{API}/bundles",
        {"channel": "amazon_main", "assets": [draft_asset.pk]},
        content_type="application/json",
        **auth(token),
    )
    assert empty.status_code == 400 and empty.json()["error"] == "empty_bundle"
    assert "no approved version" in empty.json()["detail"]
    with override_settings(WAGTAIL_LFCLOUD_BUNDLE_MAX_FILES=0):
        big = client.post(
            f"{API}/bundles",
            {"channel": "amazon_main", "assets": [approved_asset.pk]},
            content_type="application/json",
            **auth(token),
        )
    assert big.status_code == 400 and big.json()["error"] == "too_many_files"
    assert not DownloadBundle.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("who", [Role.FINANCE, Role.STUDIO, "other"])
def test_bundles_refused_without_the_role_or_for_other_brands(client, tokens, who, approved_asset):
    response = client.post(
        f"{API}/bundles",
        {"channel": "amazon_main", "assets": [approved_asset.pk]},
        content_type="application/json",
        **auth(tokens[who]),
    )
    if who == "other":
        # Another brand's assets: the same 404 as ids that do not exist, never a 403 that confirms them.
        assert response.status_code == 404 and response.json()["error"] == "not_found"
        unknown = client.post(
            f"{API}/bundles",
            {"channel": "amazon_main", "assets": [approved_asset.pk + 10_000]},
            content_type="application/json",
            **auth(tokens[who]),
        )
        assert unknown.status_code == 404
        assert response.json()["detail"].split(":")[0] == unknown.json()["detail"].split(":")[0]
    else:
        # No role that may download bundles on any brand: refused whatever the ids (nothing confirmed).
        assert response.status_code == 403 and response.json()["error"] == "permission_denied"


@pytest.mark.django_db
def test_large_bundle_is_built_in_the_background(
    client, tokens, order, django_capture_on_commit_callbacks
):
    token = tokens[Role.MARKETER]
    with (
        override_settings(WAGTAIL_LFCLOUD_BUNDLE_ASYNC_THRESHOLD=1),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            f"{API}/bundles",
            {"channel": "amazon_main", "order": order.pk},
            content_type="application/json",
            **auth(token),
        )
    assert response.status_code == 202
    bundle = DownloadBundle.objects.get()
    status = client.get(f"{API}/bundles/{bundle.pk}", **auth(token)).json()
    assert status["status"] == "ready" and status["file_count"] == 3
    download = client.get(status["download_url"].removeprefix("http://testserver"), **auth(token))
    assert download.status_code == 200
    assert len(zip_names(download)) == 3
    # Other brands cannot see it.
    assert client.get(f"{API}/bundles/{bundle.pk}", **auth(tokens["other"])).status_code == 404


@pytest.mark.django_db
def test_admin_order_bundle(client, brand, order):
    user = make_user("acme_admin_web", brand=brand, role=Role.BRAND_ADMIN)
    client.force_login(user)
    url = reverse("wagtail_lfcloud_admin:bundle_order", args=[order.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert b"Download bundle" in page.content
    response = client.post(url, {"channel": "amazon_main"})
    assert response.status_code == 200
    assert len(zip_names(response)) == 3


@pytest.mark.django_db
def test_admin_selection_bundle_errors_are_shown(client, brand, draft_asset):
    client.force_login(make_user("acme_admin_web", brand=brand, role=Role.BRAND_ADMIN))
    url = reverse("wagtail_lfcloud_admin:bundle_selection") + f"?asset={draft_asset.pk}"
    response = client.post(url, {"channel": "amazon_main"})
    assert response.status_code == 200
    assert b"data-lfcloud-bundle-errors" in response.content
    assert b"no approved version" in response.content


@pytest.mark.django_db
def test_admin_bundle_views_refuse_other_brands(client, other_brand, order):
    client.force_login(make_user("globex_admin", brand=other_brand, role=Role.BRAND_ADMIN))
    assert (
        client.get(reverse("wagtail_lfcloud_admin:bundle_order", args=[order.pk])).status_code
        == 404
    )


@pytest.mark.django_db
def test_assets_listing_bulk_action_hands_selection_to_the_bundle_view(
    client, brand, approved_asset, draft_asset
):
    client.force_login(make_user("root", superuser=True))
    url = reverse(
        "wagtail_bulk_action", args=["wagtail_lfcloud", "asset", "lfcloud_download_bundle"]
    )
    response = client.get(f"{url}?id={approved_asset.pk}&id={draft_asset.pk}")
    assert response.status_code == 302
    selection = reverse("wagtail_lfcloud_admin:bundle_selection")
    assert response["Location"] == f"{selection}?asset={approved_asset.pk}&asset={draft_asset.pk}"
    page = client.get(response["Location"])
    assert page.status_code == 200 and b"2 selected assets" in page.content


@pytest.mark.django_db
def test_orders_listing_offers_the_bundle(client, order):
    client.force_login(make_user("root", superuser=True))
    listing = client.get(reverse("wagtailsnippets_wagtail_lfcloud_order:list"))
    assert listing.status_code == 200
    assert (
        reverse("wagtail_lfcloud_admin:bundle_order", args=[order.pk]).encode() in listing.content
    )


@pytest.mark.django_db
@pytest.mark.parametrize("model", ["downloadbundle", "webhookdelivery"])
def test_record_only_models_have_no_add_form(client, model):
    client.force_login(make_user("root", superuser=True))
    listing = client.get(reverse(f"wagtailsnippets_wagtail_lfcloud_{model}:list"))
    add_url = reverse(f"wagtailsnippets_wagtail_lfcloud_{model}:add")
    assert listing.status_code == 200 and add_url.encode() not in listing.content
    assert client.get(add_url).status_code in (302, 403)


@pytest.mark.django_db
def test_admin_large_bundle_shows_its_link_when_ready(
    client, brand, order, django_capture_on_commit_callbacks
):
    client.force_login(make_user("acme_admin_web", brand=brand, role=Role.BRAND_ADMIN))
    url = reverse("wagtail_lfcloud_admin:bundle_order", args=[order.pk])
    with (
        override_settings(WAGTAIL_LFCLOUD_BUNDLE_ASYNC_THRESHOLD=1),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(url, {"channel": "amazon_main"})
    bundle = DownloadBundle.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("wagtail_lfcloud_admin:bundle_detail", args=[bundle.pk])
    detail = client.get(response["Location"])
    download_url = reverse("wagtail_lfcloud_admin:bundle_download", args=[bundle.pk])
    assert (
        b'data-lfcloud-bundle-status="ready"' in detail.content
        and download_url.encode() in detail.content
    )
    download = client.get(download_url)
    assert download.status_code == 200 and len(zip_names(download)) == 3
    # Another brand's admin cannot fetch it.
    from tests.factories import make_brand

    client.force_login(
        make_user("initech_admin", brand=make_brand("Initech"), role=Role.BRAND_ADMIN)
    )
    # Another brand's admin gets 404 for its detail page and its download, with the same page as an
    # id that does not exist (a 403 would confirm that the bundle exists).
    missing = reverse("wagtail_lfcloud_admin:bundle_detail", args=[bundle.pk + 10_000])
    for url in (download_url, reverse("wagtail_lfcloud_admin:bundle_detail", args=[bundle.pk])):
        response = client.get(url)
        assert response.status_code == 404
        assert response.content == client.get(missing).content
