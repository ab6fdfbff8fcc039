"""Each endpoint for each role: what a token sees follows its user's brand roles."""

from __future__ import annotations

import pytest

from tests.factories import make_product
from wagtail_lfcloud.models import Invoice, Order, OrderLine, Role

from .conftest import API, auth

ALL = [Role.BRAND_ADMIN, Role.MARKETER, Role.APPROVER, Role.STUDIO, Role.FINANCE]


@pytest.fixture
def order(brand, product, approved_asset):
    order = Order.objects.create(
        brand=brand, number="ACME-0001", title="SS26 shoot", currency="EUR"
    )
    OrderLine.objects.create(
        order=order,
        product=product,
        angles=["front"],
        channels=["amazon_main"],
        unit_price="12.50",
        quantity=2,
    )
    approved_asset.order = order
    approved_asset.save(update_fields=["order"])
    return order


@pytest.fixture
def invoice(order):
    return Invoice.objects.create(
        order=order, number="INV-1", net_amount="25.00", tax_rate="20.00", currency="EUR"
    )


def get(client, token, path, **params):
    return client.get(f"{API}{path}", params, **auth(token))


@pytest.mark.django_db
@pytest.mark.parametrize("role", ALL)
def test_products_every_role_sees_own_brand_only(client, tokens, role, product, other_asset):
    response = get(client, tokens[role], "/products")
    assert response.status_code == 200
    assert [p["sku"] for p in response.json()["results"]] == ["SKU12345"]
    # The other brand's product is not reachable by id either, and a brand filter on it is refused.
    other_id = other_asset.product_id
    assert get(client, tokens[role], f"/products/{other_id}").status_code == 404
    refused = get(client, tokens[role], "/products", brand="globex")
    assert refused.status_code == 404
    assert refused.json()["error"] == "unknown_brand"


@pytest.mark.django_db
def test_products_filters(client, tokens, brand, product):
    make_product(brand, sku="SKU-2", name="Second")
    token = tokens[Role.MARKETER]
    assert [
        p["sku"] for p in get(client, token, "/products", sku="sku12345").json()["results"]
    ] == ["SKU12345"]
    assert get(client, token, "/products", brand="acme").json()["count"] == 2
    assert get(client, token, "/products", season="SS99").json()["count"] == 0
    assert (
        get(client, token, "/products", updated_since="2999-01-01T00:00:00Z").json()["count"] == 0
    )
    assert (
        get(client, token, "/products", updated_since="2000-01-01T00:00:00Z").json()["count"] == 2
    )
    naive = get(client, token, "/products", updated_since="2000-01-01T00:00:00")
    assert naive.status_code == 400 and naive.json()["error"] == "naive_datetime"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"),
    [
        # marketers see approved assets only, with the current version only
        (Role.MARKETER, {"front": None}),
        # roles with view_drafts also see assets in production and every version
        (Role.BRAND_ADMIN, {"front": [1], "back": [1]}),
        (Role.APPROVER, {"front": [1], "back": [1]}),
        (Role.STUDIO, {"front": [1], "back": [1]}),
        # finance has no library role at all
        (Role.FINANCE, {}),
    ],
)
def test_assets_by_role(client, tokens, role, expected, approved_asset, draft_asset, other_asset):
    response = get(client, tokens[role], "/assets")
    assert response.status_code == 200
    results = response.json()["results"]
    seen = {
        a["angle"]: (None if a["versions"] is None else [v["number"] for v in a["versions"]])
        for a in results
    }
    assert seen == expected
    for asset in results:
        assert asset["brand"] == "acme"
        if asset["angle"] == "front":
            assert asset["current_version"]["number"] == 1
    # Detail follows the same rules.
    draft = get(client, tokens[role], f"/assets/{draft_asset.pk}")
    assert draft.status_code == (200 if "back" in expected else 404)
    assert get(client, tokens[role], f"/assets/{other_asset.pk}").status_code == 404


@pytest.mark.django_db
def test_other_brand_token_sees_only_its_brand(client, tokens, approved_asset, other_asset):
    results = get(client, tokens["other"], "/assets").json()["results"]
    assert [a["sku"] for a in results] == ["GLX-1"]
    assert get(client, tokens["other"], f"/assets/{approved_asset.pk}").status_code == 404
    version = approved_asset.versions.get()
    assert get(client, tokens["other"], f"/versions/{version.pk}/renditions").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.MARKETER, Role.BRAND_ADMIN, Role.STUDIO, Role.APPROVER])
def test_version_renditions(client, tokens, role, approved_asset, draft_asset):
    version = approved_asset.versions.get()
    response = get(client, tokens[role], f"/versions/{version.pk}/renditions")
    assert response.status_code == 200
    data = response.json()
    assert data["version"]["number"] == 1
    (amazon,) = data["renditions"]
    assert amazon["channel"] == "amazon_main"
    assert amazon["status"] == "ready"
    assert amazon["url"].endswith(".jpg")
    assert amazon["width"] and amazon["height"] and amazon["bytes"] and amazon["format"] == "jpeg"
    assert amazon["file_name"] == "B000TEST01.MAIN.jpg"
    assert amazon["compliance"]["status"] in {"pass", "warn", "fail"}
    # A draft version's renditions: only for roles that may see drafts.
    draft_version = draft_asset.versions.get()
    drafts = get(client, tokens[role], f"/versions/{draft_version.pk}/renditions")
    assert drafts.status_code == (404 if role == Role.MARKETER else 200)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "orders", "invoices"),
    [
        (Role.BRAND_ADMIN, 200, 200),
        (Role.FINANCE, 200, 200),
        (Role.APPROVER, 200, 403),
        (Role.STUDIO, 200, 403),
        (Role.MARKETER, 403, 403),
        ("other", 403, 403),
    ],
)
def test_orders_and_invoices_by_role(client, tokens, role, orders, invoices, order, invoice):
    listing = get(client, tokens[role], "/orders")
    assert listing.status_code == orders
    if orders == 200:
        (row,) = listing.json()["results"]
        assert row["number"] == "ACME-0001" and row["total"] == "25.00" and row["line_count"] == 1
        assert get(client, tokens[role], f"/orders/{order.pk}").status_code == 200
    else:
        assert listing.json()["error"] == "permission_denied"
    invoices_response = get(client, tokens[role], "/invoices")
    assert invoices_response.status_code == invoices
    if invoices == 200:
        (row,) = invoices_response.json()["results"]
        assert (row["net_amount"], row["tax_amount"], row["total"]) == ("25.00", "5.00", "30.00")
        assert get(client, tokens[role], f"/invoices/{invoice.pk}").status_code == 200


@pytest.mark.django_db
def test_finance_of_other_brand_sees_no_invoice(client, other_brand, order, invoice):
    from tests.factories import make_user

    from .conftest import token_for

    token = token_for(make_user("globex_finance", brand=other_brand, role=Role.FINANCE))
    assert get(client, token, "/invoices").json()["results"] == []
    assert get(client, token, f"/invoices/{invoice.pk}").status_code == 404
    assert get(client, token, f"/orders/{order.pk}").status_code == 404


@pytest.mark.django_db
def test_openapi_schema_and_docs_are_served(client):
    schema = client.get(f"{API}/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/lfcloud/api/v1/renditions/{brand}/{sku}/{angle}/{channel}" in paths
    assert client.get(f"{API}/docs").status_code == 200


@pytest.mark.django_db
def test_docs_follow_wagtails_docs_switch(client, settings):
    settings.WAGTAILAPI_DOCS_ENABLED = False
    assert client.get(f"{API}/openapi.json").status_code == 404
    assert client.get(f"{API}/docs").status_code == 404
