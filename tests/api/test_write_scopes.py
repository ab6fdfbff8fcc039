"""Every write endpoint: a brand token without the endpoint's scope gets 403 ``missing_scope``; a
token without any write scope 403 ``read_only_token``; a token of another brand cannot write to
this brand (404, nothing written); the right scope on the right brand succeeds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from wagtail.models import APIToken

from tests.factories import image_upload, make_asset
from wagtail_lfcloud.assets.uploads import upload_version
from wagtail_lfcloud.assets.workflows import ensure_default_workflow
from wagtail_lfcloud.models import (
    AssetComment,
    AssetVersion,
    BrandAPIToken,
    Order,
    Product,
    Role,
    VersionStatus,
)

from .conftest import API, auth

pytestmark = pytest.mark.django_db


@dataclass
class Write:
    scope: str
    method: str
    #: world -> (path, body); a body holding a file is sent as multipart
    request: Callable[[dict], tuple[str, dict]]
    #: world -> whether the write happened
    happened: Callable[[dict], bool]


def _products(w):
    return "/products", {"brand": w["brand"].slug, "products": [{"sku": "W-1", "name": "x"}]}


def _order(w):
    return "/orders", {
        "brand": w["brand"].slug,
        "title": "API order",
        "lines": [{"sku": w["product"].sku, "angles": ["side"]}],
    }


def _upload(w):
    name = f"{w['product'].sku}_2026-01_side.png"
    return "/uploads", {"brand": w["brand"].slug, "file": image_upload(name, color=(9, 9, 9))}


def _comment(w):
    return f"/versions/{w['in_review'].pk}/comments", {"text": "Laces untied"}


def _approve(w):
    return f"/versions/{w['in_review'].pk}/approve", {"comment": ""}


def _request_changes(w):
    return f"/versions/{w['in_review'].pk}/request-changes", {"comment": "Too dark"}


def _status(w):
    w["in_review"].refresh_from_db()
    return w["in_review"].status


WRITES = {
    "upsert_products": Write(
        "products:write",
        "put",
        _products,
        lambda w: Product.objects.filter(sku="W-1", brand=w["brand"]).exists(),
    ),
    "create_order": Write(
        "orders:write", "post", _order, lambda w: Order.objects.filter(title="API order").exists()
    ),
    "upload_version": Write(
        "upload",
        "post",
        _upload,
        lambda w: AssetVersion.objects.filter(asset__angle="side").exists(),
    ),
    "add_comment": Write(
        "review",
        "post",
        _comment,
        lambda w: AssetComment.objects.filter(text="Laces untied").exists(),
    ),
    "approve_version": Write(
        "review", "post", _approve, lambda w: _status(w) == VersionStatus.CURRENT
    ),
    "request_changes": Write(
        "review", "post", _request_changes, lambda w: _status(w) == VersionStatus.CHANGES_REQUESTED
    ),
}


def brand_token(user, brand, scopes) -> str:
    token, secret = APIToken.create_token(user=user, name=f"{brand.slug} {scopes}")
    BrandAPIToken.objects.create(token=token, brand=brand, scopes=list(scopes))
    return secret


@pytest.fixture
def world(users, brand, other_brand, product):
    from tests.factories import make_user

    ensure_default_workflow()
    make_asset(product, "side")
    asset = make_asset(product, "front")
    studio = users[Role.STUDIO]
    version = upload_version(
        image_upload(f"{product.sku}_2026-01_front.png"), brand=brand, user=studio
    )
    assert version.status == VersionStatus.IN_REVIEW, version.message
    return {
        "brand": brand,
        "product": product,
        "admin": users[Role.BRAND_ADMIN],
        "other_admin": make_user("zed_admin", brand=other_brand, role=Role.BRAND_ADMIN),
        "other_brand": other_brand,
        "asset": asset,
        "in_review": version.version,
    }


def send(client, write: Write, w, token):
    path, body = write.request(w)
    if any(hasattr(v, "read") for v in body.values()):
        return client.post(f"{API}{path}", body, **auth(token))
    return getattr(client, write.method)(
        f"{API}{path}", body, content_type="application/json", **auth(token)
    )


@pytest.mark.parametrize("name", list(WRITES))
def test_a_token_without_the_scope_is_refused_with_a_problem(client, world, name):
    write = WRITES[name]
    # Every other write scope (comments are allowed by upload and review alike).
    others = [
        s
        for s in ("products:write", "orders:write", "upload", "review")
        if s != write.scope and not (name == "add_comment" and s == "upload")
    ]
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
