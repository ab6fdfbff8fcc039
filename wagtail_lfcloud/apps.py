from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WagtailLFCloudAppConfig(AppConfig):
    name = "wagtail_lfcloud"
    label = "wagtail_lfcloud"
    verbose_name = _("LF Cloud")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # app loading: importing registers the system checks and connects the signal
        # handlers.
        from . import (
            checks,  # noqa: F401
            signal_handlers,
        )

        signal_handlers.connect()

        # app loading: unguessable names for brand files, approved finals' renditions made
        # public (DESIGN 11).
        from .storage import files as storage_files

        storage_files.connect()

        # app loading: opt-in (WAGTAIL_LFCLOUD_MOUNT_ON_WAGTAIL_API); Ninja only accepts routers
        # before URLs are built.
        from .api import mount_on_wagtail_api

        mount_on_wagtail_api()

        # app loading: cached stable-URL redirects are forgotten when what they point to changes.
        from .api.renditions import connect_invalidation

        connect_invalidation()

        # app loading: before any wagtail_hooks module registers viewsets, so they find these
        # policies.
        from .access.policies import register_policies

        register_policies()

        # app loading: the image chooser's "popular tags", before Wagtail builds the chooser's URLs.
        from .access.tags import scope_choosers

        scope_choosers()
