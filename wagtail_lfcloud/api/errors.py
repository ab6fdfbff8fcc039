"""Error responses of the API: RFC 9457 problem documents (``application/problem+json``).

Every 4xx answers a body like::

    {"type": "urn:lfcloud:problem:page_size_too_large", "title": "Bad Request", "status": 400,
     "detail": "limit may be at most 100; got 1000.", "code": "page_size_too_large"}

``code`` is the stable, machine-readable error code (``type`` is the same code as a URN, and
``error`` repeats it for clients written against earlier 0.x builds). Views raise
:class:`ApiError`; the handlers registered by :func:`register_error_handlers` turn it, Ninja's
authentication, validation and throttling errors and Django's ``Http404`` into that shape.
``ApiError`` subclasses Ninja's ``HttpError``, so the routes keep answering sensibly when mounted
on Wagtail's v3 API, whose own handlers also render ``application/problem+json``.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

logger = logging.getLogger(__name__)

#: The media type of every error response.
PROBLEM_JSON = "application/problem+json"
#: Prefix of a problem's ``type``; the code follows (``urn:lfcloud:problem:not_found``).
PROBLEM_TYPE_PREFIX = "urn:lfcloud:problem:"


class ErrorOut(Schema):
    """The body of every error response (an RFC 9457 problem document)."""

    type: str = Field(description="The error code as a URN, e.g. urn:lfcloud:problem:not_found.")
    title: str = Field(description="The HTTP status phrase, e.g. 'Not Found'.")
    status: int
    #: What was wrong, in words a developer can act on.
    detail: str
    #: Stable machine-readable code, e.g. ``not_authenticated``, ``page_size_too_large``.
    code: str = Field(description="Stable machine-readable error code.")
    error: str = Field(description="Same as code (kept for clients of earlier 0.x builds).")
    #: Per-field problems (validation errors, batch rows).
    errors: list[dict[str, Any]] | None = None


#: Another name for :class:`ErrorOut`.
ProblemOut = ErrorOut


class ApiError(HttpError):
    """A 4xx the client can fix; ``code`` goes into the problem document's ``code``."""

    def __init__(
        self,
        status_code: int,
        code: str,
        detail: str,
        headers: dict[str, str] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ):
        super().__init__(status_code, detail)
        self.code = code
        self.detail = detail
        self.headers = headers or {}
        self.errors = errors


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", what)


#: Error statuses documented on every operation (for the OpenAPI schema and its checkers).
ERROR_RESPONSES: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}

AUTH_HELP = (
    "Send a valid API token as 'Authorization: Bearer <token>'. The token was missing, unknown or "
    "revoked, or its user is inactive. Brand admins create tokens under LF Cloud > API tokens in "
    "the Wagtail admin."
)


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem(
    status: int,
    code: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    """An ``application/problem+json`` response with the stable ``code``."""
    body: dict[str, Any] = {
        "type": f"{PROBLEM_TYPE_PREFIX}{code}",
        "title": _title(status),
        "status": status,
        "detail": detail,
        "code": code,
        "error": code,
    }
    if errors is not None:
        body["errors"] = errors
    response = HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder), status=status, content_type=PROBLEM_JSON
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def register_error_handlers(api: NinjaAPI) -> None:
    """Install the problem document handlers on ``api``."""

    @api.exception_handler(ApiError)
    def _api_error(request, exc: ApiError):
        return problem(exc.status_code, exc.code, exc.detail, exc.errors, exc.headers)

    @api.exception_handler(AuthenticationError)
    def _auth_error(request, exc):
        return problem(
            401,
            "not_authenticated",
            AUTH_HELP,
            headers={"WWW-Authenticate": 'Bearer realm="lfcloud"'},
        )

    @api.exception_handler(Throttled)
    def _throttled(request, exc: Throttled):
        # Ninja adds Retry-After to this response.
        return problem(
            429,
            "rate_limited",
            "Too many requests for this token; wait for the seconds in Retry-After.",
        )

    @api.exception_handler(NinjaValidationError)
    def _validation_error(request, exc: NinjaValidationError):
        errors = [
            {
                "loc": [str(part) for part in e.get("loc", ())],
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "")),
            }
            for e in exc.errors
        ]
        parts = [f"{'.'.join(e['loc'][1:] or e['loc'])}: {e['msg']}" for e in errors]
        return problem(422, "invalid_request", "; ".join(parts) or "Invalid request.", errors)

    @api.exception_handler(HttpError)
    def _http_error(request, exc: HttpError):
        return problem(exc.status_code, "http_error", str(exc))

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        return problem(404, "not_found", str(exc) or "Not found.")


def use_problem_media_type(schema: dict) -> dict:
    """Document every 4xx response of ``schema`` (an OpenAPI dict) as ``application/problem+json``."""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content") or {}
                if str(status).startswith("4") and "application/json" in content:
                    content[PROBLEM_JSON] = content.pop("application/json")
    return schema
