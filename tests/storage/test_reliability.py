"""Reliability under concurrency, on PostgreSQL: threads with their own database connections.

Many people uploading to the same assets at once, and several approvers acting on the same
reviews at once, must never lose a version, reuse a number, leave two current versions, or
leave a file that no row references. Every case ends with ``lfcloud_fsck``'s checks passing.
"""

import threading
from collections import Counter

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.models import Collection, TaskState

from tests.factories import make_asset, make_brand, make_product, make_user
from wagtail_lfcloud.assets.uploads import UploadRefused, upload_version
from wagtail_lfcloud.assets.workflows import ensure_default_workflow
from wagtail_lfcloud.models import AssetVersion, BrandLogEntry, Role, VersionStatus
from wagtail_lfcloud.storage.fsck import check

from .helpers import original_files
from .test_hostile import noisy_jpeg

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="needs PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]

THREADS = 6
UPLOADS_PER_THREAD = 4


def in_threads(jobs_per_thread: list[list]) -> tuple[list, list]:
    """Run each list of jobs in its own thread (own connection); all threads start together."""
    barrier = threading.Barrier(len(jobs_per_thread))
    results, errors, lock = [], [], threading.Lock()

    def worker(jobs):
        try:
            barrier.wait()
            for job in jobs:
                try:
                    outcome = job()
                except Exception as exc:  # noqa: BLE001 - collected and asserted by the test
                    outcome = exc
                with lock:
                    (errors if isinstance(outcome, Exception) else results).append(outcome)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(jobs,)) for jobs in jobs_per_thread]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    return results, errors


@pytest.fixture
def shop():
    # A transactional test starts from a flushed database: recreate what migrations made.
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    ensure_default_workflow()
    brand = make_brand("Acme")
    product = make_product(brand, "SKU30001")
    assets = {angle: make_asset(product, angle) for angle in ("front", "back")}
    studios = [make_user(f"studio{i}", brand=brand, role=Role.STUDIO) for i in range(THREADS)]
    approvers = [make_user(f"approver{i}", brand=brand, role=Role.APPROVER) for i in range(3)]
    return brand, assets, studios, approvers


def upload_job(brand, user, angle, content):
    def job():
        name = f"SKU30001_2025-10_{angle}.jpg"
        version = upload_version(SimpleUploadedFile(name, content), brand=brand, user=user).version
        return angle, version.number, version.image.file.name

    return job


def assert_library_consistent(assets):
    for asset in assets.values():
        numbers = list(asset.versions.order_by("number").values_list("number", flat=True))
        assert numbers == list(range(1, len(numbers) + 1)), f"gaps or repeats in {asset}: {numbers}"
        assert asset.versions.filter(status=VersionStatus.CURRENT).count() <= 1
    referenced = set(get_image_model().objects.values_list("file", flat=True))
    assert original_files() == referenced, (
        "every stored file belongs to an image, every image has its file"
    )
    report = check()
    assert report.ok, [p.message for p in report.problems]


def test_many_parallel_uploads_to_the_same_assets(shop):
    brand, assets, studios, _ = shop
    jobs = [
        [
            upload_job(brand, studio, ("front", "back")[(t + i) % 2], noisy_jpeg((40, 30)))
            for i in range(UPLOADS_PER_THREAD)
        ]
        for t, studio in enumerate(studios)
    ]
    results, errors = in_threads(jobs)

    assert errors == []
    total = THREADS * UPLOADS_PER_THREAD
    assert len(results) == total
    # Every upload got its own number on its own asset, and its own file.
    assert len({(angle, number) for angle, number, _name in results}) == total
    assert len({name for _angle, _number, name in results}) == total
    assert Counter(angle for angle, _n, _name in results) == {
        "front": total // 2,
        "back": total // 2,
    }
    for asset in assets.values():
        statuses = Counter(asset.versions.values_list("status", flat=True))
        # The latest upload is under review; every earlier one was superseded by it, none lost.
        assert statuses == {VersionStatus.IN_REVIEW: 1, VersionStatus.SUPERSEDED: total // 2 - 1}
        latest = asset.versions.order_by("-number").first()
        assert asset.versions.get(status=VersionStatus.IN_REVIEW) == latest
        assert TaskState.objects.for_instance(asset).filter(status="in_progress").count() == 1
    assert_library_consistent(assets)


def test_identical_files_uploaded_at_once_are_stored_once(shop):
    brand, assets, studios, _ = shop
    content = noisy_jpeg((40, 30))
    results, errors = in_threads(
        [[upload_job(brand, studio, "front", content)] for studio in studios]
    )

    assert len(results) == 1
    assert len(errors) == THREADS - 1
    assert all(isinstance(e, UploadRefused) and e.code == "duplicate" for e in errors), errors
    assert AssetVersion.objects.count() == 1
    assert_library_consistent(assets)


@pytest.mark.s3
def test_parallel_uploads_to_s3_account_for_every_object(shop, s3_storages):
    brand, assets, studios, _ = shop
    jobs = [
        [
            upload_job(brand, studio, ("front", "back")[t % 2], noisy_jpeg((40, 30)))
            for _ in range(2)
        ]
        for t, studio in enumerate(studios)
    ]
    results, errors = in_threads(jobs)

    assert errors == []
    assert sorted(name for _a, _n, name in results) == s3_storages.original_keys()
    assert_library_consistent(assets)


def approve_url(asset, step):
    return reverse(
        "wagtailsnippets_wagtail_lfcloud_asset:workflow_action", args=[asset.pk, "approve", step.pk]
    )


def test_parallel_approvals_leave_exactly_one_current_version_per_asset(shop):
    brand, assets, studios, approvers = shop
    # Two rounds on each asset: v1 approved first, then v2 raced by every approver at once.
    for asset in assets.values():
        name = f"SKU30001_2025-10_{asset.angle}.jpg"
        upload_version(SimpleUploadedFile(name, noisy_jpeg()), brand=brand, user=studios[0])
        step = TaskState.objects.for_instance(asset).get(status="in_progress")
        client = Client()
        client.force_login(approvers[0])
        assert client.post(approve_url(asset, step)).status_code == 302
        upload_version(SimpleUploadedFile(name, noisy_jpeg()), brand=brand, user=studios[0])
    urls = [
        approve_url(a, TaskState.objects.for_instance(a).get(status="in_progress"))
        for a in assets.values()
    ]

    def approve_all(user):
        client = Client()
        client.force_login(user)
        return [lambda url=url: client.post(url).status_code for url in urls]

    results, errors = in_threads([approve_all(user) for user in approvers])

    assert errors == []
    assert set(results) == {302}
    for asset in assets.values():
        statuses = dict(asset.versions.values_list("number", "status"))
        assert statuses == {1: VersionStatus.SUPERSEDED, 2: VersionStatus.CURRENT}
        approvals = BrandLogEntry.objects.filter(
            action="wagtail_lfcloud.version_approved", object_id=str(asset.pk)
        ).values_list("data__version", flat=True)
        assert sorted(approvals) == [1, 2], "each version approved exactly once"
    assert_library_consistent(assets)
