"""``/bundles``: download a channel's files of an order or a selection as a zip."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Router, Status

from ..access import get_for_user_or_404
from ..delivery.bundles import (
    BundleError,
    plan_bundle,
    request_bundle,
    rights_changed_since_built,
    zip_download,
    zip_response,
)
from ..models import DownloadBundle
from .errors import ERROR_RESPONSES, ApiError, ErrorOut
from .responses import conditional_json, etag_matches
from .schemas import BundleIn, BundleOut, Id

router = Router(tags=["bundles"])

ZIP_RESPONSE = {
    "description": "The zip, streamed (bundles up to WAGTAIL_LFCLOUD_BUNDLE_ASYNC_THRESHOLD files).",
    "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
}


def _url(request: HttpRequest, name: str, bundle_id: int) -> str:
    namespace = request.resolver_match.namespace if request.resolver_match else ""
    return request.build_absolute_uri(
        reverse(f"{namespace}:{name}" if namespace else name, args=[bundle_id])
    )


def bundle_out(request: HttpRequest, bundle: DownloadBundle) -> dict:
    ready = bundle.status == DownloadBundle.Status.READY and bool(bundle.file)
    return {
        "id": bundle.pk,
        "status": bundle.status,
        "channel": bundle.channel,
        "order": bundle.order_id,
        "file_count": bundle.file_count,
        "created_at": bundle.created_at,
        "finished_at": bundle.finished_at,
        "download_url": _url(request, "bundle_download", bundle.pk) if ready else None,
        "error": bundle.error,
    }


@router.post(
    "/bundles",
    response={202: BundleOut, 403: ErrorOut, **ERROR_RESPONSES},
    summary="Download a bundle",
    operation_id="create_bundle",
    openapi_extra={"responses": {200: ZIP_RESPONSE}},
)
def create_bundle(request: HttpRequest, payload: BundleIn):
    """Small bundles stream back at once as ``application/zip``; large ones answer ``202`` with the
    bundle to poll at ``GET /bundles/{id}`` until its ``download_url`` is set."""
    try:
        plan = plan_bundle(
            request.user, payload.channel, order=payload.order, asset_ids=payload.assets
        )
    except BundleError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from None
    bundle = request_bundle(request.user, plan)
    if bundle.status == DownloadBundle.Status.READY:
        return zip_response(plan)
    bundle.refresh_from_db()
    return Status(202, bundle_out(request, bundle))


@router.get(
    "/bundles/{bundle_id}",
    response={200: BundleOut, 304: None, **ERROR_RESPONSES},
    summary="A bundle's status",
    operation_id="get_bundle",
    url_name="bundle_detail",
)
def get_bundle(request: HttpRequest, bundle_id: Id):
    bundle = get_for_user_or_404(
        request.user,
        DownloadBundle.objects.all(),
        bundle_id,
        "download_bundles",
        message=f"No bundle {bundle_id} that this token may download.",
    )
    return conditional_json(
        request, bundle_out(request, bundle), last_modified=bundle.finished_at or bundle.created_at
    )


@router.get(
    "/bundles/{bundle_id}/download",
    response={304: None, **ERROR_RESPONSES, 409: ErrorOut, 451: ErrorOut},
    summary="Download a built bundle",
    description=(
        "The zip built in the background: with S3 storage a `302` to a presigned URL of the zip "
        "valid `WAGTAIL_LFCLOUD_SIGNED_URL_EXPIRY` seconds (follow it at once; ask again for a "
        "new one), else the zip itself. `451` (`rights_changed`) when usage rights of its "
        "assets expired or changed after it was built: make a new bundle, which leaves those "
        "files out."
    ),
    operation_id="download_bundle",
    url_name="bundle_download",
    openapi_extra={
        "responses": {
            200: {**ZIP_RESPONSE, "description": "The zip built in the background."},
            302: {
                "description": "Redirect to a short-lived presigned URL of the zip (S3 storage).",
                "headers": {"Location": {"schema": {"type": "string"}}},
            },
        }
    },
)
def download_bundle(request: HttpRequest, bundle_id: Id):
    bundle = get_for_user_or_404(
        request.user,
        DownloadBundle.objects.all(),
        bundle_id,
        "download_bundles",
        message=f"No bundle {bundle_id} that this token may download.",
    )
    if bundle.status != DownloadBundle.Status.READY or not bundle.file:
        raise ApiError(
            409,
            "bundle_not_ready",
            f"Bundle {bundle_id} is {bundle.status}"
            + (
                f": {bundle.error}"
                if bundle.error
                else "; poll GET /bundles/{id} until it is ready."
            ),
        )
    if withheld := rights_changed_since_built(bundle):
        raise ApiError(451, "rights_changed", withheld)
    # A built bundle never changes: its id and completion time identify the bytes.
    etag = (
        f'"bundle-{bundle.pk}-{int(bundle.finished_at.timestamp()) if bundle.finished_at else 0}"'
    )
    if etag_matches(request, etag):
        response = HttpResponse(status=304)
    else:
        # S3: a redirect to a short-lived presigned URL; local files: the zip itself.
        response = zip_download(bundle)
    response["ETag"] = etag
    return response
