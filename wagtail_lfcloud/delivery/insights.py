"""The figures of the Usage view, its exports and the API: one brand (or one asset) over N days.

Counts come from :class:`~wagtail_lfcloud.models.UsageDaily` (flushed by
:mod:`wagtail_lfcloud.delivery.usage`); where an image is used in the site's own pages comes from
Wagtail's reference index (``ReferenceIndex``), for the versions' images.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Sum
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.models import Page, ReferenceIndex

from ..models import Asset, AssetVersion, Brand, UsageDaily, UsageKind, VersionStatus

#: Kinds that take a file out of the library (admin downloads are internal).
DELIVERY_KINDS = (
    UsageKind.BUNDLE_EXPORT,
    UsageKind.API_FETCH,
    UsageKind.STABLE_TOKEN,
    UsageKind.STABLE_PUBLIC,
)


@dataclass
class UsageReport:
    brand: Brand
    since: dt.date
    until: dt.date
    asset: Asset | None = None
    #: ``[(day, {kind: count})]`` for every day of the period, oldest first.
    by_day: list[tuple[dt.date, dict[str, int]]] = field(default_factory=list)
    #: ``[(channel, count)]``, most used first; ``""`` is the original file.
    by_channel: list[tuple[str, int]] = field(default_factory=list)
    by_kind: dict[str, int] = field(default_factory=dict)
    #: ``[(asset, count)]``, most used first (brand report).
    top_assets: list[tuple[Asset, int]] = field(default_factory=list)
    #: Approved assets with no count at all and no page using their image (brand report).
    never_used: list[Asset] = field(default_factory=list)
    #: Approved assets never delivered (bundle, API, stable URL) since their approval.
    never_delivered: list[Asset] = field(default_factory=list)
    #: ``[(page or object, version number)]`` of the site's pages using a version's image.
    used_on_pages: list[tuple[object, int]] = field(default_factory=list)
    #: ``[(version number, channel, kind, count)]`` (asset report).
    by_version: list[tuple[int, str, str, int]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    def rows(self) -> list[dict]:
        """One row per day x version x channel x kind: what the CSV/XLSX export holds."""
        qs = self._counts().select_related("asset__product", "version")
        return [
            {
                "day": row.day.isoformat(),
                "sku": row.asset.product.sku,
                "angle": row.asset.angle,
                "version": row.version.number,
                "channel": row.channel or "original",
                "kind": row.kind,
                "count": row.count,
            }
            for row in qs.order_by("day", "asset__product__sku", "asset__angle", "channel", "kind")
        ]

    def _counts(self):
        qs = UsageDaily.objects.filter(brand=self.brand, day__gte=self.since, day__lte=self.until)
        return qs.filter(asset=self.asset) if self.asset is not None else qs


def _pages_using(image_ids: list[int]) -> dict[int, list]:
    """``{image id: [source objects]}`` from Wagtail's reference index."""
    if not image_ids:
        return {}
    ct = ContentType.objects.get_for_model(get_image_model())
    # Pages only: the package's own models (versions, briefs) refer to the images too.
    refs = ReferenceIndex.objects.filter(
        base_content_type=ContentType.objects.get_for_model(Page),
        to_content_type=ct,
        to_object_id__in=[str(i) for i in image_ids],
    )
    found: dict[int, list] = {}
    for ref in refs:
        obj = Page.objects.filter(pk=ref.object_id).specific().first()
        if obj is not None and obj not in found.setdefault(int(ref.to_object_id), []):
            found[int(ref.to_object_id)].append(obj)
    return found


def build_report(brand: Brand, *, days: int = 30, asset: Asset | None = None, today=None):
    """The usage of ``brand`` (or of one of its assets) over the ``days`` days up to today."""
    until = today or timezone.now().date()
    since = until - dt.timedelta(days=days - 1)
    report = UsageReport(brand=brand, since=since, until=until, asset=asset)
    counts = report._counts()

    per_day: dict[dt.date, dict[str, int]] = {}
    for row in counts.values("day", "kind").annotate(n=Sum("count")):
        per_day.setdefault(row["day"], {})[row["kind"]] = row["n"]
    report.by_day = [
        (since + dt.timedelta(days=i), per_day.get(since + dt.timedelta(days=i), {}))
        for i in range(days)
    ]
    report.by_channel = [
        (row["channel"], row["n"])
        for row in counts.values("channel").annotate(n=Sum("count")).order_by("-n", "channel")
    ]
    report.by_kind = {
        row["kind"]: row["n"] for row in counts.values("kind").annotate(n=Sum("count"))
    }

    if asset is not None:
        report.by_version = [
            (row["version__number"], row["channel"], row["kind"], row["n"])
            for row in counts.values("version__number", "channel", "kind")
            .annotate(n=Sum("count"))
            .order_by("-version__number", "channel", "kind")
        ]
        versions = {v.image_id: v.number for v in asset.versions.all()}
        pages = _pages_using(list(versions))
        report.used_on_pages = [
            (obj, versions[image_id]) for image_id, objs in pages.items() for obj in objs
        ]
        return report

    top = list(counts.values("asset").annotate(n=Sum("count")).order_by("-n", "asset")[:10])
    assets = Asset.objects.select_related("product").in_bulk([row["asset"] for row in top])
    report.top_assets = [(assets[row["asset"]], row["n"]) for row in top if row["asset"] in assets]

    current = list(
        AssetVersion.objects.filter(asset__brand=brand, status=VersionStatus.CURRENT)
        .select_related("asset__product")
        .order_by("asset__product__sku", "asset__angle")
    )
    ever = UsageDaily.objects.filter(brand=brand)
    used_ids = set(ever.values_list("asset_id", flat=True).distinct())
    delivered = {}
    for row in ever.filter(kind__in=DELIVERY_KINDS).values("version_id").annotate(n=Count("pk")):
        delivered[row["version_id"]] = row["n"]
    on_pages = _pages_using([v.image_id for v in current])
    report.never_used = [
        v.asset for v in current if v.asset_id not in used_ids and not on_pages.get(v.image_id)
    ]
    report.never_delivered = [v.asset for v in current if v.pk not in delivered]
    return report


def report_data(report: UsageReport) -> dict:
    """The report as JSON-ready data (the API and the charts)."""
    return {
        "brand": report.brand.slug,
        "asset_id": report.asset.pk if report.asset else None,
        "since": report.since.isoformat(),
        "until": report.until.isoformat(),
        "total": report.total,
        "by_kind": {kind: report.by_kind.get(kind, 0) for kind in UsageKind.values},
        "by_day": [
            {"day": day.isoformat(), **{kind: kinds.get(kind, 0) for kind in UsageKind.values}}
            for day, kinds in report.by_day
        ],
        "by_channel": [
            {"channel": channel or "original", "count": n} for channel, n in report.by_channel
        ],
        "top_assets": [
            {"asset_id": a.pk, "sku": a.product.sku, "angle": a.angle, "count": n}
            for a, n in report.top_assets
        ],
        "never_used": [
            {"asset_id": a.pk, "sku": a.product.sku, "angle": a.angle} for a in report.never_used
        ],
        "never_delivered": [
            {"asset_id": a.pk, "sku": a.product.sku, "angle": a.angle}
            for a in report.never_delivered
        ],
        "used_on_pages": [
            {"title": str(obj), "version": n, "url": getattr(obj, "url", None)}
            for obj, n in report.used_on_pages
        ],
    }
