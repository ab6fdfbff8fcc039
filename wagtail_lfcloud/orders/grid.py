"""The production progress of an order as a SKU x angle grid, in a constant number of queries.

:func:`build_grid` reads an order's lines, its deliverables, each deliverable's latest and
current version, the channel renditions of the current versions and existing thumbnail
renditions in six queries, whatever the order's size. Thumbnails are never generated here (the
request path stays fast): a cell whose thumbnail does not exist yet shows none until
:func:`wagtail_lfcloud.assets.tasks.make_preview` has made it.
"""

from __future__ import annotations

import hashlib
import time
from types import SimpleNamespace
from typing import Any

from django.db.models import Count, FloatField, Func, Max, OuterRef, Subquery, Sum
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.images import get_image_model

from ..access import has_capability

# Grid thumbnails are the admin's thumbnail previews (the Wagtail image listing's size, so they
# are often there already); THUMBNAIL_SPEC stays importable from here.
from ..assets.previews import THUMBNAIL_SPEC
from ..catalog.naming import angle_vocabulary, is_video_deliverable
from ..conf import lfcloud_settings
from ..models import Asset, AssetVersion, ChannelRendition, Order, OrderStatus, VersionStatus

#: Cell states, in the order a deliverable goes through them, with their labels.
CELL_STATES = {
    "not_created": "Not ordered yet",
    "awaiting_upload": "Awaiting upload",
    VersionStatus.IN_REVIEW.value: "In review",
    VersionStatus.CHANGES_REQUESTED.value: "Changes requested",
    VersionStatus.REJECTED.value: "Rejected",
    "approved": "Approved",
}


def _asset_review_url_pattern() -> str | None:
    # A cell opens the review page (look, comment, decide), not the asset's generic edit form.
    try:
        return reverse("wagtail_lfcloud_admin:asset_review", args=[0]).replace("/0/", "/{pk}/")
    except NoReverseMatch:
        return None


def _thumbnail_rights(order: Order, user) -> tuple[bool, bool]:
    """(may see thumbnails of files in review, of approved finals) on ``order``'s brand; both for
    ``user=None`` (callers that checked already)."""
    if user is None:
        return True, True

    return (
        has_capability(user, order.brand_id, "view_drafts"),
        has_capability(user, order.brand_id, "view_finals"),
    )


def build_grid(order: Order, user=None) -> dict[str, Any]:
    """The grid of ``order`` as plain data (what the order page renders and the JSON endpoint returns).

    ``user``: whose grid it is. A cell's thumbnail is only given to people who may see that file
    (``view_drafts`` for a file in review, ``view_finals`` for an approved one); finance sees the
    states and counts without pictures. Thumbnail URLs of private files are short-lived signed URLs.

    ``{"order": {...}, "angles": [...], "rows": [{"sku", "name", "cells": [...]}], "totals": {...}}``;
    each cell has ``angle``, ``state``, ``label``, ``version``, ``thumbnail``, ``channels``
    (``[{"key", "ready"}]``), ``ready``/``required`` counts, ``overdue`` and ``url``.
    """
    # Plain tuples throughout: building model instances was most of the time for large orders.
    lines = [
        SimpleNamespace(
            product_id=p, sku=sku, name=name, angles=angles or [], channels=channels or []
        )
        for p, sku, name, angles, channels in order.lines.order_by("sort_order", "pk").values_list(
            "product_id", "product__sku", "product__name", "angles", "channels"
        )
    ]
    vocabulary = angle_vocabulary()
    used = {a for line in lines for a in line.angles}
    angles = [a for a in vocabulary if a in used] + sorted(used - set(vocabulary))
    video_angles = {a for a in angles if is_video_deliverable(a)}

    versions_of = AssetVersion.objects.filter(asset=OuterRef("pk"))
    assets = [
        SimpleNamespace(
            pk=pk,
            product_id=p,
            angle=angle,
            channels=channels or [],
            latest=latest,
            current=current,
        )
        for pk, p, angle, channels, latest, current in Asset.objects.filter(
            product_id__in={line.product_id for line in lines}
        )
        .annotate(
            latest_version_id=Subquery(versions_of.order_by("-number").values("pk")[:1]),
            current_version_id=Subquery(
                versions_of.filter(status=VersionStatus.CURRENT).values("pk")[:1]
            ),
        )
        .values_list(
            "pk", "product_id", "angle", "channels", "latest_version_id", "current_version_id"
        )
    ]
    by_cell = {(a.product_id, a.angle): a for a in assets}
    version_ids = {a.latest for a in assets} | {a.current for a in assets}
    version_ids.discard(None)
    # version pk -> (number, status, image id)
    versions = {
        pk: (number, status, image_id)
        for pk, number, status, image_id in AssetVersion.objects.filter(
            pk__in=version_ids
        ).values_list("pk", "number", "status", "image_id")
    }
    current_ids = [a.current for a in assets if a.current]
    ready: dict[int, set[str]] = {}
    for version_id, channel in ChannelRendition.objects.filter(
        version_id__in=current_ids, status=ChannelRendition.Status.READY
    ).values_list("version_id", "channel"):
        ready.setdefault(version_id, set()).add(channel)

    may_see_drafts, may_see_finals = _thumbnail_rights(order, user)
    # Only a current version counts as approved here (a superseded latest upload was replaced
    # before approval): anything else needs view_drafts.
    shown_images = {
        versions[a.latest][2]
        for a in assets
        if a.latest in versions
        and (may_see_finals if versions[a.latest][1] == VersionStatus.CURRENT else may_see_drafts)
    }
    Rendition = get_image_model().get_rendition_model()
    # Read names, not rendition objects: touching an ImageField's file on a deferred row loads
    # width and height one query each.
    storage = Rendition._meta.get_field("file").storage
    thumbs = {
        image_id: storage.url(name)
        for image_id, name in Rendition.objects.filter(
            image_id__in=shown_images, filter_spec=THUMBNAIL_SPEC
        ).values_list("image_id", "file")
    }

    overdue = order.is_overdue
    review_url = _asset_review_url_pattern()
    totals = dict.fromkeys(CELL_STATES, 0)
    rows = []
    for line in lines:
        cells = []
        for angle in angles:
            if angle not in line.angles:
                cells.append(None)
                continue
            asset = by_cell.get((line.product_id, angle))
            required = list(asset.channels if asset is not None else line.channels)
            cell: dict[str, Any] = {
                "angle": angle,
                "video": angle in video_angles,
                "asset": None,
                "version": None,
                "thumbnail": None,
                "channels": [{"key": c, "ready": False} for c in required],
                "ready": 0,
                "required": len(required),
                "url": None,
            }
            if asset is None:
                state = "not_created"
            else:
                cell["asset"] = asset.pk
                cell["url"] = review_url.format(pk=asset.pk) if review_url else None
                latest = versions.get(asset.latest)
                if latest is None:
                    state = "awaiting_upload"
                else:
                    number, status, image_id = latest
                    cell["version"] = number
                    cell["thumbnail"] = thumbs.get(image_id)
                    state = (
                        "approved"
                        if status in (VersionStatus.CURRENT, VersionStatus.SUPERSEDED)
                        else status
                    )
                    if asset.current and status != VersionStatus.CURRENT:
                        # A newer file is in review but an approved one exists: say so.
                        cell["has_approved"] = True
                done = ready.get(asset.current, set())
                for channel in cell["channels"]:
                    channel["ready"] = channel["key"] in done
                cell["ready"] = sum(1 for c in cell["channels"] if c["ready"])
            cell["state"] = state
            cell["label"] = CELL_STATES.get(state, state)
            cell["overdue"] = overdue and state != "approved"
            totals[state] = totals.get(state, 0) + 1
            cells.append(cell)
        rows.append(
            {"sku": line.sku, "name": line.name, "product": line.product_id, "cells": cells}
        )

    count = sum(totals.values())
    return {
        "order": {
            "pk": order.pk,
            "number": order.number,
            "status": order.status,
            "status_label": str(OrderStatus(order.status).label),
            "due_date": order.due_date.isoformat() if order.due_date else None,
            "overdue": overdue,
        },
        "angles": angles,
        #: The header of each column: the angle, or "Video: <label>" for a video deliverable.
        "columns": [
            {
                "angle": a,
                "video": a in video_angles,
                "label": (
                    _("Video: %(label)s") % {"label": lfcloud_settings.VIDEO_DELIVERABLES[a]}
                    if a in video_angles
                    else a
                ),
            }
            for a in angles
        ],
        "rows": rows,
        "totals": {
            **totals,
            "cells": count,
            "percent_approved": round(100 * totals["approved"] / count) if count else 0,
        },
    }


class Seconds(Func):
    """A timestamp as seconds since 1970 (a float), on PostgreSQL and SQLite."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra_context):
        template = "((julianday(%(expressions)s) - 2440587.5) * 86400.0)"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def _changes(queryset, field: str) -> dict:
    """How many rows, and the sum of their ``field`` timestamps: a timestamp only moves forward,
    so any row saved again makes the sum grow, whatever the order in which the saves commit. (The
    latest timestamp would not: a row saved before another but committed after it would leave
    the maximum where it was, and the grid's pollers would get 304 for a changed grid.)"""
    return queryset.aggregate(n=Count("pk"), t=Sum(Seconds(field)))


def grid_fingerprint(order: Order, user=None) -> str:
    """An ETag for the grid computed without building it: what the grid shows can only change
    when one of these changes (lines and their products, the deliverables, their versions'
    statuses, channel renditions, thumbnails, the order's status and due date, or today's date
    for the overdue flag), or the user's right to see thumbnails, or their signed URLs near their
    expiry. Five small queries whatever the order's size."""
    lines = list(
        order.lines.order_by("sort_order", "pk").values_list(
            "pk", "product_id", "angles", "channels", "product__updated_at"
        )
    )
    product_ids = {line[1] for line in lines}
    assets = Asset.objects.filter(product_id__in=product_ids)
    versions = AssetVersion.objects.filter(asset__in=assets)
    parts = [
        order.status,
        order.due_date,
        order.updated_at,
        timezone.localdate(),
        lines,
        _changes(assets, "updated_at"),
        _changes(versions, "status_changed_at"),
        _changes(ChannelRendition.objects.filter(version__in=versions), "updated_at"),
        get_image_model()
        .get_rendition_model()
        .objects.filter(image__lfcloud_versions__in=versions, filter_spec=THUMBNAIL_SPEC)
        .aggregate(n=Count("pk"), m=Max("pk")),
        list(lfcloud_settings.ANGLES),
        _thumbnail_rights(order, user),
        int(time.time() // max(1, int(lfcloud_settings.SIGNED_URL_EXPIRY) // 2)),
    ]
    return '"' + hashlib.sha1(repr(parts).encode()).hexdigest() + '"'
