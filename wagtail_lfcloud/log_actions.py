"""Audit-log actions of the package (``wagtail_lfcloud.*``), with their labels.

Each part of the package adds its actions to :data:`LOG_ACTIONS`.
"""

from django.utils.translation import gettext_lazy as _

LOG_ACTIONS: dict[str, str] = {
    "wagtail_lfcloud.role_changed": _("Role membership changed"),
    "wagtail_lfcloud.original_downloaded": _("Original file downloaded"),
    "wagtail_lfcloud.products_imported": _("Products imported"),
}


def register(actions) -> None:
    for action, label in LOG_ACTIONS.items():
        actions.register_action(action, label, label)
