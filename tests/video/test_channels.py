"""Video channels: presets, compliance of the uploaded clip, transcodes on approval with
verdicts, and delivery (stable URL, API, bundle, webhook) of the clip and its poster."""

import io
from urllib.parse import urlsplit

import av
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.models import APIToken, TaskState

from tests.factories import make_asset, make_user
from tests.orders.conftest import make_order
from tests.video import clips
from tests.video.clips import make_clip
from wagtail_lfcloud.assets.uploads import upload_version
from wagtail_lfcloud.delivery.bundles import plan_bundle
from wagtail_lfcloud.models import (
    AssetKind,
    ChannelRendition,
    VersionStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from wagtail_lfcloud.orders.status import create_deliverables
from wagtail_lfcloud.video.compliance import check_clip
from wagtail_lfcloud.video.presets import BUILTIN_VIDEO_PRESETS, get_video_presets
from wagtail_lfcloud.video.probe import probe

pytestmark = pytest.mark.django_db

NAME = "SKU12345_2025-10_social-9x16.mp4"


def test_builtin_presets_cite_their_sources_and_the_setting_adds_overrides_removes(settings):
    presets = get_video_presets()
    assert list(presets) == [
        "amazon_video",
        "shopify_video",
        "instagram_reels",
        "tiktok",
        "web_loop",
    ]
    assert all(p.sources for p in presets.values())
    assert presets["web_loop"].transcode.audio_codec is None
    assert presets["tiktok"].rules["aspect"] == "9:16"
    settings.WAGTAIL_LFCLOUD_VIDEO_CHANNELS = {
        "tiktok": {"rules": {"max_seconds": 30}},  # merged into the built-in rules
        "web_loop": None,
        "pinterest_video": {
            "label": "Pinterest",
            "transcode": {"max_width": 1000, "max_height": 1500},
            "rules": {"aspect": "2:3"},
        },
    }
    presets = get_video_presets()
    assert "web_loop" not in presets and presets["pinterest_video"].transcode.max_width == 1000
    assert presets["tiktok"].rules["max_seconds"] == 30
    assert presets["tiktok"].rules["aspect"] == "9:16"
    assert BUILTIN_VIDEO_PRESETS["tiktok"]["rules"]["max_seconds"] == 60  # built-ins untouched


def test_bad_video_presets_fail_the_system_check(settings):
    from wagtail_lfcloud.checks import check_video_channels

    assert check_video_channels() == []
    settings.WAGTAIL_LFCLOUD_VIDEO_CHANNELS = {
        "amazon_main": {"label": "clash", "transcode": {}},
        "reels": {"rules": {"max_minutes": 2}},
    }
    [error] = check_video_channels()
    assert error.id == "wagtail_lfcloud.E061"
    assert "max_minutes" in error.msg


def test_an_order_line_gives_photos_their_channels_and_clips_theirs(brand, product):
    order = make_order(
        brand,
        [product],
        angles=["front", "social-9x16"],
        channels=["amazon_main", "tiktok", "web_loop"],
    )
    assets = {a.angle: a for a in create_deliverables(order)}
    assert assets["front"].channels == ["amazon_main"]
    assert assets["social-9x16"].channels == ["tiktok", "web_loop"]


def test_checks_on_facts():
    class Clip:
        container, video_codec, audio_codec = "mov,mp4,m4a,3gp,3g2,mj2", "hevc", ""
        width, height, fps, duration, bytes, bitrate = 1920, 1080, 25.0, 75.0, 9_000_000, 960_000

    rules = BUILTIN_VIDEO_PRESETS["tiktok"]["rules"]
    failed = {r.code for r in check_clip(Clip, rules) if r.status == "fail"}
    # H.265 is fine in an upload (the transcode makes H.264), not in a TikTok output.
    assert failed == {"video_codecs", "min_height", "aspect", "max_seconds", "audio"}
    failed = {r.code for r in check_clip(Clip, rules, source=True) if r.status == "fail"}
    assert failed == {"min_height", "aspect", "max_seconds", "audio"}


def test_a_clip_failing_its_channels_rules_comes_back_with_the_reasons(brand, product, workflow):
    studio = make_user("studio", brand=brand, role="studio")
    make_asset(product, "social-9x16", channels=["tiktok"], kind=AssetKind.VIDEO)
    # 4:3, 2 s and silent: TikTok wants 9:16, 5-60 s and sound.
    result = upload_version(
        SimpleUploadedFile(NAME, make_clip(seconds=2, audio=False)), brand=brand, user=studio
    )
    assert result.status == VersionStatus.CHANGES_REQUESTED
    assert "tiktok: The clip lasts 2.0 s; the channel wants at least 5 s." in result.message
    assert "the channel wants 9:16" in result.message
    assert "tiktok: The clip has no sound; the channel wants a sound track." in result.message
    assert "at least 720 px wide" in result.message


SMALL = {**clips.SMALL, "web_loop": {"transcode": {"video_options": {"preset": "ultrafast"}}}}


def test_approval_transcodes_each_channel_and_delivers_clip_and_poster(
    client, brand, product, workflow, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAIL_LFCLOUD_VIDEO_CHANNELS = SMALL
    settings.WAGTAIL_LFCLOUD_WEBHOOK_ALLOWED_HOSTS = ["hooks.example"]
    studio = make_user("studio", brand=brand, role="studio")
    approver = make_user("approver", brand=brand, role="approver")
    marketer = make_user("marketer", brand=brand, role="marketer")
    asset = make_asset(
        product, "turntable-15s", channels=["amazon_video", "web_loop"], kind=AssetKind.VIDEO
    )
    WebhookEndpoint.objects.create(
        brand=brand, name="shop", url="https://hooks.example/lfcloud", secret="s3cret"
    )
    data = make_clip(seconds=2, size=(320, 180))
    with django_capture_on_commit_callbacks(execute=True):
        version = upload_version(
            SimpleUploadedFile("SKU12345_2025-10_turntable-15s.mp4", data), brand=brand, user=studio
        ).version
    assert version.status == VersionStatus.IN_REVIEW
    step = TaskState.objects.for_instance(asset).filter(status="in_progress").get().specific
    with django_capture_on_commit_callbacks(execute=True):
        step.task.specific.on_action(step, approver, "approve")

    rows = {r.channel: r for r in ChannelRendition.objects.filter(version=version)}
    assert set(rows) == {"amazon_video", "web_loop"}
    amazon, loop = rows["amazon_video"], rows["web_loop"]
    for row in rows.values():
        assert row.status == "ready" and row.compliance_status == "pass", (
            row.error,
            row.compliance,
        )
        assert row.filter_spec == f"video:{row.channel}" and row.poster
    assert amazon.file_name == "SKU12345_2025-10_turntable-15s_amazon_video.mp4"
    with amazon.file.open("rb") as f:
        info = probe(io.BytesIO(f.read()), "out.mp4")
    assert (info.video_codec, info.audio_codec, info.width, info.height) == (
        "h264",
        "aac",
        320,
        180,
    )
    with loop.file.open("rb") as f, av.open(f) as out:
        assert not out.streams.audio  # the web loop is muted
    assert {r["code"] for r in amazon.compliance} >= {"aspect", "containers", "video_codecs"}

    # The webhook fires as for images, with the clip's poster.
    ready = WebhookDelivery.objects.filter(event="rendition.ready")
    assert ready.count() == 2
    payload = str(list(ready.values_list("payload", flat=True)))
    assert "poster_url" in payload and "amazon_video" in payload

    # The stable URL and the API serve the clip and its poster.
    token = APIToken.create_token(user=marketer, name="shop")[1]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    response = client.get(
        "/lfcloud/api/v1/renditions/acme/SKU12345/turntable-15s/amazon_video", **headers
    )
    assert response.status_code == 302 and response["Location"].endswith(".mp4")
    listed = client.get(f"/lfcloud/api/v1/versions/{version.pk}/renditions", **headers)
    assert listed.status_code == 200, listed.content
    by_channel = {r["channel"]: r for r in listed.json()["renditions"]}
    assert by_channel["web_loop"]["label"] == "Muted web loop (with poster)"
    assert by_channel["web_loop"]["url"].endswith(".mp4")
    assert by_channel["web_loop"]["poster_url"].endswith(".jpg")
    # The public links of the clip and its poster, for a storefront's <video poster=...>.
    public = by_channel["web_loop"]["public_url"]
    assert public and by_channel["web_loop"]["public_poster_url"] == public + "/poster.jpg"
    poster = client.get(urlsplit(by_channel["web_loop"]["public_poster_url"]).path)
    assert poster.status_code == 200 and poster["Content-Type"] == "image/jpeg"

    # The bundle holds each clip and its poster, named by the convention.
    plan = plan_bundle(marketer, "amazon_video", asset_ids=[asset.pk])
    assert [f.name for f in plan.files] == [
        "SKU12345_2025-10_turntable-15s_amazon_video.mp4",
        "SKU12345_2025-10_turntable-15s_amazon_video_poster.jpg",
    ]


def test_the_channel_reference_lists_every_builtin_video_preset_with_its_sources():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "reference" / "channels.md").read_text()
    for key, preset in BUILTIN_VIDEO_PRESETS.items():
        assert f"| `{key}` | {preset['label']} |" in text, key
        assert f"- `{key}`: " in text.split("### Video rule sources")[1], key
