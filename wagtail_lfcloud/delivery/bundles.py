"""Download bundles: one channel's current approved files of an order or a selection, as a zip.

The files are the Wagtail renditions behind ``ChannelRendition`` rows of each asset's *current*
version, named by the channel's export pattern (Amazon ``ASIN.MAIN.jpg``, ``ASIN.PT01.jpg``...) or
else by the naming convention (``naming.format_name`` with the version's period).

* :func:`plan_bundle` checks the request (permission, channel, size) and lists the files, or
  raises :class:`BundleError` saying what was wrong;
* :func:`zip_stream` streams a zip of a plan chunk by chunk (zipstream-ng), never holding the
  archive in memory, and knows its size first: small bundles go straight into a
  ``StreamingHttpResponse`` with a ``Content-Length`` (:func:`zip_response`), so browsers show
  progress;
* :func:`request_bundle` records the export (``DownloadBundle`` + audit log) and, above
  ``WAGTAIL_LFCLOUD_BUNDLE_ASYNC_THRESHOLD`` files, enqueues :func:`build_bundle_file`, which
  writes the zip into the private storage through a spooled temporary file; :func:`zip_download`
  hands it out as a short-lived presigned URL when that storage is S3.
"""

from __future__ import annotations

import logging
import os
import posixpath
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.files import File
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils import timezone
from wagtail.log_actions import log
from zipstream import ZipStream

from ..access.capabilities import brand_ids_with
from ..background import queued
from ..catalog.naming import NamingError, format_name
from ..channels.errors import ChannelError
from ..channels.lookup import find_rendition_files
from ..channels.registry import ChannelPreset, get_presets
from ..channels.tasks import build_channel_renditions_task
from ..conf import lfcloud_settings
from ..models import (
    Asset,
    AssetVersion,
    Brand,
    ChannelRendition,
    DownloadBundle,
    Order,
    UsageKind,
    UsageRights,
    VersionStatus,
)
from ..storage.privacy import (
    PRIVATE_PREFIX,
    in_unguessable_folder,
    is_private_name,
    presigned_download_url,
    private_storage,
    signs_urls,
)
from ..video.presets import get_video_presets
from .rights import deliverable, rights_for
from .usage import count as count_usage

logger = logging.getLogger(__name__)

CHUNK_SIZE = 64 * 1024
#: The text file a bundle carries when usage rights left files out.
LEFT_OUT_NAME = "LEFT-OUT.txt"


class BundleError(Exception):
    """A bundle that cannot be made; ``status`` is the HTTP status that fits, ``code`` a stable id."""

    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass
class BundleFile:
    """One file of a bundle: its name in the zip and the rendition that holds its bytes."""

    name: str
    rendition: object
    size: int | None = None
    #: The bytes of a generated file (the note on what was left out) instead of a rendition.
    content: bytes | None = None
    #: The version the file belongs to (None for a generated file).
    version: AssetVersion | None = None


@dataclass
class BundlePlan:
    brand: Brand
    channel: str
    order: Order | None
    asset_ids: list[int]
    files: list[BundleFile]
    #: Approved assets whose file for the channel does not exist yet (generation was enqueued).
    missing: list[int] = field(default_factory=list)
    #: Assets with nothing approved, left out.
    unapproved: list[int] = field(default_factory=list)
    #: Approved assets left out because their usage rights forbid this channel now:
    #: ``{"asset_id", "file", "code", "reason"}`` (:mod:`wagtail_lfcloud.delivery.rights`).
    restricted: list[dict] = field(default_factory=list)

    @property
    def file_count(self) -> int:
        """The channel files in the bundle (not counting the note on what was left out)."""
        return sum(1 for f in self.files if f.content is None)

    @property
    def zip_name(self) -> str:
        what = self.order.number if self.order and self.order.number else "selection"
        return f"{self.brand.slug}_{what}_{self.channel}.zip"


def _period(version: AssetVersion) -> str:
    return version.period or version.uploaded_at.strftime("%Y-%m")


def _angle_rank(angle: str) -> tuple[int, str]:
    angles = list(lfcloud_settings.ANGLES)
    return (angles.index(angle) if angle in angles else len(angles), angle)


class PosterFile:
    """A clip's poster frame as a bundle file (``file`` like a rendition's)."""

    def __init__(self, channel_rendition):
        self.file = channel_rendition.poster


def file_name(preset: ChannelPreset, version: AssetVersion, n: int, ext: str) -> str:
    """The name of ``version``'s file for ``preset`` in a bundle.

    The channel's export pattern when it has one and the product has the values it needs
    (an ASIN for Amazon), else the naming convention; ``n`` numbers the product's files (PT01...).
    """
    asset, product = version.asset, version.asset.product
    period = _period(version)
    if preset.export_name:
        values = {"sku": product.sku, "angle": asset.angle, "period": period, "n": n, "ext": ext}
        if product.asin:
            values["asin"] = product.asin
        if product.gtin:
            values["gtin"] = product.gtin
        try:
            return preset.export_name.format(**{"channel": preset.key, **values})
        except (KeyError, IndexError, ValueError):
            pass  # e.g. no ASIN on the product: fall back to the convention
    try:
        return format_name(product.sku, asset.angle, ext, period=period, channel=preset.key)
    except NamingError:
        return f"{product.sku}_{period}_{asset.angle}_{preset.key}.{ext}"


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken:
        taken.add(name)
        return name
    stem, ext = os.path.splitext(name)
    i = 2
    while f"{stem}-{i}{ext}" in taken:
        i += 1
    taken.add(f"{stem}-{i}{ext}")
    return f"{stem}-{i}{ext}"


def _resolve_assets(user, *, order: Order | int | None, asset_ids: list[int] | None):
    allowed = brand_ids_with(user, "download_bundles")
    if allowed == set():
        raise BundleError(
            "permission_denied",
            "You have no role that may download bundles (download_bundles).",
            403,
        )
    if (order is None) == (not asset_ids):
        raise BundleError(
            "invalid_selection", "Give either an order or a non-empty list of asset ids, not both."
        )
    if order is not None:
        order_id = order.pk if isinstance(order, Order) else order
        orders = Order.objects.select_related("brand").filter(pk=order_id)
        if allowed is not None:
            orders = orders.filter(brand_id__in=allowed)
        order_obj = orders.first()
        if order_obj is None:
            raise BundleError("not_found", f"No order {order_id} that you may download.", 404)
        assets = Asset.objects.filter(
            Q(order=order_obj) | Q(product__order_lines__order=order_obj), brand=order_obj.brand
        ).distinct()
        return order_obj.brand, order_obj, list(assets.values_list("pk", flat=True))
    ids = sorted({int(i) for i in asset_ids})
    assets = Asset.objects.filter(pk__in=ids)
    if allowed is not None:
        assets = assets.filter(brand_id__in=allowed)
    found = dict(assets.values_list("pk", "brand_id"))
    unknown = [i for i in ids if i not in found]
    if unknown:
        shown = ", ".join(str(i) for i in unknown[:20])
        raise BundleError("not_found", f"No assets you may download with ids: {shown}.", 404)
    if len(set(found.values())) > 1:
        raise BundleError(
            "several_brands", "A bundle holds one brand's assets; select assets of one brand."
        )
    brand = Brand.objects.get(pk=next(iter(found.values())))
    return brand, None, ids


def plan_bundle(
    user,
    channel: str,
    *,
    order: Order | int | None = None,
    asset_ids: list[int] | None = None,
    enqueue_missing: bool = True,
) -> BundlePlan:
    """What a bundle of ``channel`` files for ``order`` or ``asset_ids`` would hold, for ``user``.

    Raises :class:`BundleError` for an unknown channel, an order or asset the user may not
    download, an empty bundle or one over ``WAGTAIL_LFCLOUD_BUNDLE_MAX_FILES``. Approved files not
    rendered yet are left out and (with ``enqueue_missing``) their generation is enqueued.
    """
    presets = {**get_presets(), **get_video_presets()}
    if channel not in presets:
        raise BundleError(
            "unknown_channel",
            f"Unknown channel {channel!r}. Known channels: {', '.join(sorted(presets))}.",
        )
    preset = presets[channel]
    brand, order_obj, ids = _resolve_assets(user, order=order, asset_ids=asset_ids)

    maximum = int(lfcloud_settings.BUNDLE_MAX_FILES)
    versions = list(
        AssetVersion.objects.filter(asset_id__in=ids, status=VersionStatus.CURRENT)
        .select_related("image", "asset__product")
        .order_by("asset__product__sku", "asset__angle", "pk")
    )
    if len(versions) > maximum:
        raise BundleError(
            "too_many_files",
            f"This bundle would hold {len(versions)} files; the most is {maximum}. "
            "Select fewer assets or split the order.",
        )
    approved = {v.asset_id for v in versions}
    rights_for(versions)
    restricted: list[dict] = []
    allowed_versions = []
    for version in versions:
        verdict = deliverable(version, channel)
        if verdict:
            allowed_versions.append(version)
        else:
            restricted.append(
                {
                    "asset_id": version.asset_id,
                    "file": f"{version.asset.product.sku} {version.asset.angle} v{version.number}",
                    "code": verdict.code,
                    "reason": verdict.reason,
                }
            )
    versions = allowed_versions
    rows = {
        cr.version_id: cr
        for cr in ChannelRendition.objects.filter(
            version__in=versions, channel=channel, status=ChannelRendition.Status.READY
        )
    }
    by_version = {v.pk: v for v in versions}
    for cr in rows.values():
        cr.version = by_version[cr.version_id]
    found = find_rendition_files(rows.values())

    files: list[BundleFile] = []
    missing: list[AssetVersion] = []
    taken: set[str] = set()
    numbers: dict[int, int] = {}
    for version in sorted(
        versions, key=lambda v: (v.asset.product.sku, _angle_rank(v.asset.angle))
    ):
        cr = rows.get(version.pk)
        rendition = found.get(cr.pk) if cr else None
        if rendition is None:
            missing.append(version)
            continue
        n = numbers[version.asset.product_id] = numbers.get(version.asset.product_id, 0) + 1
        ext = preset.extension or os.path.splitext(rendition.file.name)[1].lstrip(".")
        name = _unique(file_name(preset, version, n, ext), taken)
        files.append(BundleFile(name=name, rendition=rendition, size=cr.file_size, version=version))
        if getattr(rendition, "poster_url", None):  # a clip: its poster frame next to it
            poster = PosterFile(cr)
            stem = os.path.splitext(name)[0]
            files.append(
                BundleFile(
                    name=_unique(f"{stem}_poster.jpg", taken),
                    rendition=poster,
                    size=poster.file.size,
                    version=version,
                )
            )

    if enqueue_missing and missing:
        ids_to_render = [v.pk for v in missing]
        transaction.on_commit(
            lambda: [
                queued(build_channel_renditions_task).enqueue(pk, [channel]) for pk in ids_to_render
            ]
        )
    plan = BundlePlan(
        brand=brand,
        channel=channel,
        order=order_obj,
        asset_ids=ids,
        files=files,
        missing=[v.asset_id for v in missing],
        unapproved=[i for i in ids if i not in approved],
        restricted=restricted,
    )
    if not files:
        reasons = []
        if plan.restricted:
            reasons.append(
                f"{len(plan.restricted)} approved file(s) are outside their usage rights for {channel}"
                f" ({'; '.join(r['file'] + ': ' + r['reason'] for r in plan.restricted[:5])})"
            )
        if plan.unapproved:
            reasons.append(f"{len(plan.unapproved)} asset(s) have no approved version")
        if plan.missing:
            reasons.append(
                f"{len(plan.missing)} approved file(s) for {channel} are still being generated; "
                "try again in a minute"
            )
        detail = "; ".join(reasons) or "the selection is empty"
        raise BundleError("empty_bundle", f"This bundle would hold no files: {detail}.")
    if restricted:
        # The zip says what it leaves out and why.
        note = "\n".join(
            ["Left out of this bundle: outside their usage rights.", ""]
            + [f"{r['file']}: {r['reason']}" for r in restricted]
        )
        data = (note + "\n").encode()
        files.append(BundleFile(name=LEFT_OUT_NAME, rendition=None, size=len(data), content=data))
    return plan


def _size(item: BundleFile) -> int:
    if item.size is not None:
        return item.size
    return item.rendition.file.storage.size(item.rendition.file.name)


def _read(item: BundleFile, chunk_size: int) -> Iterator[bytes]:
    """The bytes of a rendition, opened only when the zip gets to it."""
    storage = item.rendition.file.storage
    with storage.open(item.rendition.file.name, "rb") as source:
        while chunk := source.read(chunk_size):
            yield chunk


def zip_stream(files: list[BundleFile], chunk_size: int = CHUNK_SIZE) -> ZipStream:
    """The zip of ``files`` as a zipstream-ng stream whose ``len()`` is the zip's exact size.

    Nothing is read before the stream is iterated, and then about one chunk of one file at a time.
    Files are stored, not deflated: channel outputs are JPEG/WebP/AVIF, already compressed (and
    only stored files let the size be known before the bytes are read).
    """
    stream = ZipStream(compress_type=zipfile.ZIP_STORED, sized=True)
    for item in files:
        if item.content is not None:
            stream.add(item.content, item.name)
        else:
            stream.add(_read(item, chunk_size), item.name, size=_size(item))
    return stream


def iter_zip(files: list[BundleFile], chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The zip of ``files``, chunk by chunk (see :func:`zip_stream`)."""
    yield from zip_stream(files, chunk_size)


def zip_response(plan: BundlePlan) -> StreamingHttpResponse:
    """A streamed zip of ``plan`` with its ``Content-Length``, so browsers show progress."""
    stream = zip_stream(plan.files)
    response = StreamingHttpResponse(stream, content_type="application/zip")
    response["Content-Length"] = str(len(stream))
    response["Content-Disposition"] = f'attachment; filename="{plan.zip_name}"'
    response["Cache-Control"] = "no-store"
    return response


#: Folder of built zips inside the private storage.
BUNDLES_FOLDER = "bundles/"


def zip_location(bundle: DownloadBundle):
    """``(storage, name)`` of a built bundle's zip.

    Zips are built into the private storage (``WAGTAIL_LFCLOUD_PRIVATE_STORAGE``) under
    ``lfcloud-private/bundles/``; zips built before that live in the default storage.
    """
    name = bundle.file.name
    return (private_storage() if is_private_name(name) else bundle.file.storage), name


def zip_download(bundle: DownloadBundle) -> HttpResponse:
    """The answer that hands out a built bundle's zip.

    With a storage that signs URLs (S3 with ``querystring_auth``): a redirect to a presigned URL
    valid ``WAGTAIL_LFCLOUD_SIGNED_URL_EXPIRY`` seconds that downloads the zip under its name, so
    the bytes never pass through a web process. Otherwise the file, streamed with its size.
    Call it after the permission and rights checks.
    """
    storage, name = zip_location(bundle)
    filename = posixpath.basename(name)
    if signs_urls(storage):
        response = HttpResponseRedirect(presigned_download_url(storage, name, filename))
    else:
        response = FileResponse(
            storage.open(name, "rb"),
            as_attachment=True,
            filename=filename,
            content_type="application/zip",
        )
    response["Cache-Control"] = "no-store"
    return response


def request_bundle(user, plan: BundlePlan) -> DownloadBundle:
    """Record the export and log it; above the async threshold, enqueue building the zip.

    The returned bundle is ``ready`` when the caller is to stream ``plan`` itself, ``pending``
    when a task builds it into ``DownloadBundle.file``.
    """
    background = plan.file_count > int(lfcloud_settings.BUNDLE_ASYNC_THRESHOLD)
    with transaction.atomic():
        bundle = DownloadBundle.objects.create(
            brand=plan.brand,
            order=plan.order,
            channel=plan.channel,
            asset_ids=[] if plan.order else plan.asset_ids,
            requested_by=user,
            status=DownloadBundle.Status.PENDING if background else DownloadBundle.Status.READY,
            file_count=plan.file_count,
            finished_at=None if background else timezone.now(),
        )
        log(
            bundle,
            "wagtail_lfcloud.bundle_exported",
            user=user,
            data={
                "channel": plan.channel,
                "order": plan.order.number if plan.order else None,
                "assets": len(plan.asset_ids),
                "files": plan.file_count,
                "background": background,
                "left_out_by_rights": [r["asset_id"] for r in plan.restricted],
            },
        )
        for item in plan.files:
            if item.version is not None:
                count_usage(
                    plan.brand.pk,
                    item.version.asset_id,
                    item.version.pk,
                    plan.channel,
                    UsageKind.BUNDLE_EXPORT,
                )
        if background:
            # cycle: tasks.py imports this module
            from .tasks import build_download_bundle

            transaction.on_commit(lambda: queued(build_download_bundle).enqueue(bundle.pk))
    return bundle


def build_bundle_file(bundle_id: int) -> str:
    """Build a pending bundle's zip into its ``file`` (task body). Returns the new status."""
    bundle = DownloadBundle.objects.select_related("requested_by", "order").get(pk=bundle_id)
    if bundle.status != DownloadBundle.Status.PENDING:
        return bundle.status
    try:
        plan = plan_bundle(
            bundle.requested_by,
            bundle.channel,
            order=bundle.order,
            asset_ids=bundle.asset_ids or None,
            enqueue_missing=False,
        )
        with tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024) as spool:
            for chunk in iter_zip(plan.files):
                spool.write(chunk)
            spool.seek(0)
            # In the private storage, never at a guessable URL: the zip is handed out by the
            # permission-checked download views (a short-lived presigned URL on S3).
            bundle.file.name = private_storage().save(
                PRIVATE_PREFIX + BUNDLES_FOLDER + in_unguessable_folder(plan.zip_name),
                File(spool),
            )
        bundle.file_count = plan.file_count
        bundle.status = DownloadBundle.Status.READY
        bundle.error = ""
    except (BundleError, ChannelError, OSError) as exc:
        logger.warning("Bundle %s failed: %s", bundle_id, exc)
        bundle.status = DownloadBundle.Status.FAILED
        bundle.error = getattr(exc, "message", None) or str(exc)
    bundle.finished_at = timezone.now()
    bundle.save(update_fields=["file", "file_count", "status", "error", "finished_at"])
    return bundle.status


def rights_changed_since_built(bundle: DownloadBundle, now=None) -> str | None:
    """Why the zip of a bundle built in the background may hold files that their usage rights no
    longer allow (rights expired, or changed, since it was built), or None.

    A stored zip is judged again at every download: it was planned against the rights of its build
    time. Whatever changed, the answer is to make a new bundle, which leaves those files out.
    """
    built = bundle.finished_at
    if built is None:
        return None
    now = now or timezone.now()
    if bundle.order_id:
        ids = list(
            Asset.objects.filter(
                Q(order_id=bundle.order_id) | Q(product__order_lines__order_id=bundle.order_id),
                brand_id=bundle.brand_id,
            )
            .distinct()
            .values_list("pk", flat=True)
        )
    else:
        ids = list(bundle.asset_ids or [])
    rows = (
        UsageRights.objects.filter(Q(asset_id__in=ids) | Q(version__asset_id__in=ids))
        .filter(
            Q(updated_at__gt=built) | Q(expires_at__gt=built, expires_at__lte=now),
        )
        .select_related("asset__product", "version__asset__product")
        .order_by("expires_at", "pk")
    )
    first = rows.first()
    if first is None:
        return None
    asset = first.version.asset if first.version_id else first.asset
    if first.expires_at is not None and built < first.expires_at <= now:
        what = f"expired on {first.expires_at.isoformat(timespec='minutes')}"
    else:
        what = f"changed on {first.updated_at.isoformat(timespec='minutes')}"
    return (
        f"The usage rights of {asset.product.sku} {asset.angle} {what}, after this bundle was "
        "built: it may hold files that may no longer be delivered. Make a new bundle."
    )
