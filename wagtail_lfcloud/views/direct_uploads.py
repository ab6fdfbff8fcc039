"""The upload page's path straight to S3 (:mod:`wagtail_lfcloud.assets.direct`, the API's service).

When the originals are on S3 (:func:`~wagtail_lfcloud.assets.direct.available`), the upload page's
script sends each file's bytes from the browser to the bucket instead of through Django:

1. ``POST upload/direct/`` (JSON ``brand, filename, size, content_type``) -> presigned URLs (one
   PUT, or one per part of a multipart upload); the name, SKU, angle, type and size are checked now;
2. the browser PUTs the bytes (parts in parallel, with a progress bar);
3. ``POST upload/direct/<id>/complete/`` with the parts' ETags queues the check;
4. ``GET upload/direct/<id>/`` until the file is registered (as the normal path says it) or refused.

``GET upload/direct/<id>/resume/`` continues an interrupted multipart upload: fresh URLs for the
parts S3 does not hold yet (``ListParts``) and the ETags of those it does.

Same checks as the normal upload (:class:`~wagtail_lfcloud.views.uploads.UploadFileView`): the
"upload" capability on the chosen brand, Wagtail's admin access, CSRF on every POST; an upload is
only ever seen by the person who started it, while they may still upload for its brand.
"""

from __future__ import annotations

import json

from django import forms
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import View

from ..access.scoping import get_for_user_or_404
from ..assets import direct
from ..assets.uploads import UploadRefused, result_of
from ..models import DirectUpload
from .uploads import UploadForm, _refused, _require_upload

#: HTTP status of a refusal at the start, by code (the rest are 400).
REFUSAL_STATUS = {"too_large": 413, "permission": 403}


class DirectUploadForm(UploadForm):
    filename = forms.CharField(max_length=255)
    size = forms.IntegerField(min_value=1)
    content_type = forms.CharField(max_length=100, required=False)


def _body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _part_number(value) -> int:
    """A part number as JSON sends it: a whole number (or its digits), never a float, ``NaN``,
    ``Infinity`` or ``true``. Raises ``ValueError``."""
    if isinstance(value, str) and value.isdigit() and len(value) < 10:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError(value)


def _mine(request, pk) -> DirectUpload:
    return get_for_user_or_404(
        request.user,
        DirectUpload.objects.filter(user=request.user).select_related("version__asset"),
        pk,
        "upload",
        brand_path="brand",
    )


def state(upload: DirectUpload) -> dict:
    """How ``upload`` stands, in the words of the normal upload's answer once it is over."""
    data = {"id": upload.pk, "status": upload.status, "file": upload.filename}
    if upload.status == DirectUpload.Status.REGISTERED and upload.version is not None:
        result = result_of(upload.version)
        data.update(
            ok=True,
            outcome=result.outcome,
            warnings=list(result.warnings),
            asset=str(result.asset),
            version=result.version.number,
            message=result.message,
            review_url=reverse("wagtail_lfcloud_admin:asset_review", args=[result.asset.pk])
            + f"?version={result.version.number}",
        )
    elif upload.status in (DirectUpload.Status.REFUSED, DirectUpload.Status.ABORTED):
        data.update(
            _refused(
                upload.filename,
                upload.error_code or upload.status,
                upload.error or _("The upload was abandoned; send the file again."),
            )
        )
    return data


def _not_available() -> JsonResponse:
    return JsonResponse(
        _refused(None, "not_available", _("Uploads straight to storage need S3 storage.")),
        status=400,
    )


class DirectUploadStartView(View):
    """``POST`` JSON ``{brand, filename, size, content_type}`` -> ``201`` presigned URLs, or
    ``{ok: false, outcome: "refused", code, error}`` (400, 413)."""

    def post(self, request):
        _require_upload(request.user)
        if not direct.available():
            return _not_available()
        data = _body(request)
        form = DirectUploadForm(data, user=request.user)
        if not form.is_valid():
            code = "brand" if "brand" in form.errors else "invalid"
            error = (
                _("Choose a brand you may upload for.")
                if code == "brand"
                else " ".join(e for errors in form.errors.values() for e in errors)
            )
            return JsonResponse(_refused(data.get("filename"), code, error), status=400)
        fields = form.cleaned_data
        try:
            upload = direct.start(
                user=request.user,
                brand=fields["brand"],
                filename=fields["filename"],
                size=fields["size"],
                content_type=fields["content_type"],
            )
        except UploadRefused as exc:
            return JsonResponse(
                _refused(fields["filename"], exc.code, str(exc)),
                status=REFUSAL_STATUS.get(exc.code, 400),
            )
        return JsonResponse({"ok": True, **direct.instructions(upload)}, status=201)


class DirectUploadStateView(View):
    """``GET`` -> the upload's state; once over, the normal upload's answer (outcome, message,
    review link) or the refusal (code, error)."""

    def get(self, request, pk):
        _require_upload(request.user)
        return JsonResponse(state(_mine(request, pk)))


class DirectUploadResumeView(View):
    """``GET`` -> fresh URLs for the parts S3 lacks and the ETags of those it holds (``uploaded``);
    an upload no longer being sent answers its state (the browser then starts again)."""

    def get(self, request, pk):
        _require_upload(request.user)
        upload = _mine(request, pk)
        if not direct.available():
            return _not_available()
        if upload.status == DirectUpload.Status.STARTED:
            try:
                return JsonResponse({"ok": True, **direct.instructions(upload, resume=True)})
            except UploadRefused:
                pass  # S3 dropped the parts: the upload is abandoned now
        return JsonResponse(state(upload))


class DirectUploadCompleteView(View):
    """``POST`` JSON ``{parts: [{number, etag}, ...]}`` -> ``202`` and the state: the file is read
    back and checked in the background (poll :class:`DirectUploadStateView`)."""

    def post(self, request, pk):
        _require_upload(request.user)
        upload = _mine(request, pk)
        if not direct.available():
            return _not_available()
        parts = _body(request).get("parts") or []
        try:
            parts = [{"number": _part_number(p["number"]), "etag": str(p["etag"])} for p in parts]
        except (TypeError, KeyError, ValueError):
            return JsonResponse(
                _refused(upload.filename, "incomplete", _("Send each part's number and ETag.")),
                status=400,
            )
        try:
            direct.complete(upload, parts)
        except UploadRefused as exc:
            return JsonResponse(_refused(upload.filename, exc.code, str(exc)), status=400)
        upload.refresh_from_db()
        return JsonResponse(state(upload), status=202)
