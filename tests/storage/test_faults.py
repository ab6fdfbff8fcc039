"""Storage and database faults during uploads and rendition generation leave nothing half-done.

The S3 here is moto's server over real HTTP (tests/s3.py); faults are real too: a closed port, a
bucket that does not exist, an object deleted behind the package's back, a database trigger that
refuses the insert.
"""

import pytest
from botocore.exceptions import EndpointConnectionError
from django.db import DatabaseError, connection
from django.urls import reverse
from wagtail.images import get_image_model

from tests.factories import image_upload, make_user
from tests.s3 import closed_port, s3_storages_settings, use_rendition_storage
from wagtail_lfcloud.assets.uploads import UploadRefused, upload_version
from wagtail_lfcloud.channels.errors import RenditionStorageError
from wagtail_lfcloud.models import AssetVersion, ChannelRendition, VersionStatus

pytestmark = [pytest.mark.s3, pytest.mark.django_db(transaction=False)]

NAME = "SKU10001_2025-10_front.jpg"


def counts() -> dict[str, int]:
    Image = get_image_model()
    return {
        "images": Image.objects.count(),
        "versions": AssetVersion.objects.count(),
        "renditions": Image.get_rendition_model().objects.count(),
        "channel_renditions": ChannelRendition.objects.count(),
    }


def test_upload_to_s3_stores_a_private_original_and_public_renditions(
    studio, s3_storages, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = upload_version(image_upload(NAME, (64, 48)), brand=studio.brand, user=studio.user)
    image = result.version.image
    assert s3_storages.original_keys() == [image.file.name]
    assert "X-Amz-Signature=" in image.file.url
    # The admin's previews were made by the task, into the renditions bucket, with unsigned URLs.
    keys = s3_storages.rendition_keys()
    assert len(keys) == 2 and all(k.startswith("images/") for k in keys)
    rendition = image.get_rendition("max-165x165")
    assert "X-Amz-Signature" not in rendition.url


def test_upload_when_s3_is_unreachable_is_refused_and_leaves_nothing(studio, settings):
    before = counts()
    closed = f"http://127.0.0.1:{closed_port()}"
    settings.STORAGES = s3_storages_settings(closed, "originals", "renditions")
    with pytest.raises(UploadRefused) as refused:
        upload_version(image_upload(NAME), brand=studio.brand, user=studio.user)
    assert refused.value.code == "storage"
    assert "could not be stored" in str(refused.value)
    assert "Nothing was uploaded" in str(refused.value)
    assert counts() == before


def test_upload_when_the_bucket_is_missing_is_refused_and_leaves_nothing(
    studio, s3_storages, settings
):
    before = counts()
    settings.STORAGES = s3_storages_settings(
        s3_storages.server.endpoint_url, "no-such-bucket", s3_storages.renditions
    )
    with pytest.raises(UploadRefused) as refused:
        upload_version(image_upload(NAME), brand=studio.brand, user=studio.user)
    assert refused.value.code == "storage"
    assert counts() == before
    assert s3_storages.rendition_keys() == []


@pytest.fixture
def failing_version_insert(db):
    """Make the database refuse new versions, as a full disk or a lost connection would, mid-upload."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION lfcloud_test_refuse() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'simulated database failure'; END; $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER lfcloud_test_refuse BEFORE INSERT ON wagtail_lfcloud_assetversion "
                "FOR EACH ROW EXECUTE FUNCTION lfcloud_test_refuse()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER lfcloud_test_refuse BEFORE INSERT ON wagtail_lfcloud_assetversion "
                "BEGIN SELECT RAISE(ABORT, 'simulated database failure'); END"
            )
    # Both are dropped with the test's transaction.


def test_a_database_error_after_the_file_reached_s3_deletes_the_file(
    studio, s3_storages, failing_version_insert
):
    before = counts()
    with pytest.raises(DatabaseError, match="simulated database failure"):
        upload_version(image_upload(NAME), brand=studio.brand, user=studio.user)
    assert counts() == before
    assert s3_storages.original_keys() == []


def test_a_database_error_on_local_storage_deletes_the_file(studio, failing_version_insert):
    from .helpers import original_files

    with pytest.raises(DatabaseError):
        upload_version(image_upload(NAME), brand=studio.brand, user=studio.user)
    assert original_files() == set()
    assert get_image_model().objects.count() == 0


def _current_version(studio, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        version = upload_version(
            image_upload(NAME, (64, 48)), brand=studio.brand, user=studio.user
        ).version
    AssetVersion.objects.filter(pk=version.pk).update(status=VersionStatus.CURRENT)
    return version


def test_rendition_generation_when_the_rendition_bucket_fails(
    studio, s3_storages, settings, monkeypatch, django_capture_on_commit_callbacks, client
):
    from django_tasks import TaskResultStatus

    from wagtail_lfcloud.channels.tasks import build_channel_renditions_task

    version = _current_version(studio, django_capture_on_commit_callbacks)
    renditions_before = s3_storages.rendition_keys()
    rows_before = get_image_model().get_rendition_model().objects.count()
    assert rows_before == 2, "the upload's previews"
    good = settings.STORAGES
    settings.STORAGES = {
        **settings.STORAGES,
        "renditions": s3_storages_settings(s3_storages.server.endpoint_url, "x", "no-such-bucket")[
            "renditions"
        ],
    }
    use_rendition_storage(monkeypatch)

    result = build_channel_renditions_task.enqueue(version.pk, ["ig_square", "pinterest_pin"])

    assert result.status == TaskResultStatus.FAILED
    rows = list(ChannelRendition.objects.filter(version=version).order_by("channel"))
    assert [(r.channel, r.status) for r in rows] == [
        ("ig_square", "failed"),
        ("pinterest_pin", "failed"),
    ]
    assert all(r.error.startswith("The file storage failed while rendering:") for r in rows)
    assert all("NoSuchBucket" in r.error for r in rows), rows[0].error
    assert get_image_model().get_rendition_model().objects.count() == rows_before
    assert s3_storages.rendition_keys() == renditions_before

    # The failure is shown where people look for channel files: the admin's asset library
    # (viewed once the storage is back: thumbnails missing from the cache may need rendering).
    settings.STORAGES = good
    use_rendition_storage(monkeypatch)
    client.force_login(make_user(superuser=True))
    page = client.get(reverse("wagtail_lfcloud_admin:library")).content.decode()
    assert "ig_square could not be generated: The file storage failed while rendering" in page
    assert 'data-channel-failed="ig_square"' in page


def test_rendition_generation_when_the_original_vanished_from_s3(
    studio, s3_storages, django_capture_on_commit_callbacks
):
    from wagtail_lfcloud.channels.tasks import build_channel_renditions_task

    version = _current_version(studio, django_capture_on_commit_callbacks)
    renditions_before = s3_storages.rendition_keys()
    s3_storages.server.client().delete_object(
        Bucket=s3_storages.originals, Key=version.image.file.name
    )

    build_channel_renditions_task.enqueue(version.pk, ["ig_square"])

    row = ChannelRendition.objects.get(version=version, channel="ig_square")
    assert row.status == ChannelRendition.Status.FAILED
    assert version.image.file.name.rsplit("/", 1)[-1] in row.error
    assert s3_storages.rendition_keys() == renditions_before


def test_rendition_generation_recovers_once_s3_is_back(
    studio, s3_storages, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from wagtail_lfcloud.channels.tasks import build_channel_renditions_task

    version = _current_version(studio, django_capture_on_commit_callbacks)
    good = settings.STORAGES
    settings.STORAGES = {
        **good,
        "renditions": s3_storages_settings(f"http://127.0.0.1:{closed_port()}", "x", "y")[
            "renditions"
        ],
    }
    use_rendition_storage(monkeypatch)
    build_channel_renditions_task.enqueue(version.pk, ["ig_square"])
    assert ChannelRendition.objects.get(version=version).status == ChannelRendition.Status.FAILED

    settings.STORAGES = good
    use_rendition_storage(monkeypatch)
    build_channel_renditions_task.enqueue(version.pk, ["ig_square"])
    row = ChannelRendition.objects.get(version=version)
    assert (row.status, row.error) == (ChannelRendition.Status.READY, "")
    rendition = version.image.renditions.get(filter_spec=row.filter_spec)
    assert rendition.file.name in s3_storages.rendition_keys()


def test_the_upload_screen_says_so_when_s3_is_down(client, studio, settings):
    settings.STORAGES = s3_storages_settings(
        f"http://127.0.0.1:{closed_port()}", "originals", "renditions"
    )
    client.force_login(studio.user)
    before = counts()
    response = client.post(
        reverse("wagtail_lfcloud_admin:upload_file"),
        {"brand": studio.brand.pk, "file": image_upload(NAME)},
    )
    assert response.status_code == 400
    data = response.json()
    assert (data["ok"], data["code"]) == (False, "storage")
    assert "Nothing was uploaded; please try again" in data["error"]
    assert counts() == before


def test_the_library_still_opens_when_s3_is_down_and_a_thumbnail_is_missing(
    client, studio, s3_storages, settings, django_capture_on_commit_callbacks
):
    # An upload whose preview task never ran (a worker was down): no thumbnail rendition yet.
    result = upload_version(image_upload(NAME, (64, 48)), brand=studio.brand, user=studio.user)
    image = result.version.image
    assert not image.renditions.exists()
    client.force_login(studio.user)
    library = reverse("wagtail_lfcloud_admin:library") + "?status=in_review"

    working = settings.STORAGES
    settings.STORAGES = s3_storages_settings(
        f"http://127.0.0.1:{closed_port()}", "originals", "renditions"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(library)
    # The page opens; the file shows a placeholder instead of breaking the whole page.
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-version="{result.version.pk}"' in html
    assert "data-lfcloud-thumb-pending" in html
    assert not image.renditions.exists()

    # Once S3 is back, the next visit asks for the thumbnail again, and the one after shows it.
    settings.STORAGES = working
    with django_capture_on_commit_callbacks(execute=True):
        client.get(library)
    rendition = image.renditions.get(filter_spec="max-165x165")
    assert rendition.file.name in s3_storages.rendition_keys()
    html = client.get(library).content.decode()
    assert "data-lfcloud-thumb-pending" not in html
    assert rendition.url in html


def test_a_channel_set_whose_storage_failed_runs_again_later_with_a_queue_backend(
    studio, s3_storages, settings, monkeypatch, django_capture_on_commit_callbacks, client
):
    """With a backend that can defer tasks (as django-tasks-db in production), a storage failure
    queues the next run with a growing delay, the rows say so, and the last run leaves them failed."""
    from django.test import override_settings
    from django_tasks import default_task_backend

    from wagtail_lfcloud.channels.tasks import build_channel_renditions_task

    version = _current_version(studio, django_capture_on_commit_callbacks)
    good = settings.STORAGES
    settings.STORAGES = {
        **good,
        "renditions": s3_storages_settings(f"http://127.0.0.1:{closed_port()}", "x", "y")[
            "renditions"
        ],
    }
    use_rendition_storage(monkeypatch)
    settings.WAGTAIL_LFCLOUD_RENDITION_MAX_ATTEMPTS = 3
    settings.WAGTAIL_LFCLOUD_RENDITION_RETRY_SECONDS = 60

    def run(*args):
        """One worker run of the task; returns the runs it queued."""
        default_task_backend.clear()
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(RenditionStorageError) as raised,
        ):
            build_channel_renditions_task.call(*args)
        assert isinstance(raised.value.__cause__, EndpointConnectionError)
        return [
            r
            for r in default_task_backend.results
            if r.task.name == "build_channel_renditions_task"
        ]

    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    ):
        (second,) = run(version.pk, ["ig_square"])
        assert second.args == [version.pk, ["ig_square"], 2]
        first_wait = second.task.run_after
        row = ChannelRendition.objects.get(version=version)
        assert row.status == ChannelRendition.Status.PENDING
        assert (
            row.error.startswith("The file storage failed while rendering:")
            and "Run 2 of 3" in row.error
        )

        # The library shows it as retrying, not as failed.
        client.force_login(studio.user)
        page = client.get(
            reverse("wagtail_lfcloud_admin:library") + "?status=current"
        ).content.decode()
        assert 'data-channel-retrying="ig_square"' in page
        assert 'data-channel-failed="ig_square"' not in page

        (third,) = run(*second.args)
        assert third.args[-1] == 3 and third.task.run_after > first_wait
        # The last run does not queue another, and leaves the row failed.
        assert run(*third.args) == []
        row.refresh_from_db()
        assert row.status == ChannelRendition.Status.FAILED and "Run " not in row.error

    # S3 is back: the queued run (here, the third again) renders the set.
    settings.STORAGES = good
    use_rendition_storage(monkeypatch)
    assert build_channel_renditions_task.call(*third.args)
    row.refresh_from_db()
    assert (row.status, row.error) == (ChannelRendition.Status.READY, "")


def test_without_a_queue_backend_a_storage_failure_is_not_retried(
    studio, s3_storages, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from wagtail_lfcloud.channels.tasks import build_channel_renditions_task

    version = _current_version(studio, django_capture_on_commit_callbacks)
    settings.STORAGES = {
        **settings.STORAGES,
        "renditions": s3_storages_settings(f"http://127.0.0.1:{closed_port()}", "x", "y")[
            "renditions"
        ],
    }
    use_rendition_storage(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        build_channel_renditions_task.enqueue(version.pk, ["ig_square"])
    assert callbacks == []
    assert ChannelRendition.objects.get(version=version).status == ChannelRendition.Status.FAILED


def test_the_review_pages_still_open_when_s3_is_down_and_a_preview_is_missing(
    client, studio, s3_storages, settings, django_capture_on_commit_callbacks
):
    # Two uploads whose preview task never ran: no rendition at all.
    first = upload_version(
        image_upload(NAME, (64, 48)), brand=studio.brand, user=studio.user
    ).version
    second = upload_version(
        image_upload(NAME, (64, 48), color=(200, 10, 10)), brand=studio.brand, user=studio.user
    ).version
    asset = second.asset
    assert not get_image_model().get_rendition_model().objects.exists()
    client.force_login(studio.user)
    pages = [
        reverse("wagtail_lfcloud_admin:asset_review", args=[asset.pk]),
        reverse("wagtail_lfcloud_admin:asset_compare", args=[asset.pk])
        + f"?a={first.number}&b={second.number}",
        reverse("wagtail_lfcloud_admin:asset_versions", args=[asset.pk]),
    ]

    working = settings.STORAGES
    settings.STORAGES = s3_storages_settings(
        f"http://127.0.0.1:{closed_port()}", "originals", "renditions"
    )
    for url in pages:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get(url)
        assert response.status_code == 200, url
        assert "data-lfcloud-preview-pending" in response.content.decode(), url
    assert not get_image_model().get_rendition_model().objects.exists()

    # S3 is back: the next visit queues the previews, the one after shows them.
    settings.STORAGES = working
    for url in pages:
        with django_capture_on_commit_callbacks(execute=True):
            client.get(url)
    review = client.get(pages[0]).content.decode()
    assert "data-lfcloud-preview-pending" not in review
    assert second.image.renditions.get(filter_spec="max-800x600").url in review


def _run_on_a_deferring_backend(version, keys, django_capture_on_commit_callbacks):
    """One run of the channel set task on a backend that can defer (so a retry would be queued);
    returns (the exception it raised, the runs it queued)."""
    from django.test import override_settings
    from django_tasks import default_task_backend

    from wagtail_lfcloud.channels.tasks import build_channel_renditions_task

    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    ):
        default_task_backend.clear()
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(Exception) as raised,
        ):
            build_channel_renditions_task.call(version.pk, keys)
        queued = [
            r
            for r in default_task_backend.results
            if r.task.name == "build_channel_renditions_task"
        ]
    return raised.value, queued


def test_a_full_disk_is_a_storage_failure_not_a_corrupt_image(
    studio, monkeypatch, django_capture_on_commit_callbacks
):
    """The local file storage refusing a rendition (ENOSPC) is reported and retried as a storage
    failure; it used to be turned into "rendering failed" on the image, with no retry."""
    from django.core.files.storage import FileSystemStorage

    version = _current_version(studio, django_capture_on_commit_callbacks)
    rows_before = get_image_model().get_rendition_model().objects.count()

    def full(self, name, content):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", full)
    error, queued = _run_on_a_deferring_backend(
        version, ["ig_square"], django_capture_on_commit_callbacks
    )
    assert isinstance(error, RenditionStorageError) and isinstance(error.__cause__, OSError)
    row = ChannelRendition.objects.get(version=version)
    assert row.status == ChannelRendition.Status.PENDING
    assert row.error.startswith("The file storage failed while rendering:")
    assert "No space left on device" in row.error and "Run 2 of" in row.error
    assert [r.args for r in queued] == [[version.pk, ["ig_square"], 2]]
    assert get_image_model().get_rendition_model().objects.count() == rows_before


def test_an_unforeseen_error_says_what_it_was_and_is_not_retried(
    studio, monkeypatch, django_capture_on_commit_callbacks
):
    """An error that is neither the image's nor the storage's (here the output check crashing,
    as the text reader can) fails the rows with what it was, not as a storage failure, and
    running the same master again is not queued."""
    from wagtail_lfcloud.channels import deliverables

    version = _current_version(studio, django_capture_on_commit_callbacks)
    rows_before = get_image_model().get_rendition_model().objects.count()

    def crash(*args, **kwargs):
        raise RuntimeError("tesseract exited with signal 11")

    monkeypatch.setattr(deliverables, "check_bytes", crash)
    error, queued = _run_on_a_deferring_backend(
        version, ["ig_square", "pinterest_pin"], django_capture_on_commit_callbacks
    )
    assert isinstance(error, RuntimeError)
    rows = list(ChannelRendition.objects.filter(version=version))
    assert len(rows) == 2 and {r.status for r in rows} == {ChannelRendition.Status.FAILED}
    for row in rows:
        assert row.error == (
            "Rendering failed unexpectedly (RuntimeError: tesseract exited with signal 11)."
        )
    assert queued == []
    # Nothing of the failed set was kept.
    assert get_image_model().get_rendition_model().objects.count() == rows_before


def test_an_unreachable_original_is_a_storage_failure_run_again(
    studio, s3_storages, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """S3 down while the master is read (before anything is written): the set is retried as a
    storage failure, not failed as an unexpected error; a missing original is still final
    (test_rendition_generation_when_the_original_vanished_from_s3)."""
    version = _current_version(studio, django_capture_on_commit_callbacks)
    settings.STORAGES = s3_storages_settings(f"http://127.0.0.1:{closed_port()}", "x", "y")
    use_rendition_storage(monkeypatch)

    error, queued = _run_on_a_deferring_backend(
        version, ["ig_square"], django_capture_on_commit_callbacks
    )
    assert isinstance(error, RenditionStorageError), repr(error)
    assert isinstance(error.__cause__, EndpointConnectionError)
    row = ChannelRendition.objects.get(version=version)
    assert row.status == ChannelRendition.Status.PENDING
    assert row.error.startswith(
        "The file storage failed while rendering: the original file could not be read"
    ), row.error
    assert [r.args for r in queued] == [[version.pk, ["ig_square"], 2]]


def test_the_template_tag_renders_nothing_when_the_storage_fails(
    studio, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    """``{% channel_rendition %}`` on a page whose rendition cannot be stored (a full disk)
    leaves the image out and logs why, as for an unreadable master: the page still renders."""
    from django.core.files.storage import FileSystemStorage
    from django.template import Context, Template

    version = _current_version(studio, django_capture_on_commit_callbacks)

    def full(self, name, content):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", full)
    html = Template(
        '{% load wagtail_lfcloud_tags %}[{% channel_rendition image "ig_square" %}]'
    ).render(Context({"image": version.image}))
    assert html == "[]"
    assert "No space left on device" in caplog.text


def test_the_renditions_command_stops_with_a_clear_error_when_the_storage_fails(
    studio, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.files.storage import FileSystemStorage
    from django.core.management import CommandError, call_command

    _current_version(studio, django_capture_on_commit_callbacks)

    def full(self, name, content):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", full)
    with pytest.raises(CommandError) as stopped:
        call_command("lfcloud_renditions", "--all", "--channel", "ig_square")
    message = str(stopped.value)
    assert "The file storage failed on" in message and "0/1 versions done" in message
    assert "No space left on device" in message and "Run the command again" in message
