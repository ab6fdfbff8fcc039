"""Reviewing a clip: the player, time-coded comments, earlier feedback on the next version,
approval through the same workflow, and the player's files behind the poster's permission."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from wagtail.models import TaskState

from tests.factories import image_upload, make_asset
from tests.video.clips import make_clip
from tests.video.conftest import NAME
from wagtail_lfcloud.assets.uploads import upload_version
from wagtail_lfcloud.models import AssetComment, VersionStatus

pytestmark = pytest.mark.django_db


def review_url(asset, number=None):
    url = reverse("wagtail_lfcloud_admin:asset_review", args=[asset.pk])
    return url + (f"?version={number}" if number else "")


def comment_url(asset, version):
    return reverse("wagtail_lfcloud_admin:asset_comment", args=[asset.pk, version.pk])


def clip_url(version, which):
    return reverse("wagtail_lfcloud_admin:clip_file", args=[version.pk, which])


@pytest.fixture
def uploaded(brand, video_asset, studio, clip_bytes, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return upload_version(SimpleUploadedFile(NAME, clip_bytes), brand=brand, user=studio)


def test_the_review_page_plays_the_clip(client, approver, video_asset, uploaded):
    version = uploaded.version
    client.force_login(approver)
    html = client.get(review_url(video_asset)).content.decode()
    assert "<video" in html and "data-lfcloud-player" in html
    assert f'<source src="{clip_url(version, "preview")}" type="video/webm">' in html
    # Browsers that play H.264 can also play the original.
    assert f'<source src="{clip_url(version, "clip")}" type="video/mp4">' in html
    assert 'poster="' in html
    assert "320×240 h264 · 25 fps · 2.0 s · aac" in html
    assert 'name="time"' in html


def test_a_time_coded_comment_with_a_region(client, approver, video_asset, uploaded):
    version = uploaded.version
    client.force_login(approver)
    response = client.post(
        comment_url(video_asset, version),
        {"text": "Logo flickers here", "time": "1.25", "x": 0.1, "y": 0.2, "w": 0.3, "h": 0.3},
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    assert response.status_code == 200, response.content
    comment = AssetComment.objects.get()
    assert (comment.time, comment.time_code, comment.region) == (
        1.25,
        "0:01.2",
        (0.1, 0.2, 0.3, 0.3),
    )
    html = client.get(review_url(video_asset)).content.decode()
    assert 'data-lfcloud-seek="1.250"' in html  # the comment's time code and its timeline marker
    assert "left:62.50%" in html  # 1.25 s of 2 s on the timeline
    assert f'data-pin="{comment.pk}" data-time="1.250"' in html


def test_time_codes_past_the_end_or_on_a_photo_are_refused(
    client, brand, product, approver, studio, video_asset, uploaded, workflow
):
    client.force_login(approver)
    response = client.post(
        comment_url(video_asset, uploaded.version),
        {"text": "late", "time": "9"},
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    assert response.status_code == 400
    assert "past the clip's end (2.0 s)" in " ".join(response.json()["errors"])
    photo = make_asset(product, "front")
    photo_version = upload_version(
        image_upload("SKU12345_2025-10_front.png"), brand=brand, user=studio
    ).version
    response = client.post(
        comment_url(photo, photo_version),
        {"text": "when?", "time": "1"},
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    assert response.status_code == 400
    assert "Only comments on a video clip have a time code." in response.json()["errors"]
    assert AssetComment.objects.count() == 0


def test_feedback_request_changes_then_approve_the_next_clip(
    client, brand, approver, studio, video_asset, uploaded, django_capture_on_commit_callbacks
):
    v1 = uploaded.version
    AssetComment.objects.create(version=v1, author=approver, text="Too dark at the start", time=0.5)
    step = TaskState.objects.for_instance(video_asset).filter(status="in_progress").get().specific
    with django_capture_on_commit_callbacks(execute=True):
        step.task.specific.on_action(step, approver, "reject", comment="Brighter please")
    v1.refresh_from_db()
    assert v1.status == VersionStatus.CHANGES_REQUESTED

    with django_capture_on_commit_callbacks(execute=True):
        v2 = upload_version(
            SimpleUploadedFile(NAME, make_clip(seconds=1.0)), brand=brand, user=studio
        ).version
    client.force_login(approver)
    html = client.get(review_url(video_asset)).content.decode()
    assert "Earlier feedback" in html and "Too dark at the start" in html
    assert 'class="lfcloud-timeline__marker is-earlier" data-lfcloud-seek="0.500"' in html

    step = TaskState.objects.for_instance(video_asset).filter(status="in_progress").get().specific
    with django_capture_on_commit_callbacks(execute=True):
        step.task.specific.on_action(step, approver, "approve")
    v2.refresh_from_db()
    assert v2.status == VersionStatus.CURRENT and v2.approved_by == approver


def test_the_player_files_follow_the_posters_permission_and_answer_ranges(
    client,
    approver,
    marketer,
    video_asset,
    uploaded,
    clip_bytes,
    django_capture_on_commit_callbacks,
):
    version = uploaded.version
    client.force_login(approver)
    whole = client.get(clip_url(version, "clip"))
    assert whole.status_code == 200 and whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == clip_bytes
    part = client.get(clip_url(version, "clip"), headers={"range": "bytes=100-199"})
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(clip_bytes)}"
    assert b"".join(part.streaming_content) == clip_bytes[100:200]
    tail = client.get(clip_url(version, "clip"), headers={"range": "bytes=-10"})
    assert b"".join(tail.streaming_content) == clip_bytes[-10:]
    beyond = client.get(clip_url(version, "clip"), headers={"range": f"bytes={len(clip_bytes)}-"})
    assert beyond.status_code == 416
    preview = client.get(clip_url(version, "preview"))
    assert preview.status_code == 200 and preview["Content-Type"] == "video/webm"
    assert client.get(clip_url(version, "other")).status_code == 404

    # A marketer sees no file in review, and the approved clip once it is approved.
    client.force_login(marketer)
    assert client.get(clip_url(version, "clip")).status_code == 404
    step = TaskState.objects.for_instance(video_asset).filter(status="in_progress").get().specific
    with django_capture_on_commit_callbacks(execute=True):
        step.task.specific.on_action(step, approver, "approve")
    assert client.get(clip_url(version, "clip")).status_code == 200
    client.logout()
    assert client.get(clip_url(version, "clip")).status_code == 302  # to the login
