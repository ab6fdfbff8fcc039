"""``/usage``: the figures of the admin's Usage view, for a brand or one of its assets."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from ..access.scoping import get_for_user_or_404
from ..delivery.insights import build_report, report_data
from ..models import Asset
from .errors import ERROR_RESPONSES
from .responses import conditional_json
from .schemas import Id, Text
from .scoping import write_brand

router = Router(tags=["usage"])


class UsageOut(Schema):
    brand: str
    asset_id: int | None
    since: str
    until: str
    total: int
    by_kind: dict[str, int] = Field(
        description="admin_download, bundle_export, api_fetch, stable_token, stable_public."
    )
    by_day: list[dict[str, Any]] = Field(description="One entry per day: day and a count per kind.")
    by_channel: list[dict[str, Any]]
    top_assets: list[dict[str, Any]] = Field(description="Brand only: the most delivered assets.")
    never_used: list[dict[str, Any]] = Field(
        description="Brand only: approved assets with no count and no page using them."
    )
    never_delivered: list[dict[str, Any]] = Field(
        description="Brand only: approved assets never delivered by bundle, API or stable URL."
    )
    used_on_pages: list[dict[str, Any]] = Field(
        description="Asset only: the site's pages using one of its versions' images."
    )


@router.get(
    "/usage",
    response={200: UsageOut, 304: None, **ERROR_RESPONSES},
    summary="Usage insights of a brand or an asset",
    operation_id="get_usage",
)
def get_usage(
    request: HttpRequest,
    brand: Text | None = Query(
        None, description="Brand slug (needed when the token sees several)."
    ),
    asset: Id | None = Query(None, description="One asset's usage instead of the brand's."),
    days: int = Query(30, ge=1, le=366, description="The period: this many days up to today."),
):
    """Deliveries per day, kind and channel (counts are flushed every few seconds)."""
    if asset is not None:
        found = get_for_user_or_404(
            request.user,
            Asset.objects.select_related("brand", "product"),
            asset,
            "view_usage",
            message=f"No asset {asset} that this token may see the usage of.",
        )
        report = build_report(found.brand, days=days, asset=found)
    else:
        report = build_report(write_brand(request, brand, "view_usage", "see usage"), days=days)
    return conditional_json(request, report_data(report))
