"""Uploads straight to S3 (:mod:`wagtail_lfcloud.assets.direct`): ask, send to S3, complete, poll.

``POST /uploads/direct`` answers presigned URLs (one PUT, or one per part of a multipart upload);
the client sends the bytes to S3, then ``POST /uploads/direct/{id}/complete`` with the parts'
ETags; a task reads the object back, runs the upload checks and registers the version;
``GET /uploads/direct/{id}`` says how it went; ``GET /uploads/direct/{id}/resume`` continues an
interrupted multipart upload. Needs the ``upload`` scope, like ``POST /uploads``.
"""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from ..access.scoping import get_for_user_or_404
from ..assets import direct
from ..assets.uploads import UploadRefused
from ..models import DirectUpload
from .errors import ERROR_RESPONSES, ApiError, ErrorOut
from .reviews import UPLOAD_STATUS
from .schemas import Id, Text
from .scoping import require_scope, write_brand

router = Router(tags=["uploads and reviews"])


class DirectUploadIn(Schema):
    filename: Annotated[str, Field(min_length=1, max_length=255)] = Field(
        description="The file's name, following the naming convention (SKU12345_2026-01_front.jpg)."
    )
    size: int = Field(gt=0, description="The file's size in bytes.")
    content_type: Annotated[str, Field(max_length=100)] = ""
    brand: Text | None = Field(None, description="Brand slug; needed when the token has several.")


class PartOut(Schema):
    number: int
    url: str


class PartDoneOut(Schema):
    number: int
    etag: str


class DirectUploadOut(Schema):
    id: int
    status: str = Field(
        description="started, uploaded (being checked), registered, refused, aborted."
    )
    method: str | None = None
    url: str | None = Field(None, description="Presigned PUT URL of a single-part upload.")
    headers: dict[str, str] = Field(
        default_factory=dict, description="Headers to send with the PUT."
    )
    part_size: int | None = Field(None, description="Bytes per part of a multipart upload.")
    parts: list[PartOut] = Field(default_factory=list, description="Presigned PUT URL per part.")
    expires_in: int | None = Field(None, description="Seconds the URLs stay valid.")
    uploaded: list[PartDoneOut] = Field(
        default_factory=list,
        description="Resuming: the parts S3 already holds, with the ETags to complete with.",
    )
    version_id: int | None = None
    error: str = ""
    error_code: str = ""


class PartIn(Schema):
    number: int = Field(ge=1, le=10_000)
    etag: Annotated[str, Field(min_length=1, max_length=200)]


class CompleteIn(Schema):
    parts: list[PartIn] = Field(default_factory=list, description="Each part's ETag (multipart).")


def _refused(exc: UploadRefused) -> ApiError:
    return ApiError(UPLOAD_STATUS.get(exc.code, 400), exc.code, str(exc))


def _state(upload: DirectUpload) -> dict:
    return {
        "id": upload.pk,
        "status": upload.status,
        "version_id": upload.version_id,
        "error": upload.error,
        "error_code": upload.error_code,
    }


def _mine(request: HttpRequest, upload_id: int) -> DirectUpload:
    return get_for_user_or_404(
        request.user,
        DirectUpload.objects.filter(user=request.user),
        upload_id,
        "upload",
        brand_path="brand",
        message=f"No direct upload {upload_id} of this token's user.",
    )


@router.post(
    "/uploads/direct",
    response={201: DirectUploadOut, **ERROR_RESPONSES, 413: ErrorOut},
    summary="Start an upload straight to S3",
    operation_id="start_direct_upload",
    url_name="start_direct_upload",
)
def start_direct_upload(request: HttpRequest, payload: DirectUploadIn):
    """The name, SKU, angle, type and size are checked now; the bytes go to the presigned URLs
    (S3), never through this API. ``400 not_available`` without S3 storage (use ``POST /uploads``)."""
    require_scope(request, "upload")
    brand = write_brand(request, payload.brand, "upload", "upload files")
    try:
        upload = direct.start(
            user=request.user,
            brand=brand,
            filename=payload.filename,
            size=payload.size,
            content_type=payload.content_type,
        )
    except UploadRefused as exc:
        raise _refused(exc) from None
    return Status(201, direct.instructions(upload))


@router.post(
    "/uploads/direct/{upload_id}/complete",
    response={202: DirectUploadOut, **ERROR_RESPONSES},
    summary="Finish an upload straight to S3",
    operation_id="complete_direct_upload",
    url_name="complete_direct_upload",
)
def complete_direct_upload(request: HttpRequest, upload_id: Id, payload: CompleteIn):
    """Closes the multipart upload; the file is then read back and checked in the background:
    poll ``GET /uploads/direct/{id}`` until it is ``registered`` or ``refused``."""
    require_scope(request, "upload")
    upload = _mine(request, upload_id)
    try:
        direct.complete(upload, [p.dict() for p in payload.parts])
    except UploadRefused as exc:
        raise _refused(exc) from None
    upload.refresh_from_db()
    return Status(202, _state(upload))


@router.get(
    "/uploads/direct/{upload_id}",
    response={200: DirectUploadOut, 304: None, **ERROR_RESPONSES},
    summary="How an upload straight to S3 went",
    operation_id="get_direct_upload",
    url_name="get_direct_upload",
)
def get_direct_upload(request: HttpRequest, upload_id: Id):
    return _state(_mine(request, upload_id))


@router.get(
    "/uploads/direct/{upload_id}/resume",
    response={200: DirectUploadOut, **ERROR_RESPONSES},
    summary="Continue an interrupted upload straight to S3",
    operation_id="resume_direct_upload",
    url_name="resume_direct_upload",
)
def resume_direct_upload(request: HttpRequest, upload_id: Id):
    """Fresh presigned URLs for the parts S3 does not hold yet (``parts``), and the ETags of those
    it does (``uploaded``): send the missing parts, then complete with all of them. An upload no
    longer being sent answers its state (no URLs): start a new one."""
    require_scope(request, "upload")
    upload = _mine(request, upload_id)
    if not direct.available():
        raise _refused(
            UploadRefused("not_available", "Uploads straight to storage need S3 storage.")
        )
    if upload.status == DirectUpload.Status.STARTED:
        try:
            return direct.instructions(upload, resume=True)
        except UploadRefused:
            pass  # S3 dropped the parts: the upload is abandoned now
    return _state(upload)
