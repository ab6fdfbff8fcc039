"""Permission-checked access to original (master) files.

Originals and drafts must never be reachable by a guessable public URL. This view is the one way
the package hands out an original: it checks the ``download_originals`` capability on the
version's brand, writes ``wagtail_lfcloud.original_downloaded`` to the audit log, then

- with storage that signs URLs (django-storages S3 with ``querystring_auth``), redirects to a
  signed URL valid for ``WAGTAIL_LFCLOUD_SIGNED_URL_EXPIRY`` seconds;
- otherwise streams the file itself.

Unknown versions and versions of brands the user has no role on both answer 404, so ids of
other brands' files are not confirmed. Anonymous users are sent to the admin login.

Usage rights: the original of an approved version whose rights do not allow delivery now
(expired, not started yet; :func:`wagtail_lfcloud.delivery.rights.deliverable`) answers ``451``
with the reason, except to people who manage the brand's rights (``manage_rights``: brand admins),
whose download is logged with the rights' status. Files in review are not deliveries: the review
roles download them whatever the rights say.
"""

from __future__ import annotations

import mimetypes

from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from wagtail.images import get_image_model
from wagtail.log_actions import log

from ..access import get_for_user_or_404, user_may_see_image_files
from ..access.capabilities import has_capability
from ..delivery.rights import deliverable
from ..delivery.usage import count as count_usage
from ..models import AssetVersion, UsageKind
from ..storage.privacy import (
    is_approved,
    is_private_name,
    name_from_token,
    presigned_download_url,
    presigned_view_url,
    private_storage,
    signs_urls,
)


@never_cache
@require_GET
def original(request: HttpRequest, version_id: int) -> HttpResponse:
    """Download the original file of one asset version (``/lfcloud/files/original/<version_id>/``)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("wagtailadmin_login"))
    version = get_for_user_or_404(
        request.user,
        AssetVersion.objects.select_related("asset", "image"),
        version_id,
        "download_originals",
        message=_("No original file found with that id."),
    )
    image = version.image
    filename = (version.original_filename or image.filename).replace('"', "")
    storage = image.file.storage
    verdict = deliverable(version)
    outside_rights = is_approved(version.status, version.approved_task_state_id) and not verdict
    if outside_rights and not has_capability(request.user, version.asset.brand_id, "manage_rights"):
        message = _("%(file)s is not delivered: %(reason)s") % {
            "file": filename,
            "reason": verdict.reason,
        }
        response = HttpResponse(message, status=451, content_type="text/plain; charset=utf-8")
        response["X-LFCloud-Rights"] = verdict.code
        return response
    count_usage(version.asset.brand_id, version.asset_id, version.pk, "", UsageKind.ADMIN_DOWNLOAD)
    log(
        instance=version.asset,
        action="wagtail_lfcloud.original_downloaded",
        user=request.user,
        data={
            "version": version.number,
            "version_id": version.pk,
            "filename": filename,
            **({"rights": verdict.code} if outside_rights else {}),
        },
    )
    if signs_urls(storage):
        return HttpResponseRedirect(presigned_download_url(storage, image.file.name, filename))
    try:
        handle = image.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("The original file is missing from storage.")) from None
    response = FileResponse(handle, as_attachment=True, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@never_cache
@require_GET
def private_file(request: HttpRequest, token: str) -> HttpResponse:
    """A private rendition (``/admin/lfcloud/files/<token>/``), the target of every signed URL that
    ``RenditionStorage.url()`` hands out.

    The token must be valid (signed, not older than ``WAGTAIL_LFCLOUD_SIGNED_URL_EXPIRY``) **and** the
    user must be allowed to see the image (:func:`wagtail_lfcloud.access.user_may_see_image_files`); everything else answers
    404, the same as a file that does not exist. The file is streamed, or, from storage that signs
    URLs, reached through a redirect to a signed URL as short-lived as the token.
    """
    name = name_from_token(token)
    if name is None or not is_private_name(name):
        raise Http404(_("No file found."))
    Rendition = get_image_model().get_rendition_model()
    rendition = Rendition.objects.select_related("image").filter(file=name).first()
    if rendition is None or not user_may_see_image_files(request.user, rendition.image):
        raise Http404(_("No file found."))
    storage = private_storage()
    if signs_urls(storage):
        return HttpResponseRedirect(presigned_view_url(storage, name))
    try:
        handle = storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404(_("No file found.")) from None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
