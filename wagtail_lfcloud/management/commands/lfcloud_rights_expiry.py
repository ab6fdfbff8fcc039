"""``manage.py lfcloud_rights_expiry``

Warns about usage rights that expire within ``WAGTAIL_LFCLOUD_RIGHTS_EXPIRING_DAYS`` (webhook
``asset.rights_expiring``, an email to each brand's admins) and applies the expiry of those that
did (webhook ``asset.rights_expired``, audit line, cached stable URLs forgotten). Idempotent: run
it from cron every few minutes when the task backend cannot defer tasks; running it next to a
queue backend is harmless. Delivery itself checks the dates on every request and needs no run.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from wagtail_lfcloud.delivery.expiry import apply_rights_expiry


class Command(BaseCommand):
    help = "Warn about usage rights expiring soon and apply the expiry of those that expired."

    def handle(self, *args, **options):
        run = apply_rights_expiry()
        self.stdout.write(
            f"Usage rights: {len(run.warned)} expiring soon warned, "
            f"{len(run.expired)} expiry applied."
        )
