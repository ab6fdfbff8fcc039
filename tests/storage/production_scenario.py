"""Steps run in separate processes under tests.settings_production (see test_production.py).

``python -m tests.storage.production_scenario prepare`` migrates, runs the system checks and uploads
a version as a web process would; ``... report`` prints what the database and storage hold after
a ``db_worker`` process ran. Each step prints one JSON object on its last line.
"""

import json
import sys


def prepare() -> dict:
    from django.core import checks
    from django.core.management import call_command
    from django.db import transaction

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    messages = checks.run_checks(include_deployment_checks=True)

    from tests.factories import image_upload, make_asset, make_brand, make_product, make_user
    from wagtail_lfcloud.assets.uploads import upload_version
    from wagtail_lfcloud.channels.tasks import build_channel_renditions_task
    from wagtail_lfcloud.models import AssetVersion, Role, VersionStatus

    brand = make_brand("Northwind")
    make_asset(make_product(brand, sku="SKU20001"), "front", channels=["ig_square"])
    user = make_user("studio", brand=brand, role=Role.STUDIO)
    result = upload_version(
        image_upload("SKU20001_2025-10_front.jpg", (120, 90)), brand=brand, user=user
    )
    version = result.version
    # Approval is the workflow's business; here the version is made current directly and its
    # channel set queued, as the approval handler does.
    with transaction.atomic():
        AssetVersion.objects.filter(pk=version.pk).update(status=VersionStatus.CURRENT)
        transaction.on_commit(
            lambda: build_channel_renditions_task.enqueue(version.pk, ["ig_square"])
        )
    return {
        "checks": sorted(m.id for m in messages),
        "version": version.pk,
        "original": version.image.file.name,
        "original_url": version.image.file.url,
    }


def worker_dies() -> dict:
    """Run the queue like ``db_worker``, but die the way a lost machine does: mid-rendition,
    after the channel files were stored and before their rows were written."""
    import os

    from django.core.management import call_command

    from wagtail_lfcloud.assets.previews import PREVIEW_SPECS
    from wagtail_lfcloud.channels import pipeline

    save_rows = pipeline._save_rows

    def die(image, jobs, storage):
        # Previews go through the pipeline too: die in the channel set only.
        if any(job.filter.spec not in PREVIEW_SPECS for job in jobs):
            os._exit(137)
        return save_rows(image, jobs, storage)

    pipeline._save_rows = die
    call_command("db_worker", batch=True, startup_delay=False, reload=False)
    return {"survived": True}


def report() -> dict:
    from django_tasks_db.models import DBTaskResult
    from wagtail.images import get_image_model

    from wagtail_lfcloud.models import ChannelRendition
    from wagtail_lfcloud.storage.fsck import check

    Rendition = get_image_model().get_rendition_model()
    return {
        "tasks": sorted(
            (r.task_path.rsplit(".", 1)[-1], r.status) for r in DBTaskResult.objects.all()
        ),
        "renditions": sorted((r.filter_spec, r.file.name, r.url) for r in Rendition.objects.all()),
        "channel_renditions": [
            (c.channel, c.status, c.error) for c in ChannelRendition.objects.all()
        ],
        "fsck": check().as_dict(),
    }


if __name__ == "__main__":
    import django

    django.setup()
    print(
        json.dumps(
            {"prepare": prepare, "report": report, "worker_dies": worker_dies}[sys.argv[1]]()
        )
    )
