from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailLFCloudAppConfig(AppConfig):
    name = "wagtail_lfcloud"
    label = "wagtail_lfcloud"
    verbose_name = _("LF Cloud")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Importing registers the system checks and connects the signal handlers.
        from . import checks  # noqa: F401
        from . import signal_handlers

        signal_handlers.connect()

        # Before any wagtail_hooks module registers viewsets, so they find these policies.
        from .policies import register_policies

        register_policies()
