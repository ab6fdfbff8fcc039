"""PUT /products: idempotent batch upsert by SKU, per-row errors, constant queries per batch."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_product
from wagtail_lfcloud.models import BrandLogEntry, Catalog, Product, Role, Season

from .conftest import API, auth

pytestmark = pytest.mark.django_db


def put(client, token, products, **extra):
    return client.put(
        f"{API}/products",
        {"products": products, **extra},
        content_type="application/json",
        **auth(token),
    )


def test_upsert_creates_updates_and_is_idempotent(client, tokens, brand):
    Catalog.objects.create(brand=brand, name="Shoes", slug="shoes")
    Season.objects.create(brand=brand, code="SS26")
    make_product(brand, sku="OLD-1", name="Old name")
    token = tokens[Role.BRAND_ADMIN]
    rows = [
        {"sku": "old-1", "name": "New name"},
        {
            "sku": "NEW-1",
            "name": "Runner",
            "catalog": "shoes",
            "season": "ss26",
            "gtin": "12345678",
        },
    ]
    response = put(client, token, rows)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"], body["failed"]) == (1, 1, 0, 0)
    assert [r["status"] for r in body["results"]] == ["updated", "created"]
    new = Product.objects.get(sku="NEW-1")
    assert new.catalog.slug == "shoes" and new.season.code == "SS26" and new.brand == brand
    assert body["results"][1]["id"] == new.pk
    assert Product.objects.get(sku="OLD-1").name == "New name"  # matched case-insensitively
    stamp = new.updated_at
    again = put(client, token, rows).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    new.refresh_from_db()
    assert new.updated_at == stamp  # nothing written
    entries = BrandLogEntry.objects.filter(action="wagtail_lfcloud.products_upserted")
    assert entries.count() == 1  # the idempotent repeat logs nothing
    assert entries.get().data["created"] == 1


def test_bad_rows_are_reported_and_good_rows_written(client, tokens, brand):
    response = put(
        client,
        tokens[Role.BRAND_ADMIN],
        [
            {"sku": "OK-1", "name": "Fine"},
            {"sku": "BAD_SKU", "name": "Underscore"},
            {"sku": "NONAME"},
            {"sku": "OK-2", "name": "x", "catalog": "nope", "asin": "short"},
            {"sku": "ok-1", "name": "Twice"},
        ],
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "error", "error", "error", "error"]
    assert "sku" in results[1]["errors"]
    assert "name" in results[2]["errors"]
    assert set(results[3]["errors"]) == {"catalog", "asin"}
    assert "row 0" in results[4]["errors"]["sku"][0]
    assert list(Product.objects.values_list("sku", flat=True)) == ["OK-1"]


def test_a_batch_over_1000_rows_is_refused(client, tokens):
    rows = [{"sku": f"S{i}", "name": "x"} for i in range(1001)]
    response = put(client, tokens[Role.BRAND_ADMIN], rows)
    assert response.status_code == 422 and response.json()["code"] == "invalid_request"


def _rows(n, prefix, suffix=""):
    return [{"sku": f"{prefix}{i:05d}", "name": f"Product {i}{suffix}"} for i in range(n)]


def _count(client, token, rows) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = put(client, token, rows)
    assert response.status_code == 200 and response.json()["failed"] == 0
    return len(ctx.captured_queries)


def _statements(n_rows: int, n_fields: int) -> int:
    """INSERT/UPDATE statements Django needs for n rows where the backend caps parameters."""
    limit = connection.features.max_query_params
    return 1 if limit is None else -(-n_rows * n_fields // limit)


def test_a_batch_costs_a_constant_number_of_queries(client, tokens, django_assert_max_num_queries):
    token = tokens[Role.BRAND_ADMIN]
    put(client, token, _rows(1, "WARM"))  # content types and other per-process caches
    create_10 = _count(client, token, _rows(10, "A"))
    update_10 = _count(client, token, _rows(10, "A", " (changed)"))
    # PostgreSQL: 1,000 rows cost what 10 do. SQLite caps a statement at 999 parameters, so
    # Django splits the bulk INSERT/UPDATE into more statements; nothing else grows.
    extra_create = _statements(1000, 11) - _statements(10, 11)
    extra_update = _statements(1000, 16) - _statements(10, 16)
    with django_assert_max_num_queries(create_10 + extra_create):
        created = put(client, token, _rows(1000, "B"))
    assert created.json()["created"] == 1000
    with django_assert_max_num_queries(update_10 + extra_update):
        updated = put(client, token, _rows(1000, "B", " (changed)"))
    assert updated.json()["updated"] == 1000
    with django_assert_max_num_queries(update_10):
        unchanged = put(client, token, _rows(1000, "B", " (changed)"))
    assert unchanged.json()["unchanged"] == 1000
    print(
        f"queries per batch ({connection.vendor}): create 10 rows {create_10}, update 10 rows "
        f"{update_10}; 1000 rows at most +{extra_create} / +{extra_update}"
    )
