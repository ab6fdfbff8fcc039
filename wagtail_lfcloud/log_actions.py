"""Audit-log actions of the package (``wagtail_lfcloud.*``), with their labels.

Each part of the package adds its actions to :data:`LOG_ACTIONS`.
"""

from django.utils.translation import gettext_lazy as _

LOG_ACTIONS: dict[str, str] = {
    "wagtail_lfcloud.purged": _("Permanently deleted (purge)"),
    "wagtail_lfcloud.role_changed": _("Role membership changed"),
    "wagtail_lfcloud.original_downloaded": _("Original file downloaded"),
    "wagtail_lfcloud.public_url_key_rotated": _("Public URL key rotated (old links revoked)"),
    "wagtail_lfcloud.products_imported": _("Products imported"),
    "wagtail_lfcloud.products_upserted": _("Products created or updated through the API"),
    "wagtail_lfcloud.order_status": _("Order status changed"),
    "wagtail_lfcloud.version_uploaded": _("Version uploaded"),
    "wagtail_lfcloud.version_approved": _("Version approved (now current)"),
    "wagtail_lfcloud.version_superseded": _("Version superseded"),
    "wagtail_lfcloud.stale_approval": _("Approval of an outdated version (not made current)"),
    "wagtail_lfcloud.changes_requested": _("Changes requested on a version"),
    "wagtail_lfcloud.comment_added": _("Comment added to a version"),
    "wagtail_lfcloud.comment_resolved": _("Comment resolved"),
    "wagtail_lfcloud.comment_reopened": _("Comment reopened"),
    "wagtail_lfcloud.bundle_exported": _("Download bundle exported"),
    "wagtail_lfcloud.rights_changed": _("Usage rights changed"),
    "wagtail_lfcloud.rights_expired": _("Usage rights expired"),
}


def register(actions) -> None:
    for action, label in LOG_ACTIONS.items():
        actions.register_action(action, label, label)
