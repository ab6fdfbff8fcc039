"""Responsive sizes of the current approved image: ``/responsive/{brand}/{sku}/{angle}[/{width}]``.

``GET /responsive/{brand}/{sku}/{angle}`` answers every offered size in one format with a ready
``srcset`` value; ``GET /responsive/{brand}/{sku}/{angle}/{width}`` redirects to one size, like the
stable URL. The format is the ``format`` parameter (``avif``, ``webp``, ``jpeg``), else the best one
``Accept`` names, else JPEG; answers carry ``Vary: Accept``. Sizes are Wagtail renditions made once
in the background (:mod:`wagtail_lfcloud.delivery.responsive`): while they are missing the answer
is ``202`` with ``Retry-After``. The usage rights are judged for
``WAGTAIL_LFCLOUD_RESPONSIVE_RIGHTS_CHANNEL`` (``451`` outside them), and deliveries are counted
in the usage figures under the channel ``responsive``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from ninja import Query, Router

from ..conf import lfcloud_settings
from ..delivery import responsive
from ..delivery.usage import count as count_usage
from ..models import AssetVersion, UsageKind
from ..models.catalog import SKU_RE
from .errors import ERROR_RESPONSES, ApiError, ErrorOut
from .renditions import approved_version, pending_answer
from .responses import conditional_json
from .schemas import Id, ResponsiveSet, StableRenditionPending, Text
from .scoping import brand_filter

router = Router(tags=["renditions"])

RESPONSES = {**ERROR_RESPONSES, 202: StableRenditionPending, 409: ErrorOut, 451: ErrorOut}
VARY = "Authorization, Accept"


def _format(request: HttpRequest, requested: str | None) -> str:
    available = responsive.formats()
    if requested:
        name = requested.lower().replace("jpg", "jpeg")
        if name not in responsive.FORMATS:
            raise ApiError(
                400,
                "unknown_format",
                f"Unknown format {requested!r}. Formats: {', '.join(available)}.",
            )
        if name not in available:
            raise ApiError(
                400,
                "format_unavailable",
                f"This server cannot write {name.upper()} (its Pillow lacks it). "
                f"Formats: {', '.join(available)}.",
            )
        return name
    return responsive.parse_accept(request.headers.get("Accept", "")) or "jpeg"


def _current(request: HttpRequest, brand: str, sku: str, angle: str, territory: str | None):
    if not SKU_RE.match(sku):
        raise ApiError(
            400,
            "invalid_sku",
            f"{sku!r} is not a SKU: SKUs are 1-64 ASCII letters, digits or hyphens.",
        )
    brand_obj = brand_filter(request, brand, "view_finals")
    version, _verdict = approved_version(
        brand_obj, sku, angle, lfcloud_settings.RESPONSIVE_RIGHTS_CHANNEL or None, territory
    )
    return brand_obj, version


def _pending_or_failed(version: AssetVersion, fmt: str, sku: str, angle: str) -> HttpResponse:
    """409 when the sizes could not be made lately; otherwise enqueue them and answer 202."""
    error = responsive.failure(version.pk, fmt)
    if error:
        raise ApiError(
            409,
            "rendition_failed",
            f"The {fmt} sizes of {sku} {angle} v{version.number} could not be made: {error}",
        )
    responsive.enqueue_once(version.pk, fmt, int(lfcloud_settings.STABLE_URL_RETRY_AFTER))
    response = pending_answer(
        f"The {fmt} sizes of {sku} {angle} v{version.number} are being generated; retry later."
    )
    response["Vary"] = VARY
    return response


def _count(brand_id: int, version: AssetVersion) -> None:
    count_usage(
        brand_id, version.asset_id, version.pk, responsive.USAGE_CHANNEL, UsageKind.STABLE_TOKEN
    )


@router.get(
    "/responsive/{brand}/{sku}/{angle}",
    response={200: ResponsiveSet, **RESPONSES},
    summary="Responsive sizes (srcset) of the current approved image",
    operation_id="responsive_set",
    url_name="responsive_set",
)
def responsive_set(
    request: HttpRequest,
    brand: Text,
    sku: Text,
    angle: Text,
    format: Query[Text | None] = None,  # noqa: A002 - the documented parameter name
    territory: Query[Text | None] = None,
):
    """Every offered size of SKU x angle's current approved image in one format, with ``srcset``.

    Widths are the configured list (``WAGTAIL_LFCLOUD_RESPONSIVE_WIDTHS``) up to the master's
    width. ``format``: avif, webp or jpeg; without it, the best format ``Accept`` names, else jpeg.
    """
    fmt = _format(request, format)
    brand_obj, version = _current(request, brand, sku, angle, territory or None)
    offered = responsive.offered_widths(version.image)
    found = responsive.find_sizes(version.image, fmt, offered)
    if len(found) < len(offered):
        return _pending_or_failed(version, fmt, sku, angle)
    sizes, seen = [], set()
    for width in offered:
        size = found[width]
        if size.width in seen:
            continue
        seen.add(size.width)
        url = request.build_absolute_uri(size.url)
        sizes.append({"width": size.width, "height": size.height, "url": url})
    _count(brand_obj.pk, version)
    response = conditional_json(
        request,
        {
            "brand": brand_obj.slug,
            "sku": version.asset.product.sku,
            "angle": angle,
            "version": version.number,
            "format": fmt,
            "type": responsive.MEDIA_TYPES[fmt],
            "sizes": sizes,
            "srcset": ", ".join(f"{s['url']} {s['width']}w" for s in sizes),
            "src": sizes[-1]["url"],
        },
        last_modified=version.status_changed_at,
    )
    response["Vary"] = VARY
    return response


@router.get(
    "/responsive/{brand}/{sku}/{angle}/{width}",
    response=RESPONSES,
    summary="One responsive size of the current approved image",
    operation_id="responsive_size",
    url_name="responsive_size",
    openapi_extra={
        "responses": {
            302: {
                "description": "Redirect to the file of that width and format.",
                "headers": {"Location": {"schema": {"type": "string"}}},
            }
        }
    },
)
def responsive_size(
    request: HttpRequest,
    brand: Text,
    sku: Text,
    angle: Text,
    width: Id,
    format: Query[Text | None] = None,  # noqa: A002 - the documented parameter name
    territory: Query[Text | None] = None,
):
    """Redirect to the current approved image of SKU x angle at one configured width.

    A width outside ``WAGTAIL_LFCLOUD_RESPONSIVE_WIDTHS`` is ``404 unknown_width``; one wider than
    the master (never upscaled) is ``404 width_not_available``.
    """
    configured = responsive.widths()
    if width not in configured:
        raise ApiError(
            404,
            "unknown_width",
            f"Width {width} is not offered. Widths: {', '.join(map(str, configured))}.",
        )
    fmt = _format(request, format)
    brand_obj, version = _current(request, brand, sku, angle, territory or None)
    offered = responsive.offered_widths(version.image)
    if width not in offered:
        raise ApiError(
            404,
            "width_not_available",
            f"The approved image of {sku} {angle} is {version.image.width} px wide and is never "
            f"upscaled. Widths: {', '.join(map(str, offered))}.",
        )
    size = responsive.find_sizes(version.image, fmt, [width]).get(width)
    if size is None:
        return _pending_or_failed(version, fmt, sku, angle)
    _count(brand_obj.pk, version)
    response = HttpResponseRedirect(request.build_absolute_uri(size.url))
    response["Cache-Control"] = f"private, max-age={int(lfcloud_settings.STABLE_URL_MAX_AGE)}"
    response["Vary"] = VARY
    response["X-LFCloud-Version"] = str(version.number)
    response["X-LFCloud-Width"] = str(size.width)
    return response
