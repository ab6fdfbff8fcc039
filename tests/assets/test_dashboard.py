"""The marketer's first screen: newly approved finals of their brands, with channel files and
bundle actions; and the bundles listing says how to make a bundle while it is empty."""

import pytest
from django.urls import reverse

from tests.api.conftest import approve
from tests.assets.test_library import add_assets
from tests.factories import make_asset, make_brand, make_product, make_user

pytestmark = pytest.mark.django_db

HOME = "wagtailadmin_home"


def panel(response) -> str:
    page = response.content.decode()
    start = page.find('id="lfcloud-newly-approved-section"')
    assert start != -1, "no newly approved panel on the dashboard"
    return page[start : page.find("</section>", start)]


def test_marketer_sees_newly_approved_finals_of_their_brand_with_channel_files(
    client, workflow, brand, studio, approver, marketer
):
    (approved,) = add_assets(brand, studio, approver, 1)  # LIB000, approved through the workflow
    add_assets(brand, studio, approver, 1, start=1, approve=False)  # LIB001, a draft in review
    shoe = make_asset(make_product(brand, "SHOE-1"), "side", channels=["amazon_main"])
    approve(shoe, 1)  # with its Amazon file made
    other = make_brand("Other")
    approve(make_asset(make_product(other, "OTHER-9"), "front", channels=["amazon_main"]), 1)

    client.force_login(marketer)
    html = panel(client.get(reverse(HOME)))
    assert "LIB000" in html and "SHOE-1" in html
    assert "LIB001" not in html  # never a draft
    assert "OTHER-9" not in html  # never another brand's
    assert "by approver" in html  # who approved, when there was a workflow
    # The channel file: a link to the file and its stable URL.
    stable = "http://testserver/lfcloud/api/v1/renditions/acme/SHOE-1/side/amazon_main"
    assert stable in html
    assert 'download="' in html
    # The thumbnail (an existing preview) or its placeholder while a task makes it.
    assert "<img" in html or "data-lfcloud-thumb-pending" in html
    # "Make a bundle" of exactly the approved files listed, and it opens.
    link = (
        reverse("wagtail_lfcloud_admin:bundle_selection")
        + f"?asset={approved.pk}&amp;asset={shoe.pk}"
    )
    assert "data-lfcloud-make-bundle" in html and link in html
    assert client.get(link.replace("&amp;", "&")).status_code == 200


def test_marketer_with_nothing_approved_is_told_where_files_appear(client, brand, marketer):
    other = make_brand("Other")
    approve(make_asset(make_product(other, "OTHER-9"), "front", channels=["amazon_main"]), 1)
    client.force_login(marketer)
    html = panel(client.get(reverse(HOME)))
    assert "data-lfcloud-newly-approved-empty" in html and "OTHER-9" not in html


def test_finance_gets_no_finals_panel(client, brand):
    approve(make_asset(make_product(brand, "SHOE-1"), "side", channels=["amazon_main"]), 1)
    client.force_login(make_user("money", brand=brand, role="finance"))
    assert 'id="lfcloud-newly-approved-section"' not in client.get(reverse(HOME)).content.decode()


def test_empty_bundles_listing_says_how_to_make_one(client, brand, marketer):
    client.force_login(marketer)
    page = client.get(
        reverse("wagtailsnippets_wagtail_lfcloud_downloadbundle:list")
    ).content.decode()
    assert "No download bundles yet" in page
    assert reverse("wagtail_lfcloud_admin:library") in page
    assert "orders listing" not in page  # marketers do not see orders
    admin = make_user("boss", brand=brand, role="brand_admin")
    client.force_login(admin)
    page = client.get(
        reverse("wagtailsnippets_wagtail_lfcloud_downloadbundle:list")
    ).content.decode()
    assert reverse("wagtailsnippets_wagtail_lfcloud_order:list") in page


def test_the_marketers_first_screen_costs_the_same_queries_with_more_files(client, brand, marketer):
    """No query per row: the dashboard with 6 newly approved finals (each with channel files and a
    stable URL) runs as many queries as with 2."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def approve_some(start, n):
        for i in range(start, start + n):
            asset = make_asset(
                make_product(brand, f"QC-{i}"), "front", channels=["amazon_main", "shopify_product"]
            )
            approve(asset, 1, channels=("amazon_main", "shopify_product"))

    client.force_login(marketer)
    client.get(reverse(HOME))  # warm caches that are per process, not per row
    counts = []
    for start, n in ((0, 2), (2, 4)):
        approve_some(start, n)
        with CaptureQueriesContext(connection) as queries:
            html = panel(client.get(reverse(HOME)))
        assert html.count("data-lfcloud-stable-url") == 2 * (start + n)
        counts.append(len(queries))
    assert counts[0] == counts[1], f"{counts[0]} queries with 2 files, {counts[1]} with 6"
