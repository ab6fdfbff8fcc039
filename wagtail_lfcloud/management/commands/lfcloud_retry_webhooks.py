"""``manage.py lfcloud_retry_webhooks``

Sends the webhook deliveries whose next attempt is due (status *pending* or *retry pending*,
``next_attempt_at`` passed). A task backend that supports ``run_after`` (django-tasks-db,
django-tasks-rq) schedules retries by itself; with one that cannot defer (the immediate backend)
run this command every minute or so (cron, a systemd timer). Running it alongside a queue backend
is harmless: each attempt is claimed once.
"""

from __future__ import annotations

from collections import Counter

from django.core.management.base import BaseCommand

from wagtail_lfcloud.background import queued
from wagtail_lfcloud.delivery.tasks import deliver_webhook
from wagtail_lfcloud.delivery.webhooks import due_deliveries
from wagtail_lfcloud.models import WebhookDelivery


class Command(BaseCommand):
    help = "Send the webhook deliveries whose next attempt is due."

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit",
            type=int,
            default=500,
            metavar="N",
            help="At most N deliveries (default 500).",
        )

    def handle(self, *args, limit=500, **options):
        ids = list(due_deliveries().values_list("pk", flat=True)[:limit])
        if not ids:
            self.stdout.write("No webhook delivery is due.")
            return
        for pk in ids:
            # Through the task: a queue backend hands it to a worker, the immediate one sends it now.
            queued(deliver_webhook).enqueue(pk)
        counts = Counter(
            WebhookDelivery.objects.filter(pk__in=ids).values_list("status", flat=True)
        )
        labels = dict(WebhookDelivery.Status.choices)
        summary = ", ".join(
            f"{n} {labels.get(status, status).lower()}" for status, n in sorted(counts.items())
        )
        self.stdout.write(
            f"{len(ids)} due webhook deliver{'y' if len(ids) == 1 else 'ies'}: {summary}."
        )
