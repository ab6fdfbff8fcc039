"""``manage.py lfcloud_setup_workflow``: create the default asset review workflow if it is missing."""

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand
from wagtail.models import WorkflowContentType

from wagtail_lfcloud.assets.workflows import ensure_default_workflow
from wagtail_lfcloud.models import Asset


class Command(BaseCommand):
    help = (
        'Create the "LF Cloud asset review" workflow (channel compliance, then brand approval) and assign it '
        "to assets if no workflow is assigned yet. Safe to run again: nothing existing is changed."
    )

    def handle(self, *args, **options):
        workflow = ensure_default_workflow()
        assigned = WorkflowContentType.objects.filter(
            content_type=ContentType.objects.get_for_model(Asset)
        ).first()
        tasks = ", ".join(t.name for t in workflow.tasks)
        self.stdout.write(f'Workflow "{workflow.name}" ({tasks}).')
        self.stdout.write(f'Assets use the workflow "{assigned.workflow.name}".')
