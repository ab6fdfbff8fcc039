"""Two "complete" requests for one upload straight to S3 at once (a double click, a client or proxy
retrying): the file becomes one version and the client is told so.

Found by benchmarks/load.py with two RQ workers: both requests queued the check, both workers ran
it, the first registered the version and deleted the staging object, the second found nothing
there and marked the upload refused ("Nothing arrived in the storage"), so the client gave up on a
file that had become a version.

Real concurrency (threads, each with its own database connection), so PostgreSQL and a
transactional test; a barrier holds each request at the point where the other one could slip in,
and a check that refuses the file records that last, as it did in the benchmark.
"""

from __future__ import annotations

import threading

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from wagtail.models import Collection

from tests.factories import image_bytes, make_asset, make_brand, make_product, make_user
from wagtail_lfcloud.assets import direct
from wagtail_lfcloud.assets.uploads import UploadRefused
from wagtail_lfcloud.models import AssetVersion, DirectUpload, Role

from .conftest import API, auth, token_for
from .test_direct_uploads import put, start

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.s3,
    pytest.mark.skipif(
        "postgresql" not in django_settings.DATABASES["default"]["ENGINE"],
        reason="real concurrent requests need PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def studio_token(db):
    # A transactional test starts from a flushed database: Wagtail's root collection is gone.
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    brand = make_brand("Acme")
    make_asset(make_product(brand, "SKU12345"), "front", channels=["amazon_main"])
    return token_for(make_user("studio", brand=brand, role=Role.STUDIO))


def test_completing_twice_at_once_registers_one_version(studio_token, s3_storages, monkeypatch):
    data = image_bytes((1200, 1200), color=(30, 90, 160), fmt="JPEG")
    started = start(Client(), studio_token, "SKU12345_2026-02_front.jpg", len(data), "image/jpeg")
    assert started.status_code == 201, started.content
    body = started.json()
    put(body["url"], data, body["headers"])

    # Each call that reaches the bucket (closing the upload, reading it back) waits a moment for
    # the other request's call, so the two run side by side wherever they can.
    barrier = threading.Barrier(2, timeout=2)
    real_client = direct._client

    def side_by_side():
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            pass  # the other one is held back (by the row lock): go on alone
        return real_client()

    monkeypatch.setattr(direct, "_client", side_by_side)

    # When a second check runs and refuses the file (its duplicate, or "nothing arrived"), it
    # records that after the first check recorded its outcome: the order that lost the file.
    registered = threading.Event()
    checks: list[str] = []
    real_register, real_upload_version = direct.register, direct.upload_version

    def register(upload_id):
        status = real_register(upload_id)
        registered.set()
        return status

    def upload_version(*args, **kwargs):
        checks.append(kwargs.get("filename", ""))
        try:
            return real_upload_version(*args, **kwargs)
        except UploadRefused:
            registered.wait(timeout=10)
            raise

    monkeypatch.setattr(direct, "register", register)
    monkeypatch.setattr(direct, "upload_version", upload_version)
    answers: list = []

    def complete():
        try:
            # The immediate backend runs the check when the request has finished, as a worker
            # picking the job up at once would.
            answers.append(
                Client().post(
                    f"{API}/uploads/direct/{body['id']}/complete",
                    {"parts": []},
                    content_type="application/json",
                    **auth(studio_token),
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=complete) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert [a.status_code for a in answers] == [202, 202], [a.content for a in answers]
    state = Client().get(f"{API}/uploads/direct/{body['id']}", **auth(studio_token)).json()
    assert state["status"] == "registered", state
    assert len(checks) == 1  # the file was read back and checked once
    versions = list(AssetVersion.objects.all())
    assert [v.pk for v in versions] == [state["version_id"]]
    assert DirectUpload.objects.get().error == ""
    assert not [k for k in s3_storages.original_keys() if k.startswith("lfcloud-private/uploads/")]
