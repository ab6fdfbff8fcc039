"""Order lines ask for video deliverables next to angles; the shot list shows them."""

import pytest
from django.urls import reverse

from tests.factories import make_user
from tests.orders.conftest import make_order
from wagtail_lfcloud.models import AssetKind, OrderLine
from wagtail_lfcloud.orders.grid import build_grid
from wagtail_lfcloud.orders.status import create_deliverables, line_errors
from wagtail_lfcloud.viewsets.orders import OrderLineForm

pytestmark = pytest.mark.django_db


def test_a_line_with_a_video_deliverable_creates_a_video_asset(brand, product):
    order = make_order(brand, [product], angles=["front", "turntable-15s"])
    assets = {a.angle: a for a in create_deliverables(order)}
    assert assets["front"].kind == AssetKind.IMAGE
    assert assets["front"].channels == ["amazon_main"]
    clip = assets["turntable-15s"]
    assert clip.kind == AssetKind.VIDEO and clip.is_video
    # The line's photo channels do not apply to a clip.
    assert clip.channels == []


def test_unknown_video_deliverables_are_refused_and_the_form_offers_the_known_ones(brand, product):
    line = OrderLine(product=product, angles=["front", "unboxing-30s"], channels=[])
    errors = line_errors(line, brand.pk)
    assert "unboxing-30s" in errors["angles"][0]
    assert "turntable-15s" in errors["angles"][0]
    choices = dict(OrderLineForm.base_fields["angles"].choices)
    assert choices["turntable-15s"] == "Video: 15 s turntable"
    assert choices["social-9x16"] == "Video: 9:16 social cut"


def test_the_shot_list_shows_video_columns_and_cells(client, brand, product, settings):
    settings.WAGTAIL_LFCLOUD_VIDEO_DELIVERABLES = {"turntable-15s": "15 s turntable"}
    order = make_order(brand, [product], angles=["turntable-15s", "front"])
    create_deliverables(order)
    admin = make_user("boss", brand=brand, role="brand_admin")
    grid = build_grid(order, admin)
    # Photo angles first, then the video deliverables, whatever the line's order.
    assert grid["angles"] == ["front", "turntable-15s"]
    assert [c["label"] for c in grid["columns"]] == ["front", "Video: 15 s turntable"]
    front, clip = grid["rows"][0]["cells"]
    assert (front["video"], clip["video"]) == (False, True)
    assert clip["state"] == "awaiting_upload"
    client.force_login(admin)
    page = client.get(reverse("wagtail_lfcloud_admin:order_detail", args=[order.pk]))
    html = page.content.decode()
    assert 'data-video-column="turntable-15s">Video: 15 s turntable</th>' in html
    assert f'data-cell="{product.pk}:turntable-15s"><span class="lfcloud-cell__nothumb"' in html
    assert '<span class="lfcloud-cell__kind" data-kind="video">Video</span>' in html
