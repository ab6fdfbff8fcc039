"""Pagination and conditional (ETag / Last-Modified) JSON responses shared by every endpoint."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from typing import Any, Generic, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from ninja import Schema

from ..conf import lfcloud_settings
from .errors import ApiError

T = TypeVar("T")


class Page(Schema, Generic[T]):
    """One page of a listing. Ordering is stable, so paging never skips or repeats rows.

    Page with ``offset`` (page numbers) or with ``cursor`` (for sync clients: pass ``next_cursor``
    back as ``cursor``; rows inserted or deleted meanwhile never shift the pages).
    """

    #: Rows matching the filters, over all pages.
    count: int
    limit: int
    offset: int
    #: URL of the next page, or null on the last one (a cursor URL when paging by cursor).
    next: str | None
    #: Opaque position after this page's last row, or null on the last page.
    next_cursor: str | None
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
            f"limit may be at most {maximum}; got {limit}. Page with offset or cursor.",
        )
    if offset < 0:
        raise ApiError(400, "invalid_offset", f"offset must be 0 or more; got {offset}.")
    return limit, offset


def _page_url(request: HttpRequest, **params: str) -> str:
    query = request.GET.copy()
    for name in ("offset", "cursor"):
        query.pop(name, None)
    query.update(params)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


def _ordering(queryset: QuerySet) -> list[tuple[str, bool]]:
    """``[(field name, descending)]`` of the queryset's ordering (which must end with the pk)."""
    return [(f.lstrip("-"), f.startswith("-")) for f in queryset.query.order_by]


def _field(queryset: QuerySet, name: str):
    meta = queryset.model._meta
    return meta.pk if name == "pk" else meta.get_field(name)


def encode_cursor(queryset: QuerySet, row: Any) -> str:
    """The cursor after ``row``: its values of the ordering fields, base64url JSON."""
    values = []
    for name, _desc in _ordering(queryset):
        value = getattr(row, name)
        values.append(value.isoformat() if isinstance(value, dt.datetime) else value)
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _after_cursor(queryset: QuerySet, cursor: str) -> QuerySet:
    """``queryset`` narrowed to rows after ``cursor`` in its ordering (a keyset condition)."""
    ordering = _ordering(queryset)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(ordering):
            raise ValueError
        values = [
            _field(queryset, name).to_python(v)
            for (name, _), v in zip(ordering, values, strict=True)
        ]
        # Nothing the database would refuse (None, integers beyond bigint) gets through.
        if any(v is None or (isinstance(v, int) and not 0 <= v <= 2**63 - 1) for v in values):
            raise ValueError
    except (ValueError, TypeError, DjangoValidationError, binascii.Error):
        raise ApiError(
            400,
            "invalid_cursor",
            "cursor is not one this listing gave out; start again without cursor.",
        ) from None
    condition = Q()
    for i, (name, descending) in enumerate(ordering):
        step = Q(**{f"{name}__{'lt' if descending else 'gt'}": values[i]})
        for j in range(i):
            step &= Q(**{ordering[j][0]: values[j]})
        condition |= step
    return queryset.filter(condition)


def paginate(
    request: HttpRequest,
    queryset: QuerySet,
    limit: int | None,
    offset: int,
    serialize: Callable[[Sequence[Any]], Iterable[Any]] | None = None,
    cursor: str | None = None,
) -> tuple[dict[str, Any], list[Any]]:
    """The page dict (``count``, ``next``, ``next_cursor``, ``results``...) and the page's rows.

    ``queryset`` must be ordered, ending with the primary key. With ``cursor`` the page starts
    after the row the cursor names (``offset`` must then be 0). Two queries (count and page) plus
    whatever prefetches ``queryset`` carries, whatever the page size. ``serialize`` turns the
    page's rows into result dicts.
    """
    limit, offset = page_bounds(limit, offset)
    if cursor is not None:
        if offset:
            raise ApiError(400, "cursor_with_offset", "Send cursor or offset, not both.")
        after = _after_cursor(queryset, cursor)  # a malformed cursor is a 400 even on no rows
    count = queryset.count()
    if cursor is not None:
        rows = list(after[: limit + 1]) if count else []
        more = len(rows) > limit
        rows = rows[:limit]
    else:
        rows = list(queryset[offset : offset + limit]) if offset < count else []
        more = offset + limit < count
    next_cursor = encode_cursor(queryset, rows[-1]) if more and rows else None
    if cursor is not None:
        next_url = _page_url(request, limit=str(limit), cursor=next_cursor) if next_cursor else None
    else:
        next_url = (
            _page_url(request, limit=str(limit), offset=str(offset + limit)) if more else None
        )
    results = list(serialize(rows)) if serialize else rows
    page = {
        "count": count,
        "limit": limit,
        "offset": offset,
        "next": next_url,
        "next_cursor": next_cursor,
        "results": results,
    }
    return page, rows


def dump_json(data: Any) -> bytes:
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
    body = dump_json(data)
    etag = quote_etag(hashlib.sha256(body).hexdigest()[:32])
    headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Authorization"}
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified.timestamp())

    not_modified = False
    if request.headers.get("If-None-Match") is not None:
        not_modified = etag_matches(request, etag)
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


def etag_matches(request: HttpRequest, etag: str) -> bool:
    """Whether the request's ``If-None-Match`` names ``etag`` (or ``*``)."""
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is None:
        return False
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in candidates or "*" in candidates


def etag_every_get(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Give every ``200`` answer to GET/HEAD an ``ETag`` and honour ``If-None-Match`` (``304``).

    Installed on the whole router; views that build their own ETag (:func:`conditional_json`, file
    downloads) keep theirs. Streamed bodies without one are left alone.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if (
            request.method not in ("GET", "HEAD")
            or response.status_code != 200
            or response.has_header("ETag")
            or response.streaming
        ):
            return response
        etag = quote_etag(hashlib.sha256(response.content).hexdigest()[:32])
        response["ETag"] = etag
        if etag_matches(request, etag):
            not_modified = HttpResponse(status=304)
            for name in ("ETag", "Cache-Control", "Vary", "Last-Modified"):
                if response.has_header(name):
                    not_modified[name] = response[name]
            return not_modified
        return response

    return wrapper
