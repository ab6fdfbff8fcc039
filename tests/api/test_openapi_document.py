"""The OpenAPI document: webhook events with their payload schemas, examples on the write endpoints.

Every event the package sends has a schema in the document's ``webhooks`` section, and the bodies
it really sends (each event raised for real) validate against those schemas.
"""

from __future__ import annotations

import datetime as dt

import pytest
from jsonschema import Draft202012Validator
from pydantic import BaseModel

from tests.factories import make_user
from wagtail_lfcloud import signals
from wagtail_lfcloud.api import direct_uploads
from wagtail_lfcloud.api import schemas as api_schemas
from wagtail_lfcloud.api.examples import WRITE_EXAMPLES
from wagtail_lfcloud.delivery import webhook_schemas
from wagtail_lfcloud.delivery.expiry import apply_rights_expiry
from wagtail_lfcloud.delivery.webhooks import EVENTS
from wagtail_lfcloud.models import (
    ChannelRendition,
    Order,
    Role,
    UsageRights,
    WebhookDelivery,
    WebhookEndpoint,
)

from .conftest import API, auth


@pytest.fixture
def document(client, tokens):
    response = client.get(f"{API}/openapi.json", **auth(tokens[Role.BRAND_ADMIN]))
    assert response.status_code == 200
    return response.json()


def _validator(document: dict, ref: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": ref, "components": document["components"]})


@pytest.mark.django_db
def test_every_webhook_event_has_a_schema_and_a_valid_example(document):
    assert document["openapi"].startswith("3.1")
    assert set(document["webhooks"]) == set(EVENTS) == set(webhook_schemas.EVENT_SCHEMAS)
    for event, item in document["webhooks"].items():
        body = item["post"]["requestBody"]["content"]["application/json"]
        validator = _validator(document, body["schema"]["$ref"])
        example = body["examples"]["example"]["value"]
        assert example["event"] == event
        validator.validate(example)
        # The schema is strict: another event's body or a missing field is refused.
        assert not validator.is_valid({**example, "event": "something.else"})
        assert not validator.is_valid({**example, "data": {}})
        headers = {p["name"] for p in item["post"]["parameters"]}
        assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= headers


@pytest.mark.django_db
def test_the_bodies_really_sent_match_the_documented_schemas(
    document, brand, approved_asset, other_asset
):
    """Raise every event for real and check each queued body against the document."""
    WebhookEndpoint.objects.create(
        brand=brand, name="All", url="https://hooks.example.com/lfcloud", secret="whsec_eA=="
    )
    approver = make_user("doc_approver", brand=brand, role=Role.APPROVER)
    version = approved_asset.versions.get()
    signals.asset_approved.send(
        sender=type(approved_asset),
        asset=approved_asset,
        version=version,
        previous=None,
        user=approver,
    )
    row = ChannelRendition.objects.get(version=version, channel="amazon_main")
    signals.rendition_ready.send(sender=ChannelRendition, channel_rendition=row)
    order = Order.objects.create(brand=brand, title="Shoot", currency="EUR")
    signals.order_status_changed.send(
        sender=Order, order=order, old_status="draft", new_status="submitted", user=approver
    )
    expires = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    UsageRights.objects.create(
        brand=brand,
        asset=approved_asset,
        expires_at=expires,
        channels=["amazon_main"],
        licensor="Studio Nord",
    )
    apply_rights_expiry(now=expires - dt.timedelta(days=1))
    apply_rights_expiry(now=expires + dt.timedelta(minutes=1))

    bodies = [d.payload for d in WebhookDelivery.objects.order_by("pk")]
    assert {b["event"] for b in bodies} == set(EVENTS)
    for body in bodies:
        ref = document["webhooks"][body["event"]]["post"]["requestBody"]["content"][
            "application/json"
        ]["schema"]["$ref"]
        errors = [e.message for e in _validator(document, ref).iter_errors(body)]
        assert not errors, (body["event"], errors)
        webhook_schemas.validate(body)


#: operationId -> (request schema or None for multipart, {status: response schema}).
SCHEMAS: dict[str, tuple[type[BaseModel] | None, dict[int, type[BaseModel]]]] = {
    "upsert_products": (api_schemas.ProductBatchIn, {200: api_schemas.ProductBatchOut}),
    "create_order": (api_schemas.OrderIn, {201: api_schemas.OrderOut}),
    "upload_version": (None, {201: api_schemas.UploadOut}),
    "add_comment": (api_schemas.CommentIn, {201: api_schemas.CommentOut}),
    "approve_version": (api_schemas.DecisionIn, {200: api_schemas.DecisionOut}),
    "request_changes": (api_schemas.DecisionIn, {200: api_schemas.DecisionOut}),
    "create_bundle": (api_schemas.BundleIn, {202: api_schemas.BundleOut}),
    "start_direct_upload": (direct_uploads.DirectUploadIn, {201: direct_uploads.DirectUploadOut}),
    "complete_direct_upload": (
        direct_uploads.CompleteIn,
        {202: direct_uploads.DirectUploadOut},
    ),
}


@pytest.mark.django_db
def test_every_write_endpoint_has_request_and_response_examples(document):
    from wagtail_lfcloud.api.errors import ErrorOut

    writes = {
        op["operationId"]: op
        for item in document["paths"].values()
        for method, op in item.items()
        if method in ("post", "put", "patch", "delete")
    }
    assert set(writes) == set(SCHEMAS)
    for operation_id, operation in writes.items():
        request_schema, response_schemas = SCHEMAS[operation_id]
        for media in operation["requestBody"]["content"].values():
            assert "example" in media, operation_id
            if request_schema is not None:
                request_schema.model_validate(media["example"])
        documented = {
            int(status): media["example"]
            for status, response in operation["responses"].items()
            for media in response.get("content", {}).values()
            if "example" in media
        }
        assert any(200 <= s < 300 for s in documented), operation_id
        for status, example in documented.items():
            (response_schemas.get(status) or ErrorOut).model_validate(example)
    assert set(WRITE_EXAMPLES) == set(SCHEMAS)
