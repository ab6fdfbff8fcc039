"""Bad input answers a clear JSON 4xx; listings page stably with a bounded, constant number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings

from tests.factories import make_asset, make_image, make_product
from wagtail_lfcloud.models import AssetVersion, Role

from .conftest import API, auth


@pytest.mark.django_db
@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_AUTHORIZATION": "Bearer wagtail_nope"},
        {"HTTP_AUTHORIZATION": "Basic dXNlcjpwYXNz"},
    ],
)
def test_missing_or_unknown_token_is_401(client, headers):
    response = client.get(f"{API}/products", **headers)
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    assert "Bearer" in response.json()["detail"]


@pytest.mark.django_db
def test_revoked_token_is_401(client, users):
    from wagtail.models import APIToken

    instance, token = APIToken.create_token(user=users[Role.MARKETER], name="old")
    assert client.get(f"{API}/products", **auth(token)).status_code == 200
    instance.revoke()
    assert client.get(f"{API}/products", **auth(token)).status_code == 401


@pytest.mark.django_db
def test_session_login_does_not_replace_a_token(client, users):
    client.force_login(users[Role.BRAND_ADMIN])
    assert client.get(f"{API}/products").status_code == 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/assets/abc", 422, "invalid_request"),
        ("/products/99999999", 404, "not_found"),
        ("/products?limit=100000", 400, "page_size_too_large"),
        ("/products?limit=0", 400, "invalid_page_size"),
        ("/products?offset=-1", 400, "invalid_offset"),
        ("/products?limit=lots", 422, "invalid_request"),
        ("/products?updated_since=yesterday", 422, "invalid_request"),
        ("/renditions/acme/SKU12345/front/myspace", 404, "unknown_channel"),
        ("/renditions/acme/SKÜ-Ω/front/amazon_main", 400, "invalid_sku"),
        ("/renditions/nobrand/SKU12345/front/amazon_main", 404, "unknown_brand"),
        ("/bundles/abc", 422, "invalid_request"),
    ],
)
def test_bad_input_is_a_clear_json_4xx(client, tokens, approved_asset, path, status, code):
    response = client.get(f"{API}{path}", **auth(tokens[Role.BRAND_ADMIN]))
    assert response.status_code == status, response.content
    assert response.json()["error"] == code
    assert response.json()["detail"]


@pytest.mark.django_db
def test_unicode_sku_filter_finds_nothing(client, tokens, product):
    response = client.get(f"{API}/products", {"sku": "SKÜ12345"}, **auth(tokens[Role.MARKETER]))
    assert response.status_code == 200 and response.json()["count"] == 0


@pytest.fixture
def catalogue(brand):
    """50 products, each with an approved front asset."""
    image = make_image(size=(8, 8))
    for i in range(50):
        asset = make_asset(make_product(brand, sku=f"P{i:03d}"), "front")
        AssetVersion.objects.create(
            asset=asset, number=1, image=image, status="current", original_filename="x.png"
        )
    return brand


def _queries(client, token, path, limit):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{API}{path}", {"limit": limit}, **auth(token))
    assert response.status_code == 200
    assert len(response.json()["results"]) == limit
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/products", "/assets"])
@pytest.mark.parametrize("role", [Role.MARKETER, Role.STUDIO])
def test_query_count_does_not_grow_with_page_size(client, tokens, catalogue, path, role):
    token = tokens[role]
    _queries(client, token, path, 1)  # warm the token's last-used stamp
    assert _queries(client, token, path, 5) == _queries(client, token, path, 50)
    assert _queries(client, token, path, 50) <= 8


@pytest.mark.django_db
def test_pages_are_stable_and_complete(client, tokens, catalogue):
    token = tokens[Role.MARKETER]
    seen, url = [], f"{API}/products?limit=7"
    while url:
        data = client.get(url, **auth(token)).json()
        seen += [p["sku"] for p in data["results"]]
        url = data["next"]
    assert len(seen) == 50 and len(set(seen)) == 50


@pytest.mark.django_db
def test_max_page_size_setting(client, tokens, catalogue):
    with override_settings(WAGTAIL_LFCLOUD_API_MAX_PAGE_SIZE=10):
        response = client.get(f"{API}/products", {"limit": 11}, **auth(tokens[Role.MARKETER]))
    assert response.status_code == 400
    assert "at most 10" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/products", "/assets", "/products/{product}", "/assets/{asset}"])
def test_etag_and_last_modified(client, tokens, approved_asset, path):
    token = tokens[Role.MARKETER]
    url = API + path.format(product=approved_asset.product_id, asset=approved_asset.pk)
    first = client.get(url, **auth(token))
    assert first.status_code == 200
    assert first["ETag"] and first["Last-Modified"]
    cached = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"], **auth(token))
    assert cached.status_code == 304 and cached.content == b""
    by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"], **auth(token))
    # Details honour If-Modified-Since; listings only the ETag (a deleted row keeps the newest date).
    assert by_date.status_code == (200 if path in ("/products", "/assets") else 304)
    # A change gives a new ETag.
    approved_asset.product.name = "Renamed"
    approved_asset.product.save()
    approved_asset.save()
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"], **auth(token))
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
