"""Admin screens for uploading files: one or many at once, each becoming the next version of its asset.

The page posts each file separately to :class:`UploadFileView` (a JSON endpoint), so every file
gets its own progress bar and its own result; a refused file says why and the rest go through.
Without JavaScript the same page posts all files at once and lists the results.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView, View
from wagtail.admin.menu import MenuItem

from ..access.capabilities import brand_ids_with, brands_with
from ..assets import direct
from ..assets.uploads import UploadRefused, upload_version
from ..catalog.naming import format_example
from ..conf import lfcloud_settings
from .base import LFCloudPageMixin


class UploadForm(forms.Form):
    brand = forms.ModelChoiceField(queryset=None, label=_("Brand"), empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["brand"].queryset = brands_with(user, "upload")


def _require_upload(user) -> None:
    if brand_ids_with(user, "upload") == set():
        raise PermissionDenied


#: ``outcome`` of an upload, as the page shows it: success (green), warning (amber), failure
#: (red: stored, but the compliance check sent it back), refused (red: nothing stored).
OUTCOMES = ("success", "warning", "failure", "refused")


def _refused(name: str | None, code: str, error: str) -> dict:
    return {"ok": False, "outcome": "refused", "file": name, "code": code, "error": error}


def _upload_one(file, brand, user, filename=None) -> dict:
    """Upload one file and describe the outcome as JSON-ready data.

    ``ok`` says whether the file was stored; ``outcome`` (one of :data:`OUTCOMES`) how it went.
    """
    name = filename or file.name
    try:
        result = upload_version(file, brand=brand, user=user, filename=filename)
    except UploadRefused as exc:
        return _refused(name, exc.code, str(exc))
    return {
        "ok": True,
        "outcome": result.outcome,
        "warnings": list(result.warnings),
        "file": name,
        "asset": str(result.asset),
        "version": result.version.number,
        "status": result.status,
        "message": result.message,
        "review_url": reverse("wagtail_lfcloud_admin:asset_review", args=[result.asset.pk])
        + f"?version={result.version.number}",
    }


class UploadView(LFCloudPageMixin, FormView):
    """The upload page: pick a brand, drop files or a folder, watch each file go through."""

    template_name = "wagtail_lfcloud/uploads/upload.html"
    form_class = UploadForm
    page_title = _("Upload files")
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        _require_upload(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            file_url=reverse("wagtail_lfcloud_admin:upload_file"),
            # The script sends the bytes straight to S3 when it can (views/direct_uploads.py).
            direct_url=reverse("wagtail_lfcloud_admin:direct_upload_start")
            if direct.available()
            else "",
            example=format_example(lfcloud_settings.MASTER_NAME_TEMPLATE),
            max_size=_max_size(),
        )
        return context

    def form_valid(self, form):
        # The no-JavaScript path: all files in one request, one result per file.
        brand = form.cleaned_data["brand"]
        results = [
            _upload_one(f, brand, self.request.user) for f in self.request.FILES.getlist("files")
        ]
        return self.render_to_response(self.get_context_data(form=form, results=results))


def _max_size():
    return getattr(settings, "WAGTAILIMAGES_MAX_UPLOAD_SIZE", 10 * 1024 * 1024)


class UploadFileView(View):
    """``POST brand, file[, filename]`` -> JSON ``{ok, outcome, version, status, message,
    warnings, review_url}`` or ``{ok: false, outcome: "refused", code, error}`` (HTTP 400)."""

    def post(self, request):
        _require_upload(request.user)
        form = UploadForm(request.POST, user=request.user)
        if not form.is_valid():
            return JsonResponse(
                _refused(None, "brand", str(_("Choose a brand you may upload for."))), status=400
            )
        file = request.FILES.get("file")
        if file is None:
            return JsonResponse(_refused(None, "file", str(_("No file was sent."))), status=400)
        data = _upload_one(
            file, form.cleaned_data["brand"], request.user, request.POST.get("filename") or None
        )
        return JsonResponse(data, status=200 if data["ok"] else 400)


class UploadMenuItem(MenuItem):
    """Shown to anyone who may upload for some brand."""

    def is_shown(self, request):
        return brand_ids_with(request.user, "upload") != set()


def upload_menu_item() -> MenuItem:
    return UploadMenuItem(
        _("Upload files"),
        reverse("wagtail_lfcloud_admin:upload"),
        icon_name="upload",
        order=152,
        name="lfcloud-upload",
    )
