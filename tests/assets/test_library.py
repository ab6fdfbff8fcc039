"""The asset library and the Assets snippet listing: scoping, defaults, and constant query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from wagtail.models import TaskState

from tests.factories import image_upload, make_asset, make_brand, make_product, make_user
from wagtail_lfcloud.assets.uploads import upload_version
from wagtail_lfcloud.models import VersionStatus

pytestmark = pytest.mark.django_db


def approve_latest(asset, approver):
    step = TaskState.objects.for_instance(asset).filter(status="in_progress").get().specific
    step.task.specific.on_action(step, approver, "approve")


def add_assets(brand, studio, approver, count, start=0, approve=True):
    assets = []
    for i in range(start, start + count):
        product = make_product(brand, f"LIB{i:03d}")
        asset = make_asset(product, "front")
        upload_version(
            image_upload(f"LIB{i:03d}_2025-10_front.png", color=(i, i, i)), brand=brand, user=studio
        )
        if approve:
            approve_latest(asset, approver)
        # Channels are set afterwards so the tiny test images skip the compliance rules.
        type(asset).objects.filter(pk=asset.pk).update(channels=["amazon_additional"])
        assets.append(asset)
    return assets


def queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_library_query_count_does_not_grow_with_assets(client, workflow, brand, studio, approver):
    client.force_login(approver)
    url = reverse("wagtail_lfcloud_admin:library")
    add_assets(brand, studio, approver, 2)
    client.get(url)  # warm up renditions and caches
    few, response = queries_for(client, url)
    assert response.content.count(b"data-version=") == 2
    add_assets(brand, studio, approver, 4, start=2)
    client.get(url)
    many, response = queries_for(client, url)
    assert response.content.count(b"data-version=") == 6
    assert many == few


def test_assets_listing_query_count_does_not_grow(client, workflow, brand, studio, approver):
    client.force_login(approver)
    url = reverse("wagtailsnippets_wagtail_lfcloud_asset:list")
    add_assets(brand, studio, approver, 2)
    few, _ = queries_for(client, url)
    add_assets(brand, studio, approver, 3, start=2, approve=False)
    many, response = queries_for(client, url)
    assert b"LIB004" in response.content
    assert many == few


def test_library_shows_current_versions_by_default_and_the_archive_on_request(
    client, workflow, brand, studio, approver
):
    (asset,) = add_assets(brand, studio, approver, 1)
    type(asset).objects.filter(pk=asset.pk).update(channels=[])
    upload_version(
        image_upload("LIB000_2025-10_front.png", color=(9, 9, 9)), brand=brand, user=studio
    )
    approve_latest(asset, approver)
    type(asset).objects.filter(pk=asset.pk).update(channels=["amazon_additional"])
    client.force_login(approver)
    url = reverse("wagtail_lfcloud_admin:library")
    default = client.get(url).content
    assert (
        default.count(b'data-status="current"') == 1 and b'data-status="superseded"' not in default
    )
    archive = client.get(url, {"status": "superseded"}).content
    assert archive.count(b'data-status="superseded"') == 1
    by_sku = client.get(url, {"sku": "nomatch"}).content
    assert b"data-version=" not in by_sku
    missing = client.get(url, {"channel_readiness": "missing"}).content
    ready = client.get(url, {"channel_readiness": "ready"}).content
    # The channel set of the approved version is built on commit; inside this test it has not run.
    assert missing.count(b"data-version=") == 1 and b"data-version=" not in ready


def test_marketers_see_only_current_finals_of_their_brand(
    client, workflow, brand, studio, approver, marketer
):
    add_assets(brand, studio, approver, 1)
    add_assets(brand, studio, approver, 1, start=1, approve=False)
    other = make_brand("Other")
    add_assets(
        other,
        make_user("s2", brand=other, role="studio"),
        make_user("a2", brand=other, role="approver"),
        1,
        start=5,
    )
    client.force_login(marketer)
    library = client.get(reverse("wagtail_lfcloud_admin:library"), {"status": "superseded"})
    assert library.status_code == 200
    body = library.content
    assert b"LIB000" in body and b"LIB001" not in body and b"LIB005" not in body
    assert b'data-status="superseded"' not in body  # marketers cannot ask for the archive
    assert b"Approved by approver" in body  # who approved, for everyone who sees the file
    from wagtail_lfcloud.models import Asset
    from wagtail_lfcloud.viewsets.assets import scope_assets

    visible = scope_assets(Asset.objects.all(), marketer)
    assert [a.product.sku for a in visible] == ["LIB000"]
    assert all(a.versions.filter(status=VersionStatus.CURRENT).exists() for a in visible)


def test_asset_edit_form_offers_only_the_users_brands(client, workflow, brand, product):
    from wagtail_lfcloud.models import Product

    other = make_brand("Other")
    make_product(other, "OTHER-1")
    admin = make_user("brandadmin", brand=brand, role="brand_admin")
    asset = make_asset(product, "front")
    client.force_login(admin)
    response = client.get(reverse("wagtailsnippets_wagtail_lfcloud_asset:edit", args=[asset.pk]))
    assert response.status_code == 200
    choices = response.context["form"].fields["product"].queryset
    assert list(choices) == list(Product.objects.filter(brand=brand))
    listing = client.get(reverse("wagtailsnippets_wagtail_lfcloud_asset:list"))
    assert b"Upload files" in listing.content


def test_marketer_reaches_a_bundle_of_the_approved_files_from_the_library(
    client, workflow, brand, studio, approver, marketer
):
    """The library links marketers to a channel bundle of the current files they see, and only those."""
    (approved,) = add_assets(brand, studio, approver, 1)
    add_assets(brand, studio, approver, 1, start=1, approve=False)
    client.force_login(marketer)
    response = client.get(reverse("wagtail_lfcloud_admin:library"))
    link = response.context["bundle_url"]
    assert link == reverse("wagtail_lfcloud_admin:bundle_selection") + f"?asset={approved.pk}"
    assert b"data-lfcloud-bundle-link" in response.content
    assert client.get(link).status_code == 200
    client.force_login(studio)  # the studio may not download bundles: no link
    assert client.get(reverse("wagtail_lfcloud_admin:library")).context["bundle_url"] is None
