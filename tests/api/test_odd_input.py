"""Odd values in every parameter of every API operation are refused with a 4xx and a reason.

Found by fuzzing: a NUL byte in a text filter made PostgreSQL raise ``DataError`` and an id beyond 64
bits made SQLite raise ``OverflowError`` (both 500s). The schema's constrained types (``Id``,
``Text``, ``PageNumber`` in ``api/schemas.py``) now refuse them before any query, on every database.
Each parameter of each operation of the published OpenAPI schema gets each odd value.
"""

from __future__ import annotations

import pytest
from django.test import Client

from wagtail_lfcloud.models import Role

from .conftest import API

ODD_INTEGERS = [2**64, 2**63, -(2**64), 0, 10**40]
ODD_STRINGS = ["nul\x00byte", "\x00", "x" * 5000, "é😀\u202e\ufeff漢字", "%00", "../../etc/passwd"]
#: Values the API answers with a client error (4xx) or a normal answer; never 5xx.


def _operations():
    schema = Client().get(f"{API}/openapi.json").json()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def _odd_values(param_schema):
    types = {s.get("type") for s in param_schema.get("anyOf", [param_schema])}
    if "integer" in types:
        return ODD_INTEGERS
    if "string" in types:
        return ODD_STRINGS
    return []


@pytest.mark.django_db
def test_every_parameter_refuses_odd_values_without_a_server_error(tokens, approved_asset):
    client = Client(raise_request_exception=False)
    headers = {"Authorization": f"Bearer {tokens[Role.BRAND_ADMIN]}"}
    failures, tried = [], 0
    for path, method, operation in _operations():
        params = operation.get("parameters", [])
        defaults = {p["name"]: "1" for p in params if p["in"] == "path"}
        for param in params:
            for value in _odd_values(param.get("schema", {})):
                url_values = dict(defaults)
                query = {}
                if param["in"] == "path":
                    url_values[param["name"]] = str(value)
                else:
                    query[param["name"]] = str(value)
                url = path.format(**url_values)
                response = (
                    getattr(client, method)(url, query, headers=headers)
                    if method == "get"
                    else getattr(client, method)(url, headers=headers)
                )
                tried += 1
                if response.status_code >= 500:
                    failures.append(
                        (
                            method,
                            path,
                            param["name"],
                            value[:20] if isinstance(value, str) else value,
                            response.status_code,
                        )
                    )
    assert tried > 50
    assert failures == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [
        {"channel": "amazon_main", "order": 2**64},
        {"channel": "amazon_main", "assets": [2**64]},
        {"channel": "amazon_main", "assets": [0, -1]},
        {"channel": "amazon\x00main", "assets": [1]},
        {"channel": "x" * 5000, "assets": [1]},
    ],
)
def test_bundle_post_refuses_odd_ids_and_text(tokens, payload):
    response = Client(raise_request_exception=False).post(
        f"{API}/bundles",
        payload,
        content_type="application/json",
        headers={"Authorization": f"Bearer {tokens[Role.BRAND_ADMIN]}"},
    )
    assert response.status_code == 422
    assert response.json()["error"]


@pytest.mark.django_db
def test_a_nul_byte_in_a_filter_is_named_in_the_answer(tokens):
    response = Client().get(
        f"{API}/assets",
        {"sku": "SKU\x00"},
        headers={"Authorization": f"Bearer {tokens[Role.BRAND_ADMIN]}"},
    )
    assert response.status_code == 422
    assert "sku" in response.content.decode()
