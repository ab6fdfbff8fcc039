"""Concurrent uploads and approvals on PostgreSQL: threads with their own database connections.

Each case asserts the outcome whatever the interleaving: exactly one current version at most,
distinct version numbers, no upload lost.
"""

import threading

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import reverse
from wagtail.models import Collection, TaskState

from tests.factories import image_upload, make_asset, make_brand, make_product, make_user
from wagtail_lfcloud.assets.uploads import upload_version
from wagtail_lfcloud.assets.workflows import ensure_default_workflow
from wagtail_lfcloud.models import AssetVersion, BrandLogEntry, VersionStatus

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="needs PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]

NAME = "SKU12345_2025-10_front.png"


def run_together(*jobs):
    """Run each job in its own thread (own DB connection), released at the same moment."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []

    def worker(i, job):
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, errors


@pytest.fixture
def setup():
    # A transactional test starts from a flushed database: Wagtail's root collection is gone.
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    ensure_default_workflow()
    brand = make_brand("Acme")
    asset = make_asset(make_product(brand, "SKU12345"), "front")
    studio = make_user("studio", brand=brand, role="studio")
    approvers = [make_user(f"approver{i}", brand=brand, role="approver") for i in range(2)]
    return brand, asset, studio, approvers


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def approval_step(asset):
    return TaskState.objects.for_instance(asset).filter(status="in_progress").get()


def approve_url(asset, step):
    return reverse(
        "wagtailsnippets_wagtail_lfcloud_asset:workflow_action", args=[asset.pk, "approve", step.pk]
    )


def test_concurrent_uploads_get_distinct_numbers(setup):
    brand, asset, studio, _ = setup
    jobs = [
        (
            lambda c=c: (
                upload_version(
                    image_upload(NAME, color=(c, c, c)), brand=brand, user=studio
                ).version.number
            )
        )
        for c in (10, 20, 30)
    ]
    numbers, errors = run_together(*jobs)
    assert errors == []
    assert sorted(numbers) == [1, 2, 3]
    statuses = sorted(asset.versions.values_list("status", flat=True))
    assert statuses == ["in_review", "superseded", "superseded"]
    assert TaskState.objects.for_instance(asset).filter(status="in_progress").count() == 1


def test_two_approvals_at_once_make_one_current_version(setup):
    brand, asset, studio, approvers = setup
    upload_version(image_upload(NAME), brand=brand, user=studio)
    url = approve_url(asset, approval_step(asset))
    clients = [logged_in(a) for a in approvers]
    responses, errors = run_together(*[(lambda c=c: c.post(url).status_code) for c in clients])
    assert errors == []
    assert responses == [302, 302]
    assert asset.versions.filter(status=VersionStatus.CURRENT).count() == 1
    assert BrandLogEntry.objects.filter(action="wagtail_lfcloud.version_approved").count() == 1
    assert (
        TaskState.objects.for_instance(asset)
        .filter(task__name="Brand approval", status="approved")
        .count()
        == 1
    )


def test_upload_while_an_approval_is_in_flight(setup):
    brand, asset, studio, approvers = setup
    upload_version(image_upload(NAME, color=(1, 1, 1)), brand=brand, user=studio)
    url = approve_url(asset, approval_step(asset))
    client = logged_in(approvers[0])
    results, errors = run_together(
        lambda: client.post(url).status_code,
        lambda: (
            upload_version(
                image_upload(NAME, color=(2, 2, 2)), brand=brand, user=studio
            ).version.number
        ),
    )
    assert errors == []
    assert results == [302, 2]
    v1, v2 = AssetVersion.objects.filter(asset=asset).order_by("number")
    # Either the approval came first (v1 current, v2 in review) or the upload did (v1 superseded
    # unapproved, v2 in review): never two current versions, never a lost upload.
    assert v2.status == VersionStatus.IN_REVIEW
    assert v1.status in (VersionStatus.CURRENT, VersionStatus.SUPERSEDED)
    assert asset.versions.filter(status=VersionStatus.CURRENT).count() <= 1
    assert TaskState.objects.for_instance(asset).filter(status="in_progress").count() == 1
