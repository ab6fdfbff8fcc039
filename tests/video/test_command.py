"""``manage.py lfcloud_renditions`` (re)builds approved clips' video channel files too: after
workers were down, or after a video channel's settings changed."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from wagtail.models import TaskState

from tests.factories import make_asset, make_user
from tests.video.clips import SMALL, make_clip
from tests.video.conftest import NAME
from wagtail_lfcloud.assets.uploads import upload_version
from wagtail_lfcloud.models import AssetKind, ChannelRendition, VersionStatus

pytestmark = pytest.mark.django_db


def test_the_renditions_command_transcodes_approved_clips_then_skips_them(
    brand, product, workflow, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAIL_LFCLOUD_VIDEO_CHANNELS = SMALL
    studio = make_user("studio", brand=brand, role="studio")
    approver = make_user("approver", brand=brand, role="approver")
    asset = make_asset(product, "turntable-15s", channels=["amazon_video"], kind=AssetKind.VIDEO)
    data = make_clip(seconds=1, size=(320, 180))
    version = upload_version(SimpleUploadedFile(NAME, data), brand=brand, user=studio).version
    step = TaskState.objects.for_instance(asset).filter(status="in_progress").get().specific
    # Approved while the video workers are down: the transcode task never runs.
    with django_capture_on_commit_callbacks(execute=False):
        step.task.specific.on_action(step, approver, "approve")
    version.refresh_from_db()
    assert version.status == VersionStatus.CURRENT
    assert not ChannelRendition.objects.filter(version=version).exists()

    out = io.StringIO()
    call_command("lfcloud_renditions", "--brand", brand.slug, stdout=out)
    assert "1/1" in out.getvalue()
    row = ChannelRendition.objects.get(version=version, channel="amazon_video")
    assert (row.status, row.filter_spec, row.compliance_status) == (
        "ready",
        "video:amazon_video",
        "pass",
    )
    assert row.file.name.endswith(".mp4") and row.poster.name.endswith(".jpg")
    first = row.file.name

    out = io.StringIO()
    call_command("lfcloud_renditions", "--all", stdout=out)
    assert "Nothing to do" in out.getvalue()
    # A photo channel is not made from a clip; a video channel can be asked for by name.
    out = io.StringIO()
    call_command("lfcloud_renditions", "--all", "--channel", "amazon_main", stdout=out)
    assert "Nothing to do" in out.getvalue()
    call_command("lfcloud_renditions", "--all", "--channel", "amazon_video", "--force", stdout=out)
    row.refresh_from_db()
    assert row.status == "ready" and row.file.name != first
    assert not ChannelRendition.objects.filter(version=version, channel="amazon_main").exists()
