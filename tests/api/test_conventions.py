"""The API's conventions: problem documents, ETag on every GET, cursor paging, rate limits with
Retry-After, the version in the path."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test.utils import override_settings

from tests.factories import make_product
from wagtail_lfcloud.models import Product, Role

from .conftest import API, auth

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/products/99999999", 404, "not_found"),
        ("/products?limit=0", 400, "invalid_page_size"),
        ("/assets/abc", 422, "invalid_request"),
        ("/products?cursor=bm9wZQ", 400, "invalid_cursor"),
    ],
)
def test_errors_are_problem_documents_with_a_stable_code(client, tokens, path, status, code):
    response = client.get(f"{API}{path}", **auth(tokens[Role.BRAND_ADMIN]))
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["code"] == code
    assert body["type"] == f"urn:lfcloud:problem:{code}"
    assert body["title"] and body["detail"]


def test_a_missing_token_is_a_problem_document_too(client):
    response = client.get(f"{API}/products")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_the_schema_documents_errors_as_problem_json(client):
    schema = client.get(f"{API}/openapi.json").json()
    responses = schema["paths"][f"{API}/products"]["get"]["responses"]
    assert "application/problem+json" in responses["404"]["content"]
    assert "application/json" in responses["200"]["content"]
    assert {"400", "401", "403", "404", "422", "429"} <= set(responses)


def test_the_api_is_versioned_in_its_path(client, tokens):
    assert API.endswith("/api/v1")
    assert client.get(f"{API}/products", **auth(tokens[Role.MARKETER])).status_code == 200
    # The unversioned path of earlier 0.x builds is gone (Wagtail's pages answer it, not the API).
    old = client.get("/lfcloud/api/products", follow=True, **auth(tokens[Role.MARKETER]))
    assert old.status_code == 404


def _assert_conditional(client, url, token):
    first = client.get(url, **auth(token))
    assert first.status_code == 200, (url, first.content[:200])
    etag = first["ETag"]
    assert etag.startswith('"')
    again = client.get(url, HTTP_IF_NONE_MATCH=etag, **auth(token))
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag


def test_every_get_carries_an_etag_and_honours_if_none_match(
    client, tokens, product, approved_asset
):
    token = tokens[Role.BRAND_ADMIN]
    version = approved_asset.versions.get()
    for path in (
        "/products",
        f"/products/{product.pk}",
        "/assets",
        f"/assets/{approved_asset.pk}",
        f"/versions/{version.pk}/renditions",
        "/orders",
        "/invoices",
    ):
        _assert_conditional(client, f"{API}{path}", token)


def test_bundles_carry_an_etag(client, tokens, approved_asset, django_capture_on_commit_callbacks):
    token = tokens[Role.MARKETER]
    with (
        override_settings(WAGTAIL_LFCLOUD_BUNDLE_ASYNC_THRESHOLD=0),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            f"{API}/bundles",
            {"channel": "amazon_main", "assets": [approved_asset.pk]},
            content_type="application/json",
            **auth(token),
        )
    assert response.status_code == 202
    bundle_id = response.json()["id"]
    _assert_conditional(client, f"{API}/bundles/{bundle_id}", token)
    _assert_conditional(client, f"{API}/bundles/{bundle_id}/download", token)


def test_cursor_paging_walks_every_row_once_and_survives_inserts(client, tokens, brand):
    for i in range(5):
        make_product(brand, sku=f"CUR-{i}")
    token = tokens[Role.MARKETER]
    first = client.get(f"{API}/products", {"limit": 2}, **auth(token)).json()
    assert first["next_cursor"] and first["count"] == 5
    seen = [p["sku"] for p in first["results"]]
    cursor = first["next_cursor"]
    # A product changed meanwhile moves to the end (updated_at): it shifts no page.
    Product.objects.filter(sku="CUR-0").update(name="changed")
    make_product(brand, sku="CUR-NEW")
    while cursor:
        page = client.get(f"{API}/products", {"limit": 2, "cursor": cursor}, **auth(token)).json()
        seen += [p["sku"] for p in page["results"]]
        assert page["next"] is None or "cursor=" in page["next"]
        cursor = page["next_cursor"]
    assert seen == ["CUR-0", "CUR-1", "CUR-2", "CUR-3", "CUR-4", "CUR-NEW"]
    both = client.get(
        f"{API}/products", {"cursor": first["next_cursor"], "offset": 2}, **auth(token)
    )
    assert both.status_code == 400 and both.json()["code"] == "cursor_with_offset"


def test_offset_pages_also_give_a_cursor(client, tokens, brand):
    for i in range(3):
        make_product(brand, sku=f"OFF-{i}")
    token = tokens[Role.MARKETER]
    page = client.get(f"{API}/products", {"limit": 2}, **auth(token)).json()
    rest = client.get(
        f"{API}/products", {"limit": 2, "cursor": page["next_cursor"]}, **auth(token)
    ).json()
    assert [p["sku"] for p in rest["results"]] == ["OFF-2"]
    assert rest["next_cursor"] is None and rest["next"] is None


def test_too_many_requests_answer_429_with_retry_after(client, tokens):
    cache.clear()
    token = tokens[Role.MARKETER]
    with override_settings(WAGTAIL_LFCLOUD_API_READ_RATE="2/min"):
        assert client.get(f"{API}/products", **auth(token)).status_code == 200
        assert client.get(f"{API}/products", **auth(token)).status_code == 200
        refused = client.get(f"{API}/products", **auth(token))
        assert refused.status_code == 429
        assert refused["Content-Type"] == "application/problem+json"
        assert refused.json()["code"] == "rate_limited"
        assert 0 < int(refused["Retry-After"]) <= 60
        # Another token has its own budget.
        assert client.get(f"{API}/products", **auth(tokens[Role.APPROVER])).status_code == 200
    with override_settings(WAGTAIL_LFCLOUD_API_READ_RATE=None):
        assert client.get(f"{API}/products", **auth(token)).status_code == 200
