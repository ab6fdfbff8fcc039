"""Uploads, approvals and requests for changes racing on one asset, through the real admin views.

PostgreSQL only: every thread has its own Django test client and its own database connection, and
the threads of a round are released together. Whatever the interleaving, a user never gets a
server error (a deadlock or serialization failure is retried where the transaction starts), and
the asset's history stays whole: version numbers 1..n with no gap, at most one current version,
every stored original referenced by exactly one version.
"""

import json
import random
import threading
import time

import pytest
from django.conf import settings
from django.db import connection
from django.db.models.signals import post_save
from django.test import Client
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.models import Collection, TaskState

from tests.factories import (
    image_upload,
    make_asset,
    make_brand,
    make_product,
    make_user,
    role_group,
)
from wagtail_lfcloud.assets.workflows import ensure_default_workflow
from wagtail_lfcloud.models import AssetVersion, VersionStatus
from wagtail_lfcloud.storage.fsck import ORIGINALS_FOLDER, walk

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"], reason="needs PostgreSQL"
    ),
    pytest.mark.django_db(transaction=True),
]

NAME = "SKU12345_2025-10_front.png"
_colors = iter(random.Random(14).sample(range(256**3), 2000))


def fresh_image():
    """A PNG no earlier upload has the same bytes as (an exact duplicate would be refused)."""
    c = next(_colors)
    return image_upload(NAME, color=(c >> 16, (c >> 8) & 255, c & 255))


def release_together(jobs, timeout=120):
    """Run each job in its own thread (own DB connection), all released at the same moment."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []

    def worker(i, job):
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a request hung"
    return results, errors


@pytest.fixture
def scene():
    # A transactional test starts from a flushed database: Wagtail's root collection is gone.
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    ensure_default_workflow()
    brand = make_brand("Acme")
    asset = make_asset(make_product(brand, "SKU12345"), "front")
    studio = make_user("studio", brand=brand, role="studio")
    approvers = [make_user(f"approver{i}", brand=brand, role="approver") for i in range(2)]
    for approver in approvers:
        # Brand admins too, so they can also act from the asset's edit page.
        approver.groups.add(role_group(brand, "brand_admin"))
    return brand, asset, studio, approvers


@pytest.fixture
def wide_race_window():
    """Hold each reviewer's decision a moment between recording it and applying it to the versions,
    so that uploads reliably interleave with it (the window real traffic hits by chance)."""

    def linger(sender, instance, **kwargs):
        if (
            instance.status in (TaskState.STATUS_APPROVED, TaskState.STATUS_REJECTED)
            and instance.finished_by_id
        ):
            time.sleep(0.3)

    post_save.connect(linger, sender=TaskState, dispatch_uid="races-linger")
    yield
    post_save.disconnect(sender=TaskState, dispatch_uid="races-linger")


def client_for(user):
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def upload(client, brand):
    """POST one file to the upload endpoint the upload page uses; (status, JSON body)."""
    response = client.post(
        reverse("wagtail_lfcloud_admin:upload_file"), {"brand": brand.pk, "file": fresh_image()}
    )
    return response.status_code, (
        response.json() if response["Content-Type"].startswith("application/json") else {}
    )


def act(client, asset, step, action, **data):
    """POST a workflow action (approve / reject = request changes) as the review page's buttons do."""
    url = reverse(
        "wagtailsnippets_wagtail_lfcloud_asset:workflow_action", args=[asset.pk, action, step.pk]
    )
    return client.post(url, data).status_code, {}


def act_in_editor(client, asset, step, action, **data):
    """The same action from the asset's edit page (Wagtail's action menu: the form is saved, then the
    action runs)."""
    url = reverse("wagtailsnippets_wagtail_lfcloud_asset:edit", args=[asset.pk])
    form = {
        "brand": asset.brand_id,
        "product": asset.product_id,
        "angle": asset.angle,
        "order": "",
        "channels": "[]",
        "instructions": "",
        "action-workflow-action": "1",
        "workflow-action-name": action,
        "workflow-action-extra-data": json.dumps(data),
    }
    return client.post(url, form).status_code, {}


def open_step(asset):
    """The review step in progress (or, when the last round closed it, the last one: acting on it is refused)."""
    states = TaskState.objects.for_instance(asset).order_by("-pk")
    return states.filter(status=TaskState.STATUS_IN_PROGRESS).first() or states.first()


def assert_history_whole(asset, accepted: int):
    versions = list(
        AssetVersion.objects.filter(asset=asset).select_related("image").order_by("number")
    )
    assert [v.number for v in versions] == list(range(1, accepted + 1)), (
        "numbers unique and gap-free"
    )
    assert sum(v.status == VersionStatus.CURRENT for v in versions) <= 1
    files = [v.image.file.name for v in versions]
    assert len(set(files)) == len(files), "a file referenced by two versions"
    storage = get_image_model()._meta.get_field("file").storage
    assert sorted(walk(storage, ORIGINALS_FOLDER)) == sorted(files), (
        "every stored original belongs to one version"
    )
    return versions


def test_upload_approval_and_changes_requested_race_on_one_asset(scene, wide_race_window):
    brand, asset, studio, (approver, other_approver) = scene
    uploader, approving, rejecting = (
        client_for(studio),
        client_for(approver),
        client_for(other_approver),
    )
    status, body = upload(uploader, brand)
    assert (status, body["version"]) == (200, 1)
    accepted = 1
    failures = []
    for round_ in range(20):
        step = open_step(asset)
        # Reviewers use the review page's buttons or the edit page's action menu, in turn.
        approve, reject = (act, act_in_editor) if round_ % 2 else (act_in_editor, act)
        jobs = [
            lambda: ("upload",) + upload(uploader, brand),
            lambda step=step, approve=approve: (
                ("approve",) + approve(approving, asset, step, "approve", comment="")
            ),
            lambda step=step, reject=reject, n=round_: (
                ("reject",) + reject(rejecting, asset, step, "reject", comment=f"round {n}: crop")
            ),
        ]
        random.Random(round_).shuffle(jobs)
        results, errors = release_together(jobs)
        assert errors == []
        for kind, status, body in results:
            if status >= 500 or (kind == "upload" and status != 200):
                failures.append((round_, kind, status, body))
            if kind == "upload" and status == 200 and body.get("ok"):
                accepted += 1
        versions = assert_history_whole(asset, accepted)
        # The latest upload is in review (with its review step open), or was already approved or
        # sent back in the same round; an older version never wins over it.
        latest = versions[-1]
        open_steps = (
            TaskState.objects.for_instance(asset)
            .filter(status=TaskState.STATUS_IN_PROGRESS)
            .count()
        )
        assert (latest.status, open_steps) in {
            (VersionStatus.IN_REVIEW, 1),
            (VersionStatus.CURRENT, 0),
            (VersionStatus.CHANGES_REQUESTED, 0),
        }
        # Older versions were superseded, or one of them is still the approved (current) one.
        assert all(
            v.status in (VersionStatus.SUPERSEDED, VersionStatus.CURRENT) for v in versions[:-1]
        )
    assert failures == []
    assert accepted == 21

    # One more upload, approved: exactly one version is current, the last one.
    status, body = upload(uploader, brand)
    assert status == 200 and body["ok"]
    assert act(approving, asset, open_step(asset), "approve")[0] == 302
    versions = assert_history_whole(asset, accepted + 1)
    assert [v.number for v in versions if v.status == VersionStatus.CURRENT] == [accepted + 1]


def test_fifty_parallel_uploads(scene):
    brand, asset, studio, _ = scene
    clients = [client_for(studio) for _ in range(50)]
    results, errors = release_together(
        [(lambda c=c: upload(c, brand)) for c in clients], timeout=300
    )
    assert errors == []
    assert [status for status, _ in results] == [200] * 50
    assert sorted(body["version"] for _, body in results) == list(range(1, 51))
    versions = assert_history_whole(asset, 50)
    assert [v.status for v in versions] == [VersionStatus.SUPERSEDED] * 49 + [
        VersionStatus.IN_REVIEW
    ]
    assert (
        TaskState.objects.for_instance(asset).filter(status=TaskState.STATUS_IN_PROGRESS).count()
        == 1
    )


def test_a_deadlock_is_run_again_not_reported(scene, caplog):
    """Two transactions locking two assets in opposite orders (as code outside the lock order might):
    PostgreSQL aborts one as a deadlock; the wrapper runs it again and both succeed."""
    from wagtail_lfcloud.models import Asset
    from wagtail_lfcloud.storage.locking import retry_on_conflict

    _brand, first, *_ = scene
    second = make_asset(first.product, "back")
    both_hold_one = threading.Barrier(2)
    attempts = []

    def crossing(a, b):
        @retry_on_conflict
        def work():
            attempts.append(a)
            Asset.objects.select_for_update().get(pk=a)
            if len(attempts) <= 2:
                both_hold_one.wait(10)
            Asset.objects.select_for_update().get(pk=b)
            return "done"

        return work

    results, errors = release_together(
        [crossing(first.pk, second.pk), crossing(second.pk, first.pk)]
    )
    assert errors == []
    assert results == ["done", "done"]
    # At least one of the two ran again, because of a deadlock. How many times depends on when the
    # server's deadlock check runs on a loaded machine (CI once saw a second retry), not on the code.
    retries = [r.getMessage() for r in caplog.records if "aborted by a race" in r.getMessage()]
    assert any("deadlock" in message for message in retries), retries
    assert len(attempts) == 2 + len(retries)
