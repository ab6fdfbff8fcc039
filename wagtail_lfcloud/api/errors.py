"""Error responses of the API: every 4xx is JSON ``{"error": code, "detail": message}``.

Views raise :class:`ApiError`; the handlers registered by :func:`register_error_handlers` turn it,
Ninja's authentication and validation errors and Django's ``Http404`` into that shape. ``ApiError``
subclasses Ninja's ``HttpError``, so the routes keep answering sensibly when mounted on Wagtail's v3
API, whose own handlers then render it as ``application/problem+json``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

logger = logging.getLogger(__name__)


class ErrorOut(Schema):
    """The body of every error response."""

    #: Stable machine-readable code, e.g. ``not_authenticated``, ``page_size_too_large``.
    error: str
    #: What was wrong, in words a developer can act on.
    detail: str
    #: Per-field problems (validation errors only).
    errors: list[dict[str, Any]] | None = None


class ApiError(HttpError):
    """A 4xx the client can fix; ``code`` goes into the body's ``error`` field."""

    def __init__(
        self, status_code: int, code: str, detail: str, headers: dict[str, str] | None = None
    ):
        super().__init__(status_code, detail)
        self.code = code
        self.detail = detail
        self.headers = headers or {}


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", what)


#: Error statuses documented on every operation (for the OpenAPI schema and its checkers).
ERROR_RESPONSES: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
}

AUTH_HELP = (
    "Send a valid API token as 'Authorization: Bearer <token>'. The token was missing, unknown or revoked, "
    "or its user is inactive. Create tokens under Settings > API tokens in the Wagtail admin."
)


def _json(
    api: NinjaAPI, request: HttpRequest, status: int, code: str, detail: str, **extra
) -> HttpResponse:
    body = {"error": code, "detail": detail, **extra}
    return api.create_response(request, body, status=status)


def register_error_handlers(api: NinjaAPI) -> None:
    """Install the JSON error handlers on ``api``."""

    @api.exception_handler(ApiError)
    def _api_error(request, exc: ApiError):
        response = _json(api, request, exc.status_code, exc.code, exc.detail)
        for name, value in exc.headers.items():
            response[name] = value
        return response

    @api.exception_handler(AuthenticationError)
    def _auth_error(request, exc):
        response = _json(api, request, 401, "not_authenticated", AUTH_HELP)
        response["WWW-Authenticate"] = 'Bearer realm="lfcloud"'
        return response

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
        return _json(
            api,
            request,
            422,
            "invalid_request",
            "; ".join(parts) or "Invalid request.",
            errors=errors,
        )

    @api.exception_handler(HttpError)
    def _http_error(request, exc: HttpError):
        return _json(api, request, exc.status_code, "http_error", str(exc))

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        return _json(api, request, 404, "not_found", str(exc) or "Not found.")
