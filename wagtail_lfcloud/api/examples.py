"""Request and response examples of the write endpoints, published in the OpenAPI document.

:func:`add_examples` puts them into the generated schema; ``tests/api/test_openapi_document.py``
validates every example against its operation's schemas.
"""

from __future__ import annotations

from typing import Any

from .errors import PROBLEM_JSON


def _problem(status: int, title: str, code: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": f"urn:lfcloud:problem:{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "error": code,
        **extra,
    }


_MISSING_SCOPE = _problem(
    403, "Forbidden", "missing_scope", "This token lacks the products:write scope."
)

#: operationId -> {"request": body example or None, "responses": {status: example}}.
WRITE_EXAMPLES: dict[str, dict[str, Any]] = {
    "upsert_products": {
        "request": {
            "brand": "acme",
            "products": [
                {
                    "sku": "SKU12345",
                    "name": "Runner",
                    "colour": "red",
                    "catalog": "shoes",
                    "season": "SS26",
                },
                {"sku": "SKU12346", "name": "Trail runner", "gtin": "4006381333931"},
                {"sku": "SKU 1", "name": "Bad SKU"},
            ],
        },
        "responses": {
            200: {
                "created": 1,
                "updated": 0,
                "unchanged": 1,
                "failed": 1,
                "results": [
                    {
                        "index": 0,
                        "sku": "SKU12345",
                        "status": "unchanged",
                        "id": 41,
                        "errors": None,
                    },
                    {"index": 1, "sku": "SKU12346", "status": "created", "id": 97, "errors": None},
                    {
                        "index": 2,
                        "sku": "SKU 1",
                        "status": "error",
                        "id": None,
                        "errors": {"sku": ["SKUs are 1-64 ASCII letters, digits or hyphens."]},
                    },
                ],
            },
            403: _MISSING_SCOPE,
        },
    },
    "create_order": {
        "request": {
            "brand": "acme",
            "title": "Summer 2026 shoes",
            "due_date": "2026-03-31",
            "currency": "EUR",
            "lines": [
                {
                    "sku": "SKU12345",
                    "angles": ["front", "back"],
                    "channels": ["amazon_main"],
                    "unit_price": "25.00",
                    "quantity": 1,
                }
            ],
            "brief": {"instructions": "White background, laces tied.", "shoot_date": "2026-02-10"},
            "submit": True,
        },
        "responses": {
            201: {
                "id": 12,
                "number": "ACME-2026-0012",
                "brand": "acme",
                "title": "Summer 2026 shoes",
                "status": "submitted",
                "due_date": "2026-03-31",
                "currency": "EUR",
                "total": "25.00",
                "line_count": 1,
                "created_at": "2026-01-20T09:30:00Z",
                "updated_at": "2026-01-20T09:30:00Z",
            },
            422: _problem(
                422,
                "Unprocessable Entity",
                "invalid_order",
                "The order has 1 problem; nothing was created.",
                errors=[{"line": 0, "field": "sku", "messages": ["Unknown SKU 'SKU99999'."]}],
            ),
        },
    },
    "upload_version": {
        "request": {"sku": "SKU12345", "angle": "front", "period": "2026-01"},
        "responses": {
            201: {
                "version_id": 311,
                "asset_id": 87,
                "number": 2,
                "status": "in_review",
                "file_name": "SKU12345_2026-01_front.jpg",
                "message": "SKU12345_2026-01_front.jpg was uploaded as v2 and waits for review.",
            },
            409: _problem(
                409,
                "Conflict",
                "duplicate",
                "This file is the same as v1 of SKU12345 front.",
            ),
        },
    },
    "start_direct_upload": {
        "request": {
            "filename": "SKU12345_2026-01_front.jpg",
            "size": 24117248,
            "content_type": "image/jpeg",
        },
        "responses": {
            201: {
                "id": 55,
                "status": "started",
                "method": "PUT",
                "url": None,
                "headers": {},
                "part_size": 16777216,
                "parts": [
                    {
                        "number": 1,
                        "url": "https://bucket.s3.amazonaws.com/uploads/55?partNumber=1&...",
                    },
                    {
                        "number": 2,
                        "url": "https://bucket.s3.amazonaws.com/uploads/55?partNumber=2&...",
                    },
                ],
                "expires_in": 3600,
                "version_id": None,
                "error": "",
                "error_code": "",
            }
        },
    },
    "complete_direct_upload": {
        "request": {
            "parts": [
                {"number": 1, "etag": '"a54357aff0632cce46d942af68356b38"'},
                {"number": 2, "etag": '"0c78aef83f66abc1fa1e8477f296d394"'},
            ]
        },
        "responses": {
            202: {
                "id": 55,
                "status": "uploaded",
                "method": None,
                "url": None,
                "headers": {},
                "part_size": None,
                "parts": [],
                "expires_in": None,
                "version_id": None,
                "error": "",
                "error_code": "",
            }
        },
    },
    "add_comment": {
        "request": {"text": "Crease on the toe", "x": 0.42, "y": 0.61, "w": 0.1, "h": 0.08},
        "responses": {
            201: {
                "id": 501,
                "version_id": 311,
                "parent": None,
                "text": "Crease on the toe",
                "time": None,
                "created_at": "2026-01-21T10:02:00Z",
            }
        },
    },
    "approve_version": {
        "request": {"comment": "Approved for the summer launch."},
        "responses": {
            200: {"version_id": 311, "asset_id": 87, "status": "current"},
            409: _problem(
                409, "Conflict", "not_in_review", "v2 of SKU12345 front is not in review."
            ),
        },
    },
    "request_changes": {
        "request": {"comment": "Please remove the crease on the toe."},
        "responses": {
            200: {"version_id": 311, "asset_id": 87, "status": "changes_requested"},
            400: _problem(
                400, "Bad Request", "comment_required", "Say what should change in comment."
            ),
        },
    },
    "create_bundle": {
        "request": {"channel": "amazon_main", "order": 12},
        "responses": {
            202: {
                "id": 7,
                "status": "pending",
                "channel": "amazon_main",
                "order": 12,
                "file_count": 480,
                "created_at": "2026-01-22T08:00:00Z",
                "finished_at": None,
                "download_url": None,
                "error": "",
            }
        },
    },
}


def add_examples(schema: dict[str, Any]) -> dict[str, Any]:
    """Put :data:`WRITE_EXAMPLES` into the operations of ``schema`` (in place; returned)."""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            examples = WRITE_EXAMPLES.get(operation.get("operationId"))
            if not examples:
                continue
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                if examples["request"] is not None:
                    media["example"] = examples["request"]
            for status, value in examples["responses"].items():
                responses = operation.get("responses", {})
                response = responses.get(status, responses.get(str(status)))
                if response is None:
                    continue
                for media_type, media in response.get("content", {}).items():
                    if status < 400 or media_type == PROBLEM_JSON:
                        media["example"] = value
    return schema
