"""Writes on assets: upload a version, comment on one, approve it or request changes.

Each goes through the same service and checks as the admin: uploads through
:func:`~wagtail_lfcloud.assets.uploads.upload_version` (naming convention, file safety, nothing
created on failure), decisions through the asset's Wagtail workflow task (its ``get_actions`` for
the token's user, under the asset's row lock, refusing a stale step or an outdated version).
"""

from __future__ import annotations

import os

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from wagtail.models import TaskState

from ..access import get_for_user_or_404, has_capability
from ..assets.comments import CommentForm, NoSuchParent
from ..assets.comments import add_comment as store_comment
from ..assets.uploads import UploadRefused, upload_version
from ..assets.workflows import version_for_task_state
from ..catalog.naming import NamingError, format_name
from ..models import AssetVersion
from ..storage.locking import lock_asset
from .errors import ERROR_RESPONSES, ApiError, ErrorOut
from .schemas import (
    CommentIn,
    CommentOut,
    DecisionIn,
    DecisionOut,
    Id,
    Text,
    UploadOut,
)
from .scoping import require_scope, write_brand

router = Router(tags=["uploads and reviews"])

#: HTTP status of each :class:`~wagtail_lfcloud.assets.uploads.UploadRefused` code (400 otherwise).
UPLOAD_STATUS = {"permission": 403, "too_large": 413, "duplicate": 409, "storage": 503}


@router.post(
    "/uploads",
    response={201: UploadOut, **ERROR_RESPONSES, 409: ErrorOut, 413: ErrorOut, 503: ErrorOut},
    summary="Upload a version for a SKU and angle",
    operation_id="upload_version",
    url_name="upload_version",
)
def upload(
    request: HttpRequest,
    file: File[UploadedFile],
    brand: Form[Text | None] = None,
    sku: Form[Text | None] = None,
    angle: Form[Text | None] = None,
    period: Form[Text | None] = None,
):
    """``multipart/form-data`` with ``file``. Either the file's name follows the naming
    convention (``SKU12345_2026-01_front.jpg``), or ``sku`` and ``angle`` (and optionally
    ``period``, default this month) name it and the convention is applied. The file goes through
    the admin's upload service: the SKU must be the brand's, the angle ordered, the image safe and
    not a duplicate; nothing is created when it is refused (the problem's ``code`` says why:
    ``name``, ``sku``, ``not_ordered``, ``too_large``, ``not_image``, ``corrupt``, ``duplicate``,
    ``unsafe``, ``storage``). The version is submitted for review. Needs the ``upload`` scope."""
    require_scope(request, "upload")
    target = write_brand(request, brand, "upload", "upload files")
    name = os.path.basename(file.name or "")
    if sku is not None or angle is not None:
        if not (sku and angle):
            raise ApiError(400, "name", "Send both sku and angle, or neither.")
        ext = os.path.splitext(name)[1].lstrip(".")
        try:
            name = format_name(sku, angle, ext, period=period or timezone.localdate())
        except NamingError as exc:
            raise ApiError(400, "name", str(exc)) from None
    try:
        result = upload_version(file, brand=target, user=request.user, filename=name)
    except UploadRefused as exc:
        raise ApiError(UPLOAD_STATUS.get(exc.code, 400), exc.code, str(exc)) from None
    return Status(
        201,
        {
            "version_id": result.version.pk,
            "asset_id": result.asset.pk,
            "number": result.version.number,
            "status": result.status,
            "file_name": result.version.original_filename,
            "message": str(result.message),
        },
    )


def _version(request: HttpRequest, version_id: int, capability: str) -> AssetVersion:
    return get_for_user_or_404(
        request.user,
        AssetVersion.objects.select_related("asset__brand"),
        version_id,
        capability,
        brand_path="asset__brand",
        message=f"No version {version_id} that this token may {capability}.",
    )


@router.post(
    "/versions/{version_id}/comments",
    response={201: CommentOut, **ERROR_RESPONSES},
    summary="Comment on a version",
    operation_id="add_comment",
    url_name="add_comment",
)
def add_comment(request: HttpRequest, version_id: Id, payload: CommentIn):
    """A comment (optionally pinned to a region: ``x``, ``y``, ``w``, ``h`` as fractions of the
    image; on a clip, to ``time``, seconds into it; or an answer to ``parent``), as in the review page. Needs the ``upload`` or
    ``review`` scope."""
    require_scope(request, "upload", "review")
    version = _version(request, version_id, "comment")
    form = CommentForm(payload.dict(), version=version)
    if not form.is_valid():
        errors = [{"field": f, "messages": list(m)} for f, m in form.errors.items()]
        raise ApiError(
            400,
            "invalid_comment",
            " ".join(m for e in errors for m in e["messages"]),
            errors=errors,
        )
    try:
        comment = store_comment(version, request.user, form.cleaned_data, via="api")
    except NoSuchParent as e:
        raise ApiError(404, "not_found", f"No comment {e.args[0]} on this version.") from None
    return Status(
        201,
        {
            "id": comment.pk,
            "version_id": version.pk,
            "parent": comment.parent_id,
            "text": comment.text,
            "time": comment.time,
            "created_at": comment.created_at,
        },
    )


def _decide(request: HttpRequest, version_id: int, action: str, comment: str) -> dict:
    """Take workflow ``action`` (``approve`` / ``reject``) on the review step of ``version_id``."""
    require_scope(request, "review")
    version = _version(request, version_id, "review")
    user = request.user
    with transaction.atomic():
        # The lock order of storage.locking: the asset first, as the admin's workflow action.
        asset = lock_asset(version.asset_id)
        task_state = asset.current_workflow_task_state
        if task_state is None or task_state.status != TaskState.STATUS_IN_PROGRESS:
            raise ApiError(409, "not_in_review", f"Version {version.number} is not in review.")
        pinned = version_for_task_state(task_state)
        latest = asset.versions.aggregate(n=Max("number"))["n"]
        if pinned is None or pinned.pk != version.pk:
            raise ApiError(
                409, "not_in_review", f"Version {version.number} is not the one in review."
            )
        if version.number != latest:
            raise ApiError(
                409,
                "not_latest",
                f"Version {version.number} is no longer the latest upload (version {latest} is).",
            )
        task = task_state.task.specific
        allowed = {name for name, _label, _modal in task.get_actions(asset, user)}
        if not has_capability(user, asset.brand_id, "review") or action not in allowed:
            raise ApiError(
                403,
                "permission_denied",
                f"This token's user may not decide the step {task.name!r} of this asset.",
            )
        task.on_action(task_state.specific, user, action, comment=comment)
    version.refresh_from_db()
    return {"version_id": version.pk, "asset_id": version.asset_id, "status": version.status}


@router.post(
    "/versions/{version_id}/approve",
    response={200: DecisionOut, **ERROR_RESPONSES, 409: ErrorOut},
    summary="Approve a version",
    operation_id="approve_version",
    url_name="approve_version",
)
def approve(request: HttpRequest, version_id: Id, payload: DecisionIn):
    """Approve the review step the version is on, as the token's user (the same workflow and
    permission checks as the admin's review page). Needs the ``review`` scope."""
    return _decide(request, version_id, "approve", payload.comment)


@router.post(
    "/versions/{version_id}/request-changes",
    response={200: DecisionOut, **ERROR_RESPONSES, 409: ErrorOut},
    summary="Request changes on a version",
    operation_id="request_changes",
    url_name="request_changes",
)
def request_changes(request: HttpRequest, version_id: Id, payload: DecisionIn):
    """Send the version back to the studio with ``comment`` (required). Needs the ``review``
    scope."""
    if not payload.comment.strip():
        raise ApiError(400, "comment_required", "Say what to change in 'comment'.")
    return _decide(request, version_id, "reject", payload.comment)
