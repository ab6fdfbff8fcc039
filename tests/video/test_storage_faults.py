"""A clip's channel set when the file storage fails: like a photo's, it is the storage's fault,
not the clip's. The rows say so, the set runs again later on a backend that can defer tasks, and
the run after the storage is back makes the files; a transcode that fails is not run again."""

import pytest
from botocore.exceptions import EndpointConnectionError
from django.test import override_settings
from django.urls import reverse
from django_tasks import default_task_backend

from tests.factories import make_user
from tests.s3 import closed_port, s3_storages_settings
from tests.video.clips import SMALL
from tests.video.test_bounds import approved_clip
from wagtail_lfcloud.channels.errors import RenditionStorageError
from wagtail_lfcloud.models import ChannelRendition
from wagtail_lfcloud.video.tasks import transcode_clip_channels

pytestmark = pytest.mark.django_db

DEFERRING = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def down(settings, alias: str) -> dict:
    """STORAGES with ``alias`` on an S3 endpoint nobody answers."""
    closed = s3_storages_settings(f"http://127.0.0.1:{closed_port()}", "x", "y")["renditions"]
    return {**settings.STORAGES, alias: closed}


def run(*args, django_capture_on_commit_callbacks) -> tuple[BaseException, list]:
    """One worker run of the task on a backend that can defer; (what it raised, runs it queued)."""
    default_task_backend.clear()
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RenditionStorageError) as raised,
    ):
        transcode_clip_channels.call(*args)
    queued = [r for r in default_task_backend.results if r.task.name == "transcode_clip_channels"]
    return raised.value, queued


def test_channel_files_that_cannot_be_stored_are_made_again_once_the_storage_is_back(
    brand, product, workflow, settings, client, django_capture_on_commit_callbacks
):
    settings.WAGTAIL_LFCLOUD_VIDEO_CHANNELS = SMALL
    version = approved_clip(brand, product, django_capture_on_commit_callbacks)
    row = ChannelRendition.objects.get(version=version, channel="amazon_video")
    assert row.status == "ready"
    made = row.file.name
    working = settings.STORAGES
    settings.STORAGES = down(settings, "renditions")
    settings.WAGTAIL_LFCLOUD_RENDITION_MAX_ATTEMPTS = 3

    with override_settings(TASKS=DEFERRING):
        error, (second,) = run(
            version.pk,
            ["amazon_video"],
            django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
        )
        assert isinstance(error.__cause__, EndpointConnectionError)
        assert "amazon_video's file could not be stored" in str(error)
        assert second.args == [version.pk, ["amazon_video"], 2]
        assert second.task.run_after is not None
        row.refresh_from_db()
        # Waiting for its next run, and saying why; the file made before is still the row's.
        assert row.status == "pending"
        assert row.error.startswith("The file storage failed while rendering:")
        assert "Run 2 of 3" in row.error
        assert row.file.name == made

        client.force_login(make_user(superuser=True))
        page = client.get(reverse("wagtail_lfcloud_admin:library")).content.decode()
        assert 'data-channel-retrying="amazon_video"' in page
        assert 'data-channel-failed="amazon_video"' not in page

        # The last run queues no other and leaves the row failed, with the storage's reason.
        _error, (third,) = run(
            *second.args, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
        )
        _error, last = run(
            *third.args, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
        )
        assert last == []
        row.refresh_from_db()
        assert row.status == "failed" and "Run " not in row.error
        assert "The file storage failed" in row.error

    # The storage is back: the queued run makes the channel's file and poster again.
    settings.STORAGES = working
    assert transcode_clip_channels.call(*third.args) == [row.pk]
    row.refresh_from_db()
    assert (row.status, row.error, row.compliance_status) == ("ready", "", "pass")
    assert row.file.name != made and row.file.storage.exists(row.file.name)
    assert row.poster and row.poster.storage.exists(row.poster.name)


def test_a_clip_that_cannot_be_read_is_a_storage_failure_too(
    brand, product, workflow, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAIL_LFCLOUD_VIDEO_CHANNELS = SMALL
    version = approved_clip(brand, product, django_capture_on_commit_callbacks)
    working = settings.STORAGES
    alias = "private" if "private" in working else "default"
    settings.STORAGES = down(settings, alias)

    with override_settings(TASKS=DEFERRING):
        error, (again,) = run(
            version.pk,
            ["amazon_video"],
            django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
        )
    assert str(error).startswith("the clip could not be read")
    assert again.args[-1] == 2
    row = ChannelRendition.objects.get(version=version, channel="amazon_video")
    assert row.status == "pending" and "the clip could not be read" in row.error

    settings.STORAGES = working
    transcode_clip_channels.call(*again.args)
    row.refresh_from_db()
    assert (row.status, row.error) == ("ready", "")


def test_without_a_queue_backend_the_rows_say_the_storage_failed(
    brand, product, workflow, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAIL_LFCLOUD_VIDEO_CHANNELS = SMALL
    version = approved_clip(brand, product, django_capture_on_commit_callbacks)
    settings.STORAGES = down(settings, "renditions")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        transcode_clip_channels.enqueue(version.pk, ["amazon_video"])
    assert callbacks == []  # the immediate backend cannot defer: nothing queued
    row = ChannelRendition.objects.get(version=version, channel="amazon_video")
    assert row.status == "failed"
    assert row.error.startswith("The file storage failed while transcoding:")
    assert "The transcode failed" not in row.error


def test_a_missing_clip_fails_its_rows_and_is_not_run_again(
    brand, product, workflow, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAIL_LFCLOUD_VIDEO_CHANNELS = SMALL
    version = approved_clip(brand, product, django_capture_on_commit_callbacks)
    version.clip.file.storage.delete(version.clip.file.name)
    with (
        override_settings(TASKS=DEFERRING),
        django_capture_on_commit_callbacks(execute=True),
    ):
        default_task_backend.clear()
        transcode_clip_channels.call(version.pk, ["amazon_video"])
        assert not [
            r for r in default_task_backend.results if r.task.name == "transcode_clip_channels"
        ]
    row = ChannelRendition.objects.get(version=version, channel="amazon_video")
    assert row.status == "failed" and row.error.startswith("The clip's file cannot be read")
