"""Who may see an image's files (its renditions, and through them the private file view)."""

from __future__ import annotations

from ..models import AssetVersion
from ..storage.privacy import is_approved
from .capabilities import has_capability
from .policies import get_image_permission_policy


def user_may_see_image_files(user, image) -> bool:
    """Whether ``user`` may see ``image``'s renditions.

    ``view_drafts`` (``view_finals`` for an approved final, see
    :func:`~wagtail_lfcloud.storage.privacy.is_approved`) on the brand of a version using the image;
    for an image no version uses, Wagtail's image policy (collection permissions plus the package's
    brand and stage rule, :class:`~wagtail_lfcloud.access.LFCloudImagePermissionPolicy`).
    """
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True

    versions = list(
        AssetVersion.objects.filter(image_id=image.pk).values_list(
            "asset__brand_id", "status", "approved_task_state_id"
        )
    )
    if versions:
        return any(
            has_capability(
                user, brand_id, "view_finals" if is_approved(status, approval) else "view_drafts"
            )
            for brand_id, status, approval in versions
        )

    return get_image_permission_policy().user_has_any_permission_for_instance(
        user, ["choose", "change"], image
    )
