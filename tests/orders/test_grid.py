"""The live SKU x angle grid: its data, the JSON endpoint with ETag/304, scoping and query count."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_image, make_product, make_user
from wagtail_lfcloud.models import (
    AssetVersion,
    ChannelRendition,
    Order,
    OrderStatus,
    Role,
    VersionStatus,
)
from wagtail_lfcloud.orders.grid import THUMBNAIL_SPEC, build_grid
from wagtail_lfcloud.orders.status import create_deliverables

from .conftest import make_order


def add_version(asset, status=VersionStatus.IN_REVIEW, number=1, thumbnail=False):
    image = make_image(size=(8, 8))
    if thumbnail:
        image.get_rendition(THUMBNAIL_SPEC)
    return AssetVersion.objects.create(
        asset=asset,
        number=number,
        image=image,
        status=status,
        original_filename=f"{asset.product.sku}.png",
    )


def grid_url(order):
    return reverse("wagtail_lfcloud_admin:order_grid", args=[order.pk])


def cell(grid, sku, angle):
    row = next(r for r in grid["rows"] if r["sku"] == sku)
    return next(c for c in row["cells"] if c and c["angle"] == angle)


def test_grid_shows_each_cells_state_thumbnail_and_channel_readiness(order):
    assets = {(a.product.sku, a.angle): a for a in create_deliverables(order)}
    add_version(assets[("ACME001", "front")], VersionStatus.IN_REVIEW, thumbnail=True)
    approved = add_version(assets[("ACME001", "back")], VersionStatus.CURRENT)
    ChannelRendition.objects.create(
        version=approved, channel="amazon_main", filter_spec="x", status="ready"
    )
    add_version(assets[("ACME002", "front")], VersionStatus.CHANGES_REQUESTED)

    grid = build_grid(order)
    assert grid["angles"] == ["front", "back"]
    assert [r["sku"] for r in grid["rows"]] == ["ACME001", "ACME002"]
    front = cell(grid, "ACME001", "front")
    assert front["state"] == "in_review" and front["version"] == 1
    assert front["thumbnail"].endswith(".png")
    back = cell(grid, "ACME001", "back")
    assert back["state"] == "approved"
    assert back["channels"] == [{"key": "amazon_main", "ready": True}] and back["ready"] == 1
    assert cell(grid, "ACME002", "front")["state"] == "changes_requested"
    assert cell(grid, "ACME002", "back")["state"] == "awaiting_upload"
    assert grid["totals"]["cells"] == 4
    assert grid["totals"]["approved"] == 1
    assert grid["totals"]["percent_approved"] == 25


def test_cells_of_an_overdue_order_are_flagged_until_approved(order):
    Order.objects.filter(pk=order.pk).update(
        due_date=datetime.date(2000, 1, 1), status=OrderStatus.IN_PRODUCTION
    )
    order.refresh_from_db()
    assets = create_deliverables(order)
    add_version(assets[0], VersionStatus.CURRENT)
    grid = build_grid(order)
    flags = [c["overdue"] for r in grid["rows"] for c in r["cells"]]
    assert grid["order"]["overdue"] is True
    assert flags.count(False) == 1 and flags.count(True) == 3


def test_a_draft_order_shows_cells_not_created_yet(order):
    grid = build_grid(order)
    assert {c["state"] for r in grid["rows"] for c in r["cells"]} == {"not_created"}


def test_endpoint_answers_304_until_something_changes(client, order, users):
    assets = create_deliverables(order)
    client.force_login(users[Role.STUDIO])
    first = client.get(grid_url(order))
    assert first.status_code == 200
    etag = first["ETag"]
    assert first.json()["totals"]["awaiting_upload"] == 4

    unchanged = client.get(grid_url(order), headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged["ETag"] == etag

    version = add_version(assets[0])  # the studio uploads a file
    changed = client.get(grid_url(order), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["totals"]["in_review"] == 1
    etag = changed["ETag"]

    version.image.get_rendition(THUMBNAIL_SPEC)  # the background task made the thumbnail
    with_thumb = client.get(grid_url(order), headers={"If-None-Match": etag})
    assert with_thumb.status_code == 200
    assert cell(with_thumb.json(), "ACME001", "front")["thumbnail"]
    etag = with_thumb["ETag"]

    version.status = VersionStatus.CURRENT  # approved
    version.save()
    approved = client.get(grid_url(order), headers={"If-None-Match": etag})
    assert approved.status_code == 200
    assert approved.json()["totals"]["approved"] == 1
    assert (
        client.get(grid_url(order), headers={"If-None-Match": approved["ETag"]}).status_code == 304
    )


def test_a_change_committed_after_a_later_one_still_changes_the_etag(client, order, users):
    """Two workers make channel files at once: one saves its row first and commits last. The
    grid must not answer 304 after that commit, though the latest timestamp did not move."""
    assets = create_deliverables(order)
    version = add_version(assets[0], VersionStatus.CURRENT)
    first, second = (
        ChannelRendition.objects.create(
            version=version, channel=channel, filter_spec="x", status="pending"
        )
        for channel in ("amazon_main", "ig_square")
    )
    client.force_login(users[Role.STUDIO])
    etag = client.get(grid_url(order))["ETag"]

    saved_first = datetime.datetime.now(datetime.UTC)
    # The second worker's row commits: a change, the grid says so.
    ChannelRendition.objects.filter(pk=second.pk).update(
        status="ready", updated_at=saved_first + datetime.timedelta(seconds=1)
    )
    changed = client.get(grid_url(order), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    etag = changed["ETag"]
    # Then the first worker's row, saved before the second's, commits.
    ChannelRendition.objects.filter(pk=first.pk).update(status="ready", updated_at=saved_first)
    late = client.get(grid_url(order), headers={"If-None-Match": etag})
    assert late.status_code == 200
    assert late["ETag"] != etag
    assert client.get(grid_url(order), headers={"If-None-Match": late["ETag"]}).status_code == 304


def test_another_brands_users_get_404(client, order, other_brand):
    client.force_login(make_user("spy", brand=other_brand, role=Role.BRAND_ADMIN))
    assert client.get(grid_url(order)).status_code == 404
    assert (
        client.get(reverse("wagtail_lfcloud_admin:order_detail", args=[order.pk])).status_code
        == 404
    )


def test_marketers_cannot_see_orders(client, order, users):
    client.force_login(users[Role.MARKETER])
    assert client.get(grid_url(order)).status_code == 404


def _order_of_size(brand, n_skus, prefix):
    products = [make_product(brand, sku=f"{prefix}{i:04d}") for i in range(n_skus)]
    order = make_order(
        brand, products, angles=["front", "back", "side"], channels=["amazon_main", "ig_square"]
    )
    for i, asset in enumerate(create_deliverables(order)):
        if i % 2 == 0:
            version = add_version(
                asset,
                VersionStatus.CURRENT if i % 4 == 0 else VersionStatus.IN_REVIEW,
                thumbnail=i < 4,
            )
            ChannelRendition.objects.create(
                version=version, channel="amazon_main", filter_spec="x", status="ready"
            )
    return order


def _queries(client, url):
    client.get(url)  # warm the session and per-user caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("page", ["order_grid", "order_detail"])
def test_query_count_does_not_grow_with_the_order(client, brand, users, page):
    small = _order_of_size(brand, 2, "S")
    large = _order_of_size(brand, 30, "L")
    client.force_login(users[Role.BRAND_ADMIN])
    small_count = _queries(client, reverse(f"wagtail_lfcloud_admin:{page}", args=[small.pk]))
    large_count = _queries(client, reverse(f"wagtail_lfcloud_admin:{page}", args=[large.pk]))
    assert small_count == large_count


def test_endpoint_is_gzipped_for_browsers_and_its_weak_etag_still_gives_304(client, order, users):
    import gzip
    import json

    create_deliverables(order)
    client.force_login(users[Role.STUDIO])
    plain = client.get(grid_url(order))
    zipped = client.get(grid_url(order), headers={"Accept-Encoding": "gzip, deflate, br"})
    assert zipped.status_code == 200 and zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    assert json.loads(gzip.decompress(zipped.content)) == plain.json()
    # Django weakens the ETag of a gzipped response; the browser sends that one back.
    assert zipped["ETag"] == "W/" + plain["ETag"]
    again = client.get(
        grid_url(order), headers={"Accept-Encoding": "gzip", "If-None-Match": zipped["ETag"]}
    )
    assert again.status_code == 304


def test_a_cell_opens_the_review_page_not_the_generic_edit_form(client, order, users):
    assets = create_deliverables(order)
    add_version(assets[0])
    client.force_login(users[Role.APPROVER])
    cells = [
        c for r in client.get(grid_url(order)).json()["rows"] for c in r["cells"] if c and c["url"]
    ]
    assert cells
    for grid_cell in cells:
        assert grid_cell["url"] == reverse(
            "wagtail_lfcloud_admin:asset_review", args=[grid_cell["asset"]]
        )
    page = client.get(cells[0]["url"])
    assert page.status_code == 200
    html = page.content.decode()
    # The review page, where a person comments and decides; not the snippet form with its JSON textarea.
    assert 'name="channels"' not in html and "Save draft" not in html


def test_a_change_while_the_page_is_built_reaches_the_pages_poller(
    client, order, users, monkeypatch
):
    """A file uploaded between building the page's grid and its ETag still reaches the page.

    The order page built the grid, then fingerprinted the order: a version committed in between
    was in the ETag but not in the cells, so the page's poller got 304 until something else
    changed, and the page showed the cell awaiting upload.
    """
    from wagtail_lfcloud.views import orders

    assets = create_deliverables(order)
    real = orders.build_grid
    uploaded = []

    def build_grid_then_an_upload(order_, user=None):
        grid = real(order_, user)
        if not uploaded:  # the studio's upload lands right after the page read the grid
            uploaded.append(add_version(assets[0]))
        return grid

    monkeypatch.setattr(orders, "build_grid", build_grid_then_an_upload)
    client.force_login(users[Role.BRAND_ADMIN])
    page = client.get(reverse("wagtail_lfcloud_admin:order_detail", args=[order.pk]))
    assert page.context["grid"]["totals"]["in_review"] == 0
    monkeypatch.undo()
    polled = client.get(grid_url(order), headers={"If-None-Match": page.context["etag"]})
    assert polled.status_code == 200
    assert polled.json()["totals"]["in_review"] == 1
