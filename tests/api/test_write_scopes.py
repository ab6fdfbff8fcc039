"""Every write endpoint: a brand token without the endpoint's scope gets 403 ``missing_scope``; a
token without any write scope 403 ``read_only_token``; a token of another brand cannot write to
this brand (404, nothing written); the right scope on the right brand succeeds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from wagtail.models import APIToken

from wagtail_lfcloud.models import BrandAPIToken, Product, Role

from .conftest import API, auth

pytestmark = pytest.mark.django_db


@dataclass
class Write:
    scope: str
    method: str
    #: world -> (path, body, content_type or None for multipart)
    request: Callable[[dict], tuple[str, dict]]
    #: world -> whether the write happened
    happened: Callable[[dict], bool]


def _products(w):
    return "/products", {"brand": w["brand"].slug, "products": [{"sku": "W-1", "name": "x"}]}


WRITES = {
    "upsert_products": Write(
        "products:write",
        "put",
        _products,
        lambda w: Product.objects.filter(sku="W-1", brand=w["brand"]).exists(),
    ),
}


def brand_token(user, brand, scopes) -> str:
    token, secret = APIToken.create_token(user=user, name=f"{brand.slug} {scopes}")
    BrandAPIToken.objects.create(token=token, brand=brand, scopes=list(scopes))
    return secret


@pytest.fixture
def world(users, brand, other_brand, approved_asset):
    from tests.factories import make_user

    return {
        "brand": brand,
        "admin": users[Role.BRAND_ADMIN],
        "other_admin": make_user("zed_admin", brand=other_brand, role=Role.BRAND_ADMIN),
        "other_brand": other_brand,
        "asset": approved_asset,
    }


def send(client, write: Write, w, token):
    path, body = write.request(w)
    return getattr(client, write.method)(
        f"{API}{path}", body, content_type="application/json", **auth(token)
    )


@pytest.mark.parametrize("name", list(WRITES))
def test_a_token_without_the_scope_is_refused_with_a_problem(client, world, name):
    write = WRITES[name]
    others = [s for s in ("products:write", "orders:write", "upload", "review") if s != write.scope]
    token = brand_token(world["admin"], world["brand"], ["read", *others])
    response = send(client, write, world, token)
    assert response.status_code == 403, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "missing_scope"
    read_only = brand_token(world["admin"], world["brand"], ["read"])
    response = send(client, write, world, read_only)
    assert response.status_code == 403 and response.json()["code"] == "read_only_token"
    assert not write.happened(world)


@pytest.mark.parametrize("name", list(WRITES))
def test_a_token_of_another_brand_cannot_write_to_this_one(client, world, name):
    write = WRITES[name]
    token = brand_token(world["other_admin"], world["other_brand"], [write.scope])
    response = send(client, write, world, token)
    assert response.status_code in (403, 404), response.content
    assert response["Content-Type"] == "application/problem+json"
    assert not write.happened(world)


@pytest.mark.parametrize("name", list(WRITES))
def test_the_scope_on_its_brand_writes(client, world, name):
    write = WRITES[name]
    token = brand_token(world["admin"], world["brand"], [write.scope])
    response = send(client, write, world, token)
    assert response.status_code in (200, 201), response.content
    assert write.happened(world)
