"""The payloads of the package's webhook events, as schemas (pydantic), with an example each.

:data:`EVENT_SCHEMAS` maps every event of :data:`~wagtail_lfcloud.delivery.webhooks.EVENTS` to the
schema of its body (the envelope with the event's ``data``). The API's OpenAPI document publishes
them in its ``webhooks`` section (:func:`openapi_webhooks`), and the tests validate the bodies the
package really sends against them, so the document cannot drift from what receivers get.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- the parts -----------------------------------------------------------------------------------


class ApprovedAsset(_Payload):
    id: int
    sku: str
    angle: str
    product_id: int


class VersionRef(_Payload):
    id: int
    number: int


class VersionWithStatus(_Payload):
    id: int
    number: int
    status: str = Field(description="The version's status when the file was made (e.g. current).")


class RenditionAsset(_Payload):
    id: int
    sku: str
    angle: str


class OrderRef(_Payload):
    id: int
    number: str = Field(description="The order number (empty before submission).")
    title: str


# --- each event's data ---------------------------------------------------------------------------


class AssetApprovedData(_Payload):
    asset: ApprovedAsset
    version: VersionRef
    previous_version: VersionRef | None = Field(description="The version it replaced, if any.")
    approved_by: str | None = Field(description="User name of the approver.")
    stable_urls: dict[str, str | None] = Field(
        description="Channel key -> stable URL of the asset's file for that channel."
    )


class RenditionReadyData(_Payload):
    channel: str
    asset: RenditionAsset
    version: VersionWithStatus
    url: str | None = Field(description="The file itself.")
    stable_url: str | None
    width: int | None
    height: int | None
    bytes: int | None
    format: str
    file_name: str
    compliance: str = Field(description="pass, warn or fail.")


class OrderStatusChangedData(_Payload):
    order: OrderRef
    old_status: str
    new_status: str
    changed_by: str | None


class RightsData(_Payload):
    asset_id: int
    sku: str
    angle: str
    version: int | None = Field(description="Number of the version whose own rights these are.")
    expires_at: dt.datetime
    channels: list[str] = Field(description="Allowed channels; empty: every channel.")
    territories: list[str] = Field(description="ISO country codes; empty: worldwide.")
    licensor: str
    reference: str
    stable_urls: dict[str, str | None]


# --- envelopes -----------------------------------------------------------------------------------


class _Envelope(_Payload):
    id: str = Field(description="Unique per event, the same on every retry (webhook-id header).")
    created_at: dt.datetime
    brand: str = Field(description="Slug of the brand the event belongs to.")


class AssetApprovedEvent(_Envelope):
    event: Literal["asset.approved"]
    data: AssetApprovedData


class RenditionReadyEvent(_Envelope):
    event: Literal["rendition.ready"]
    data: RenditionReadyData


class OrderStatusChangedEvent(_Envelope):
    event: Literal["order.status_changed"]
    data: OrderStatusChangedData


class RightsExpiringEvent(_Envelope):
    event: Literal["asset.rights_expiring"]
    data: RightsData


class RightsExpiredEvent(_Envelope):
    event: Literal["asset.rights_expired"]
    data: RightsData


#: Event name -> the schema of its body.
EVENT_SCHEMAS: dict[str, type[_Envelope]] = {
    "asset.approved": AssetApprovedEvent,
    "rendition.ready": RenditionReadyEvent,
    "order.status_changed": OrderStatusChangedEvent,
    "asset.rights_expiring": RightsExpiringEvent,
    "asset.rights_expired": RightsExpiredEvent,
}

_STABLE = "https://lfcloud.example.com/lfcloud/api/v1/renditions/acme/SKU12345/front/amazon_main"
_RIGHTS = {
    "asset_id": 87,
    "sku": "SKU12345",
    "angle": "front",
    "version": None,
    "expires_at": "2026-12-31T23:00:00+00:00",
    "channels": ["amazon_main", "pdp_zoom"],
    "territories": ["DE", "AT"],
    "licensor": "Studio Nord",
    "reference": "LIC-2026-114",
    "stable_urls": {"amazon_main": _STABLE},
}

#: Event name -> an example ``data``.
EXAMPLES: dict[str, dict[str, Any]] = {
    "asset.approved": {
        "asset": {"id": 87, "sku": "SKU12345", "angle": "front", "product_id": 41},
        "version": {"id": 311, "number": 2},
        "previous_version": {"id": 290, "number": 1},
        "approved_by": "ada",
        "stable_urls": {"amazon_main": _STABLE},
    },
    "rendition.ready": {
        "channel": "amazon_main",
        "asset": {"id": 87, "sku": "SKU12345", "angle": "front"},
        "version": {"id": 311, "number": 2, "status": "current"},
        "url": "https://cdn.example.com/images/SKU12345_2026-01_front.2e16d0ba.fill-2000x2000.jpg",
        "stable_url": _STABLE,
        "width": 2000,
        "height": 2000,
        "bytes": 412733,
        "format": "jpeg",
        "file_name": "SKU12345.MAIN.jpg",
        "compliance": "pass",
    },
    "order.status_changed": {
        "order": {"id": 12, "number": "ACME-2026-0012", "title": "Summer 2026 shoes"},
        "old_status": "draft",
        "new_status": "submitted",
        "changed_by": "ada",
    },
    "asset.rights_expiring": _RIGHTS,
    "asset.rights_expired": _RIGHTS,
}


def example(event: str) -> dict[str, Any]:
    """A whole example body of ``event``, valid against its schema."""
    body = {
        "id": "msg_4f1c2a9be0d84c55a1f3f0c2b7d9e611",
        "event": event,
        "created_at": "2026-11-26T14:00:00+00:00",
        "brand": "acme",
        "data": EXAMPLES[event],
    }
    EVENT_SCHEMAS[event].model_validate(body)
    return body


def validate(body: dict[str, Any]) -> BaseModel:
    """Validate a webhook body against its event's schema (raises ``pydantic.ValidationError``)."""
    return EVENT_SCHEMAS[body["event"]].model_validate(body)


_HEADERS = [
    ("webhook-id", "The event id (msg_...), the same on every retry."),
    ("webhook-timestamp", "Seconds since the epoch when this attempt was signed."),
    (
        "webhook-signature",
        "v1,<base64 HMAC-SHA256> (Standard Webhooks); several, space-separated, while a secret rotates.",
    ),
    ("X-LFCloud-Event", "The event name."),
]


def openapi_webhooks(
    descriptions: dict[str, str], ref_prefix: str = "#/components/schemas/"
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The OpenAPI 3.1 ``webhooks`` section and the component schemas it refers to."""
    components: dict[str, Any] = {}
    webhooks: dict[str, Any] = {}
    for event, model in EVENT_SCHEMAS.items():
        schema = model.model_json_schema(ref_template=ref_prefix + "{model}")
        for name, definition in schema.pop("$defs", {}).items():
            components[f"Webhook{name}" if not name.startswith("Webhook") else name] = definition
        components[f"Webhook{model.__name__}"] = schema
        webhooks[event] = {
            "post": {
                "operationId": "webhook_" + event.replace(".", "_"),
                "summary": descriptions.get(event, event),
                "description": (
                    f"POSTed to a brand's webhook endpoints subscribed to {event}, signed as "
                    "Standard Webhooks specifies. Answer any 2xx quickly; anything else is retried "
                    "with backoff. Delivery is at least once: ignore a repeated id."
                ),
                "tags": ["webhooks"],
                "parameters": [
                    {
                        "name": name,
                        "in": "header",
                        "required": True,
                        "description": text,
                        "schema": {"type": "string"},
                    }
                    for name, text in _HEADERS
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"{ref_prefix}Webhook{model.__name__}"},
                            "examples": {"example": {"value": example(event)}},
                        }
                    },
                },
                "responses": {
                    "2XX": {"description": "Received; no further attempt."},
                    "default": {"description": "Any other answer or none: retried later."},
                },
            }
        }
    # The parts are referred to by their own names inside the schemas: rename the refs too.
    return webhooks, _prefix_refs(components, ref_prefix)


def _prefix_refs(value: Any, ref_prefix: str) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str) and item.startswith(ref_prefix):
                name = item[len(ref_prefix) :]
                out[key] = ref_prefix + (name if name.startswith("Webhook") else f"Webhook{name}")
            else:
                out[key] = _prefix_refs(item, ref_prefix)
        return out
    if isinstance(value, list):
        return [_prefix_refs(v, ref_prefix) for v in value]
    return value
