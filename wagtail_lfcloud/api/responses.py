"""Pagination and conditional (ETag / Last-Modified) JSON responses shared by every endpoint."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Generic, TypeVar

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from ninja import Schema

from ..conf import lfcloud_settings
from .errors import ApiError

T = TypeVar("T")


class Page(Schema, Generic[T]):
    """One page of a listing. Ordering is stable, so ``offset`` paging never skips or repeats rows."""

    #: Rows matching the filters, over all pages.
    count: int
    limit: int
    offset: int
    #: URL of the next page, or null on the last one.
    next: str | None
    results: list[T]


def page_bounds(limit: int | None, offset: int) -> tuple[int, int]:
    """Validate ``limit``/``offset`` against the configured page sizes."""
    maximum = lfcloud_settings.API_MAX_PAGE_SIZE
    if limit is None:
        limit = min(lfcloud_settings.API_DEFAULT_PAGE_SIZE, maximum)
    if limit < 1:
        raise ApiError(400, "invalid_page_size", f"limit must be at least 1; got {limit}.")
    if limit > maximum:
        raise ApiError(
            400,
            "page_size_too_large",
            f"limit may be at most {maximum}; got {limit}. Page with offset.",
        )
    if offset < 0:
        raise ApiError(400, "invalid_offset", f"offset must be 0 or more; got {offset}.")
    return limit, offset


def _next_url(request: HttpRequest, limit: int, offset: int, count: int) -> str | None:
    if offset + limit >= count:
        return None
    params = request.GET.copy()
    params["limit"] = str(limit)
    params["offset"] = str(offset + limit)
    return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")


def paginate(
    request: HttpRequest,
    queryset: QuerySet,
    limit: int | None,
    offset: int,
    serialize: Callable[[Sequence[Any]], Iterable[Any]] | None = None,
) -> tuple[dict[str, Any], list[Any]]:
    """The page dict (``count``, ``next``, ``results``...) and the page's rows.

    Two queries (count and page) plus whatever prefetches ``queryset`` carries, whatever the
    page size. ``serialize`` turns the page's rows into result dicts.
    """
    limit, offset = page_bounds(limit, offset)
    count = queryset.count()
    rows = list(queryset[offset : offset + limit]) if offset < count else []
    results = list(serialize(rows)) if serialize else rows
    page = {
        "count": count,
        "limit": limit,
        "offset": offset,
        "next": _next_url(request, limit, offset, count),
        "results": results,
    }
    return page, rows


def _dump(data: Any) -> bytes:
    # The dicts are built to the response schemas (the schemathesis test checks they conform);
    # validating them again through Ninja's Schema costs a quarter of a 100-row page.
    return json.dumps(data, cls=DjangoJSONEncoder, separators=(",", ":")).encode()


def conditional_json(
    request: HttpRequest,
    data: Any,
    *,
    last_modified: dt.datetime | None = None,
    honour_if_modified_since: bool = True,
    status: int = 200,
) -> HttpResponse:
    """A JSON response carrying a strong ``ETag`` (hash of the body) and ``Last-Modified``.

    Answers ``304 Not Modified`` with no body when ``If-None-Match`` names the ETag, or when
    there is no ``If-None-Match`` and ``If-Modified-Since`` is not older than ``last_modified``.
    Listings pass ``honour_if_modified_since=False``: a row deleted from a page leaves its newest
    date unchanged, so only the ETag can tell.
    """
    body = _dump(data)
    etag = quote_etag(hashlib.sha256(body).hexdigest()[:32])
    headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Authorization"}
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified.timestamp())

    if_none_match = request.headers.get("If-None-Match")
    not_modified = False
    if if_none_match is not None:
        candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        not_modified = etag in candidates or "*" in candidates
    elif (
        honour_if_modified_since
        and last_modified is not None
        and (since := request.headers.get("If-Modified-Since"))
    ):
        parsed = parse_http_date_safe(since)
        not_modified = parsed is not None and int(last_modified.timestamp()) <= parsed

    if not_modified:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, status=status, content_type="application/json")
    for name, value in headers.items():
        response[name] = value
    return response


def latest(values: Iterable[dt.datetime | None]) -> dt.datetime | None:
    """The most recent of ``values`` (None when there are none)."""
    present = [v for v in values if v is not None]
    return max(present) if present else None
