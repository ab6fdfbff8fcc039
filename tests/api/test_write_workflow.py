"""The write endpoints behave as the admin: orders with lines and a brief, uploads through the
upload service, comments and decisions through the review workflow; each write is audited."""

from __future__ import annotations

import pytest
from wagtail.images import get_image_model

from tests.factories import image_upload, make_asset
from wagtail_lfcloud.assets.uploads import upload_version
from wagtail_lfcloud.assets.workflows import ensure_default_workflow
from wagtail_lfcloud.models import (
    Asset,
    AssetComment,
    AssetVersion,
    BrandLogEntry,
    Order,
    Role,
    VersionStatus,
)

from .conftest import API, auth
from .test_write_scopes import brand_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_token(users, brand):
    return brand_token(users[Role.BRAND_ADMIN], brand, ["read", "orders:write", "upload", "review"])


def post(client, path, body, token):
    return client.post(f"{API}{path}", body, content_type="application/json", **auth(token))


def test_an_order_with_lines_and_a_brief_is_created_and_submitted(
    client, admin_token, brand, product
):
    response = post(
        client,
        "/orders",
        {
            "title": "Spring shoot",
            "due_date": "2026-03-31",
            "lines": [
                {
                    "sku": product.sku.lower(),
                    "angles": ["front", "back"],
                    "channels": ["amazon_main"],
                    "unit_price": "12.50",
                    "quantity": 2,
                }
            ],
            "brief": {"instructions": "White background.\n\nLaces <tied>."},
            "submit": True,
        },
        admin_token,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted" and body["total"] == "25.00" and body["line_count"] == 1
    order = Order.objects.get(pk=body["id"])
    assert order.brand == brand and order.currency == "EUR"
    assert order.brief.instructions == "<p>White background.</p><p>Laces &lt;tied&gt;.</p>"
    assert set(Asset.objects.filter(product=product).values_list("angle", flat=True)) == {
        "front",
        "back",
    }
    actions = set(
        BrandLogEntry.objects.filter(object_id=str(order.pk)).values_list("action", flat=True)
    )
    assert {"wagtail.create", "wagtail_lfcloud.order_status"} <= actions


def test_an_invalid_order_reports_every_line_and_creates_nothing(client, admin_token, product):
    response = post(
        client,
        "/orders",
        {
            "title": "Bad",
            "currency": "XXX",
            "lines": [
                {"sku": "NOPE-1", "angles": ["front"]},
                {"sku": product.sku, "angles": ["sideways"], "channels": ["myspace"]},
            ],
        },
        admin_token,
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "invalid_order"
    found = {(e["line"], e["field"]) for e in body["errors"]}
    assert found == {(None, "currency"), (0, "sku"), (1, "angles"), (1, "channels")}
    assert not Order.objects.exists()


def test_upload_by_sku_and_angle_applies_the_naming_convention(client, admin_token, brand, product):
    ensure_default_workflow()
    make_asset(product, "front")
    response = client.post(
        f"{API}/uploads",
        {
            "file": image_upload("capture-0001.png"),
            "sku": product.sku,
            "angle": "front",
            "period": "2026-01",
        },
        **auth(admin_token),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["file_name"] == f"{product.sku}_2026-01_front.png"
    assert body["number"] == 1 and body["status"] in ("in_review", "changes_requested")
    assert BrandLogEntry.objects.filter(action="wagtail_lfcloud.version_uploaded").exists()
    # The same bytes again: a duplicate, refused with nothing created.
    again = client.post(
        f"{API}/uploads",
        {
            "file": image_upload("capture-0001.png"),
            "sku": product.sku,
            "angle": "front",
            "period": "2026-01",
        },
        **auth(admin_token),
    )
    assert again.status_code == 409 and again.json()["code"] == "duplicate"
    assert AssetVersion.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("SKU12345_2026-01_back.png", "not_ordered"),
        ("NOSUCH_2026-01_front.png", "sku"),
        ("holiday.png", "name"),
    ],
)
def test_a_refused_upload_leaves_nothing_behind(client, admin_token, product, name, code):
    make_asset(product, "front")
    images = get_image_model().objects.count()
    response = client.post(f"{API}/uploads", {"file": image_upload(name)}, **auth(admin_token))
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert not AssetVersion.objects.exists()
    assert get_image_model().objects.count() == images


@pytest.fixture
def in_review(users, brand, product):
    ensure_default_workflow()
    make_asset(product, "front")
    result = upload_version(
        image_upload(f"{product.sku}_2026-01_front.png"), brand=brand, user=users[Role.STUDIO]
    )
    assert result.status == VersionStatus.IN_REVIEW, result.message
    return result.version


def test_approve_through_the_workflow_as_the_tokens_user(client, admin_token, users, in_review):
    response = post(client, f"/versions/{in_review.pk}/approve", {"comment": "Great"}, admin_token)
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "current"
    in_review.refresh_from_db()
    assert in_review.approved_by == users[Role.BRAND_ADMIN]
    # The step is finished: deciding again is a conflict, not a second approval.
    again = post(client, f"/versions/{in_review.pk}/approve", {}, admin_token)
    assert again.status_code == 409 and again.json()["code"] == "not_in_review"


def test_request_changes_needs_a_comment(client, admin_token, in_review):
    refused = post(client, f"/versions/{in_review.pk}/request-changes", {}, admin_token)
    assert refused.status_code == 400 and refused.json()["code"] == "comment_required"
    response = post(
        client, f"/versions/{in_review.pk}/request-changes", {"comment": "Too dark"}, admin_token
    )
    assert response.status_code == 200 and response.json()["status"] == "changes_requested"
    assert BrandLogEntry.objects.filter(action="wagtail_lfcloud.changes_requested").exists()


def test_an_outdated_version_cannot_be_approved(
    client, admin_token, users, brand, product, in_review
):
    upload_version(
        image_upload(f"{product.sku}_2026-01_front.png", color=(3, 3, 3)),
        brand=brand,
        user=users[Role.STUDIO],
    )
    response = post(client, f"/versions/{in_review.pk}/approve", {}, admin_token)
    assert response.status_code == 409
    in_review.refresh_from_db()
    assert in_review.status != VersionStatus.CURRENT


def test_comments_follow_the_review_pages_rules(client, admin_token, in_review):
    pinned = post(
        client,
        f"/versions/{in_review.pk}/comments",
        {"text": "Crease here", "x": 0.1, "y": 0.1, "w": 0.2, "h": 0.2},
        admin_token,
    )
    assert pinned.status_code == 201, pinned.content
    reply = post(
        client,
        f"/versions/{in_review.pk}/comments",
        {"text": "Fixed in v2", "parent": pinned.json()["id"]},
        admin_token,
    )
    assert reply.status_code == 201 and reply.json()["parent"] == pinned.json()["id"]
    outside = post(
        client,
        f"/versions/{in_review.pk}/comments",
        {"text": "x", "x": 0.9, "y": 0.9, "w": 0.5, "h": 0.5},
        admin_token,
    )
    assert outside.status_code == 400 and outside.json()["code"] == "invalid_comment"
    half = post(client, f"/versions/{in_review.pk}/comments", {"text": "x", "x": 0.5}, admin_token)
    assert half.status_code == 400
    assert AssetComment.objects.count() == 2
    assert BrandLogEntry.objects.filter(action="wagtail_lfcloud.comment_added").count() == 2


def test_a_user_token_follows_roles_a_studio_cannot_approve(client, tokens, in_review):
    response = post(client, f"/versions/{in_review.pk}/approve", {}, tokens[Role.STUDIO])
    assert response.status_code == 404
    in_review.refresh_from_db()
    assert in_review.status == VersionStatus.IN_REVIEW
