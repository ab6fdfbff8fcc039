"""A clip in a real browser: the studio uploads it, the approver plays it on the review page and
places a time-coded comment pinned to a region of the frame, which the page then lists and marks
on the timeline."""

from __future__ import annotations

import json
import re

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.browser

SKU = "NW-1002"
NAME = f"{SKU}_2026-01_turntable-15s.mp4"
CLIP_SECONDS = 10


def test_play_a_clip_and_comment_at_a_time_code(login, example_site, tmp_path):
    pytest.importorskip("av", reason="video clips need the [video] extra (PyAV)")
    from playwright.sync_api import expect

    from tests.video.clips import make_clip

    # The order asks for a 15 s turntable of the sneaker (the demo's order has photos only).
    example_site.shell(
        "from wagtail_lfcloud.models import Asset, AssetKind, Product\n"
        f"p = Product.objects.get(sku={SKU!r})\n"
        "a, _ = Asset.objects.get_or_create(brand=p.brand, product=p, angle='turntable-15s', "
        "defaults={'kind': AssetKind.VIDEO, 'live': False})\n"
        "print(a.pk)"
    )
    clip = tmp_path / NAME
    # Long enough that the clip is still playing when the comment box is clicked, however long
    # the loaded machine takes between "played past 1 s" and the click (4 s once left 3 s).
    clip.write_bytes(make_clip(seconds=CLIP_SECONDS, size=(480, 360)))

    # The studio uploads it like a photo.
    studio = login("studio")
    studio.goto("/admin/lfcloud/upload/")
    studio.set_input_files("input[data-lfcloud-files]", [str(clip)])
    result = studio.locator("[data-lfcloud-upload-list] [data-lfcloud-result]")
    expect(result).to_have_count(1, timeout=120_000)
    expect(studio.locator("[data-lfcloud-upload-list] li")).to_contain_text("Sent for review")
    review = studio.locator("[data-lfcloud-upload-list] li a", has_text="Review")
    review_path = re.sub(r"^https?://[^/]+", "", review.get_attribute("href"))

    # The approver plays it on the review page.
    approver = login("approver")
    errors: list[str] = []
    approver.on("pageerror", lambda e: errors.append(str(e)))
    approver.goto(review_path)
    player = approver.locator("video[data-lfcloud-player]")
    expect(player).to_be_visible()
    approver.wait_for_function(
        "() => document.querySelector('video[data-lfcloud-player]').readyState >= 2"
    )
    # The preview (WebM) is what plays.
    assert player.evaluate("v => v.currentSrc").endswith("/preview/")
    approver.locator("[data-lfcloud-play]").click()
    approver.wait_for_function(
        "() => document.querySelector('video[data-lfcloud-player]').currentTime > 1.0",
        timeout=30_000,
    )
    expect(approver.locator("[data-lfcloud-play]")).to_have_text("Pause")
    # Writing a comment pauses the clip and takes its time code.
    approver.locator("[data-lfcloud-comment-form] textarea").click()
    assert player.evaluate("v => v.paused")
    stamped = float(approver.locator("input[name=time]").input_value())
    assert 1.0 < stamped < CLIP_SECONDS
    expect(approver.locator("[data-lfcloud-timecode-field]")).to_be_visible()
    expect(approver.locator("[data-lfcloud-timecode-label]")).to_have_text(re.compile(r"0:0\d\.\d"))
    # ... and a drag on the paused picture pins a region of that frame.
    box = approver.locator("[data-lfcloud-stage]").bounding_box()
    approver.mouse.move(box["x"] + box["width"] * 0.2, box["y"] + box["height"] * 0.2)
    approver.mouse.down()
    approver.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.6, steps=5)
    approver.mouse.up()
    expect(approver.locator("[data-lfcloud-draft]")).to_be_visible()
    approver.locator("[data-lfcloud-comment-form] textarea").fill("The logo is cut off here")
    screenshot(approver, "video-review")
    approver.get_by_role("button", name="Add comment").click()
    expect(approver.locator(".messages")).to_contain_text("Comment added")

    saved = json.loads(
        example_site.shell(
            "import json\nfrom wagtail_lfcloud.models import AssetComment\n"
            "c = AssetComment.objects.get(text='The logo is cut off here')\n"
            "print(json.dumps([c.time, c.x, c.w]))"
        ).splitlines()[-1]  # after Django's shell banner lines
    )
    assert saved[0] == pytest.approx(stamped, abs=0.01)
    assert saved[1] == pytest.approx(0.2, abs=0.05) and saved[2] == pytest.approx(0.3, abs=0.05)

    # The comment lists its time code, the timeline marks it, and both seek the player there.
    comment = approver.locator("[data-lfcloud-comments] [data-comment]", has_text="cut off")
    expect(comment.locator(".lfcloud-timecode")).to_be_visible()
    marker = approver.locator("[data-lfcloud-timeline] [data-lfcloud-seek]")
    expect(marker).to_have_count(1)
    approver.wait_for_function(
        "() => document.querySelector('video[data-lfcloud-player]').readyState >= 1"
    )
    player.evaluate("v => { v.currentTime = 0; }")
    marker.click()
    approver.wait_for_function(
        f"() => Math.abs(document.querySelector('video[data-lfcloud-player]').currentTime - {stamped}) < 0.1"
    )
    # At its time the pin is shown; far from it, hidden.
    pin = approver.locator(".lfcloud-pin[data-time]")
    expect(pin).to_be_visible()
    player.evaluate("v => { v.currentTime = 0; }")
    expect(pin).to_be_hidden()
    assert errors == []
