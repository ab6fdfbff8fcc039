"""Hard bounds on video work: each probe, poster and transcode runs in a child process limited
in memory (``VIDEO_MEMORY_LIMIT``) and time (``VIDEO_TASK_SECONDS``). A clip past them fails
that step with a message saying which limit, shown where people look, and the worker goes on."""

import multiprocessing
import os
import signal
import time

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from wagtail.models import TaskState

from tests.factories import make_asset, make_user
from tests.video.clips import SMALL, make_clip
from tests.video.conftest import NAME
from wagtail_lfcloud.assets.uploads import UploadRefused, upload_version
from wagtail_lfcloud.models import AssetKind, ChannelRendition, VersionClip, VersionStatus
from wagtail_lfcloud.video import bounded
from wagtail_lfcloud.video.bounded import StepFailed, StepTimedOut, run_bounded
from wagtail_lfcloud.video.tasks import make_clip_preview, transcode_clip_channels

pytestmark = pytest.mark.django_db

#: Far less than FFmpeg needs to open a decoder and an encoder for even a 320x180 clip.
TINY = 8 * 1024 * 1024


def approved_clip(brand, product, django_capture_on_commit_callbacks):
    studio = make_user("studio", brand=brand, role="studio")
    approver = make_user("approver", brand=brand, role="approver")
    asset = make_asset(product, "turntable-15s", channels=["amazon_video"], kind=AssetKind.VIDEO)
    data = make_clip(seconds=1, size=(320, 180))
    with django_capture_on_commit_callbacks(execute=True):
        version = upload_version(SimpleUploadedFile(NAME, data), brand=brand, user=studio).version
    step = TaskState.objects.for_instance(asset).filter(status="in_progress").get().specific
    with django_capture_on_commit_callbacks(execute=True):
        step.task.specific.on_action(step, approver, "approve")
    version.refresh_from_db()
    assert version.status == VersionStatus.CURRENT
    return version


def test_a_transcode_over_the_memory_limit_fails_with_the_reason_and_the_worker_goes_on(
    client, brand, product, workflow, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAIL_LFCLOUD_VIDEO_CHANNELS = SMALL
    version = approved_clip(brand, product, django_capture_on_commit_callbacks)
    assert ChannelRendition.objects.get(version=version).status == "ready"

    settings.WAGTAIL_LFCLOUD_VIDEO_MEMORY_LIMIT = TINY
    transcode_clip_channels.call(version.pk, ["amazon_video"])

    row = ChannelRendition.objects.get(version=version, channel="amazon_video")
    assert row.status == "failed"
    assert row.error.startswith("The transcode needed more memory than the 8.0\xa0MB a video step")
    assert "WAGTAIL_LFCLOUD_VIDEO_MEMORY_LIMIT" in row.error
    # Shown where people look for channel files: the admin's asset library.
    client.force_login(make_user(superuser=True))
    page = client.get(reverse("wagtail_lfcloud_admin:library")).content.decode()
    assert 'data-channel-failed="amazon_video"' in page
    assert "amazon_video could not be generated: The transcode needed more memory" in page

    # This process (the worker) is unharmed: with the default limit the same task succeeds.
    del settings.WAGTAIL_LFCLOUD_VIDEO_MEMORY_LIMIT
    transcode_clip_channels.call(version.pk, ["amazon_video"])
    row.refresh_from_db()
    assert (row.status, row.error, row.compliance_status) == ("ready", "", "pass")


def test_the_review_preview_over_the_memory_limit_fails_its_task_and_the_page_says_why(
    brand, video_asset, studio, approver, clip_bytes, settings, client
):
    version = upload_version(SimpleUploadedFile(NAME, clip_bytes), brand=brand, user=studio).version
    review = reverse("wagtail_lfcloud_admin:asset_review", args=[video_asset.pk])
    client.force_login(approver)
    assert "data-lfcloud-clip-preview-pending" in client.get(review).content.decode()

    settings.WAGTAIL_LFCLOUD_VIDEO_MEMORY_LIMIT = TINY
    with pytest.raises(StepFailed, match="The review preview needed more memory"):
        make_clip_preview.call(version.pk)
    clip = VersionClip.objects.get(version=version)
    assert not clip.preview
    assert clip.preview_error.startswith("The review preview needed more memory")
    # The review page no longer promises a preview that is not coming: it says why.
    html = client.get(review).content.decode()
    assert "data-lfcloud-clip-preview-pending" not in html
    assert "The review preview could not be made: The review preview needed more memory" in html

    # A later run that succeeds (the limit raised) clears the reason.
    del settings.WAGTAIL_LFCLOUD_VIDEO_MEMORY_LIMIT
    make_clip_preview.call(version.pk)
    clip.refresh_from_db()
    assert clip.preview and clip.preview_error == ""
    assert "could not be made" not in client.get(review).content.decode()


def test_an_upload_too_heavy_to_read_is_refused_with_the_reason(
    brand, video_asset, studio, settings
):
    # A few 4K frames (within VIDEO_MAX_DIMENSION): decoding one for the poster needs far more.
    data = make_clip(seconds=0.2, size=(3840, 2160), audio=False)
    settings.WAGTAIL_LFCLOUD_VIDEO_MEMORY_LIMIT = TINY
    with pytest.raises(UploadRefused) as refused:
        upload_version(SimpleUploadedFile(NAME, data), brand=brand, user=studio)
    assert refused.value.code == "too_large"
    assert f"Reading {NAME} needed more memory than the 8.0\xa0MB" in str(refused.value)
    assert not VersionClip.objects.exists()


def _hang():
    time.sleep(600)


def _crash():
    os.kill(os.getpid(), signal.SIGKILL)


class Unpicklable(Exception):
    def __init__(self, a, b):
        super().__init__(f"{a} and {b}")


def _raise_unpicklable():
    raise Unpicklable("this", "that")


def _raise_value_error():
    raise ValueError("a plain failure comes back as it is")


def test_a_step_fails_with_its_own_exception(settings):
    with pytest.raises(ValueError, match="a plain failure comes back as it is"):
        run_bounded(_raise_value_error, seconds=30)
    # One whose class cannot be rebuilt on this side comes back as its text.
    with pytest.raises(StepFailed, match="Unpicklable: this and that"):
        run_bounded(_raise_unpicklable, seconds=30)


def test_a_step_past_its_time_is_stopped(settings, monkeypatch):
    monkeypatch.setattr(bounded, "GRACE_SECONDS", 0.2)
    started = time.monotonic()
    with pytest.raises(StepTimedOut, match=r"The transcode did not finish in 0 s and was stopped"):
        run_bounded(_hang, seconds=0.1, what="The transcode")
    assert time.monotonic() - started < 30  # not the 600 s the step wanted
    assert multiprocessing.active_children() == []  # the child is gone


def test_a_step_that_crashes_fails_without_taking_the_process_down(settings):
    settings.WAGTAIL_LFCLOUD_VIDEO_MEMORY_LIMIT = None
    with pytest.raises(StepFailed, match=r"The transcode stopped unexpectedly \(signal 9\)"):
        run_bounded(_crash, seconds=30, what="The transcode")
    assert run_bounded(sum, [1, 2, 3], seconds=30) == 6


def _seen_in_child():
    return (
        os.getpid(),
        django_settings.WAGTAIL_LFCLOUD_VIDEO_MAX_SECONDS,
        translation.get_language(),
    )


def test_a_step_runs_apart_with_its_callers_settings_and_language(settings):
    """The child comes from the fork server (not a fork of this threaded process) and still
    reads the caller's overridden settings and speaks its language."""
    settings.WAGTAIL_LFCLOUD_VIDEO_MAX_SECONDS = 7
    with translation.override("de"):
        pid, longest, language = run_bounded(_seen_in_child, seconds=30)
    assert pid != os.getpid()
    assert (longest, language) == (7, "de")
