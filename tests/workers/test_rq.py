"""django-tasks-rq as the scale-out engine: the package's work runs on real ``rqworker``
processes (Redis, RQ's scheduler), each kind on its own queue, and no web request waits for it.

What a site sees: "Approve" answers while nothing has run yet (no worker is even running); a
worker on the channels queue then builds the channel set; a storage failure is tried again by RQ's
scheduler (a scheduled job, not a sleeping worker) and succeeds once S3 is back; a webhook whose
receiver failed once is delivered by the deferred retry.

Transactional tests on PostgreSQL: the workers are other processes, they read what the test
committed in the test's own database.
"""

from __future__ import annotations

import base64
import re
import uuid

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.models import Collection, TaskState

from tests.api.receivers import Receiver
from tests.factories import image_upload, make_asset, make_brand, make_product, make_user
from tests.s3 import s3_storages_settings, use_rendition_storage
from tests.video.clips import SMALL, make_clip
from wagtail_lfcloud.assets.uploads import upload_version
from wagtail_lfcloud.assets.workflows import ensure_default_workflow
from wagtail_lfcloud.background import CHANNELS, PREVIEWS, QUEUES, VIDEO, WEBHOOKS
from wagtail_lfcloud.models import (
    AssetKind,
    ChannelRendition,
    Role,
    VersionClip,
    VersionStatus,
    WebhookDelivery,
    WebhookEndpoint,
)

from .conftest import wait_for

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.rq,
    pytest.mark.skipif(
        "postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
        reason="the worker processes share the test's PostgreSQL database",
    ),
    pytest.mark.django_db(transaction=True),
]

CHANNEL_KEYS = ["ig_square", "shopify_product"]
NAME = "SKU12345_2025-10_front.png"
CLIP_NAME = "SKU12345_2025-10_turntable-15s.mp4"


@pytest.fixture
def site(db):
    # A transactional test starts from a flushed database: Wagtail's root collection is gone.
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    ensure_default_workflow()
    brand = make_brand("Acme")
    return {
        "brand": brand,
        "asset": make_asset(make_product(brand, "SKU12345"), "front", channels=CHANNEL_KEYS),
        "studio": make_user("studio", brand=brand, role=Role.STUDIO),
        "approver": make_user("approver", brand=brand, role=Role.APPROVER),
    }


def queued_jobs() -> dict[str, int]:
    import django_rq

    return {name: django_rq.get_queue(name).count for name in QUEUES}


def approve(client, site):
    """Upload a version and approve it in the admin, as the studio and the approver would."""
    result = upload_version(
        image_upload(NAME, (1600, 1600), color=(200, 40, 40)),
        brand=site["brand"],
        user=site["studio"],
    )
    steps = TaskState.objects.for_instance(site["asset"]).filter(status="in_progress")
    assert steps.exists(), result.message
    step = steps.get()
    client.force_login(site["approver"])
    response = client.post(
        reverse(
            "wagtailsnippets_wagtail_lfcloud_asset:workflow_action",
            args=[site["asset"].pk, "approve", step.pk],
        )
    )
    assert response.status_code == 302
    version = site["asset"].versions.get()
    assert version.status == VersionStatus.CURRENT
    return version


def rendition_storage():
    from wagtail.images import get_image_model

    return get_image_model().get_rendition_model()._meta.get_field("file").storage


def channel_files(version) -> list[str]:
    """The stored files of ``version``'s channel set."""
    from wagtail.images import get_image_model

    specs = ChannelRendition.objects.filter(version=version).values_list("filter_spec", flat=True)
    files = (
        get_image_model()
        .get_rendition_model()
        .objects.filter(image_id=version.image_id, filter_spec__in=list(specs))
    )
    names = [r.file.name for r in files]
    assert len(names) == len(CHANNEL_KEYS)
    return names


def ready_channels(version) -> set[str]:
    return set(
        ChannelRendition.objects.filter(
            version=version, status=ChannelRendition.Status.READY
        ).values_list("channel", flat=True)
    )


def test_an_approval_answers_at_once_and_a_worker_builds_its_channel_set(client, site, workers):
    version = approve(client, site)

    # The answer came back with nothing built: no worker runs yet. The work waits in Redis, each
    # kind on its own queue, so a burst of uploads' previews never queues before renditions.
    assert ready_channels(version) == set()
    jobs = queued_jobs()
    assert jobs[CHANNELS] == 1 and jobs[PREVIEWS] >= 1

    workers.start(CHANNELS)
    wait_for(lambda: ready_channels(version) == set(CHANNEL_KEYS), "the channel set", workers)
    for name in channel_files(version):
        assert rendition_storage().exists(name)
    # The previews' queue had no worker: its job is still there, untouched by the channels worker.
    assert queued_jobs()[PREVIEWS] == jobs[PREVIEWS]


def test_a_storage_failure_is_retried_by_the_rq_scheduler(
    client, site, workers, moto_server, settings, monkeypatch
):
    """The renditions bucket is missing at first (a storage failure); the run fails, the next one
    is a scheduled job in Redis, and when it runs S3 is back."""
    from django_rq import get_queue
    from rq.registry import FailedJobRegistry, ScheduledJobRegistry

    suffix = uuid.uuid4().hex[:12]
    originals = moto_server.create_bucket(f"originals-{suffix}")
    renditions = f"renditions-{suffix}"  # not created yet
    settings.STORAGES = {
        **settings.STORAGES,
        **s3_storages_settings(moto_server.endpoint_url, originals, renditions),
    }
    settings.WAGTAILIMAGES_RENDITION_STORAGE = "renditions"
    use_rendition_storage(monkeypatch)
    workers.s3 = f"{moto_server.endpoint_url} {originals} {renditions}"
    workers.overrides = {
        "WAGTAIL_LFCLOUD_RENDITION_RETRY_SECONDS": 4,
        "WAGTAIL_LFCLOUD_RENDITION_MAX_ATTEMPTS": 6,
    }
    version = approve(client, site)
    workers.start(CHANNELS)

    queue = get_queue(CHANNELS)
    scheduled = ScheduledJobRegistry(queue=queue)
    failed = FailedJobRegistry(queue=queue)
    # The worker schedules the retry, then records the failed run: wait for both (on a loaded
    # machine the 4 s retry may even have failed again by then, hence "at least one").
    wait_for(
        lambda: scheduled.count == 1 and failed.count >= 1, "the retry to be scheduled", workers
    )
    rows = ChannelRendition.objects.filter(version=version)
    assert {r.status for r in rows} == {ChannelRendition.Status.PENDING}
    assert all("The file storage failed while rendering" in r.error for r in rows)
    assert all(re.search(r"Run [2-6] of 6", r.error) for r in rows)

    moto_server.create_bucket(renditions)  # S3 is back
    wait_for(lambda: ready_channels(version) == set(CHANNEL_KEYS), "the retried set", workers)
    assert set(rows.values_list("error", flat=True)) == {""}
    keys = moto_server.keys(renditions)
    assert set(channel_files(version)) <= set(keys)


def test_a_webhook_retry_is_delivered_by_a_worker(client, site, workers, settings):
    receiver = Receiver(statuses=[500])  # fails once, then accepts
    try:
        overrides = {
            "WAGTAIL_LFCLOUD_WEBHOOK_ALLOWED_NETWORKS": ["127.0.0.1/32"],
            "WAGTAIL_LFCLOUD_WEBHOOK_BACKOFF_SECONDS": 1,
            "WAGTAIL_LFCLOUD_WEBHOOK_TIMEOUT": 5,
        }
        for name, value in overrides.items():
            setattr(settings, name, value)
        workers.overrides = overrides
        WebhookEndpoint.objects.create(
            brand=site["brand"],
            name="ERP",
            url=receiver.url,
            secret="whsec_" + base64.b64encode(b"k" * 32).decode(),
        )
        approve(client, site)

        # Answered before any attempt: the deliveries wait on the webhooks queue.
        assert receiver.requests == []
        assert queued_jobs()[WEBHOOKS] >= 1
        approved = WebhookDelivery.objects.get(event="asset.approved")
        assert approved.attempts == 0

        workers.start(WEBHOOKS)
        wait_for(
            lambda: WebhookDelivery.objects.get(pk=approved.pk).status == "delivered",
            "the retried delivery",
            workers,
        )
        approved.refresh_from_db()
        assert approved.attempts == 2
        bodies = [r["body"] for r in receiver.requests]
        assert sum(b'"asset.approved"' in b for b in bodies) == 2
    finally:
        receiver.close()


def test_an_approved_clip_is_transcoded_by_a_video_worker(client, site, workers, settings):
    """The video queue's worker runs each transcode in a child of its fork server (a work
    horse is itself a fork of the worker): the review preview and the channel's clip are made
    there, with the site's settings, while the approval answered at once."""
    settings.WAGTAIL_LFCLOUD_VIDEO_CHANNELS = SMALL
    workers.overrides = {"WAGTAIL_LFCLOUD_VIDEO_CHANNELS": SMALL}
    asset = make_asset(
        site["asset"].product, "turntable-15s", channels=["amazon_video"], kind=AssetKind.VIDEO
    )
    upload_version(
        SimpleUploadedFile(CLIP_NAME, make_clip(seconds=1, size=(320, 180))),
        brand=site["brand"],
        user=site["studio"],
    )
    step = TaskState.objects.for_instance(asset).filter(status="in_progress").get()
    client.force_login(site["approver"])
    response = client.post(
        reverse(
            "wagtailsnippets_wagtail_lfcloud_asset:workflow_action",
            args=[asset.pk, "approve", step.pk],
        )
    )
    assert response.status_code == 302
    version = asset.versions.get(status=VersionStatus.CURRENT)
    assert ready_channels(version) == set()
    assert queued_jobs()[VIDEO] >= 2  # the review preview and the channel transcode

    workers.start(VIDEO)
    wait_for(lambda: ready_channels(version) == {"amazon_video"}, "the clip's channel", workers)
    wait_for(lambda: VersionClip.objects.get(version=version).preview.name, "the preview", workers)
    row = ChannelRendition.objects.get(version=version, channel="amazon_video")
    assert row.file.name.endswith(".mp4") and row.poster.name.endswith(".jpg")
    assert (row.width, row.height) == (320, 180)
