"""The library's filters: Wagtail's filter drawer and active-filter pills, and a refused filter is named."""

import pytest
from django.urls import reverse

from tests.assets.test_library import add_assets
from tests.factories import make_brand, make_user

pytestmark = pytest.mark.django_db

LIBRARY = "wagtail_lfcloud_admin:library"


def skus(response):
    return {v.asset.product.sku for v in response.context["versions"]}


def test_filters_are_in_wagtails_filter_drawer_with_active_filter_pills(
    client, workflow, brand, studio, approver
):
    add_assets(brand, studio, approver, 2)
    admin = make_user("brandadmin", brand=brand, role="brand_admin")
    client.force_login(admin)
    response = client.get(reverse(LIBRARY), {"sku": "LIB001"})
    page = response.content.decode()
    assert 'id="filters-drilldown"' in page  # the drawer of Wagtail's universal listings
    assert "---------" not in page
    assert skus(response) == {"LIB001"}
    pills = response.context["view"].active_filters
    assert [(f.field_label, f.value) for f in pills] == [("SKU", "LIB001")]
    assert "data-w-active-filter-id" in page
    # The drawer refreshes the results without reloading the page, through the results URL.
    results = client.get(reverse("wagtail_lfcloud_admin:library_results"), {"sku": "LIB000"})
    assert results.status_code == 200 and "<html" not in results.content.decode()
    assert skus(results) == {"LIB000"}


def test_brand_admin_filters_by_status_and_sees_their_brands_only(
    client, workflow, brand, studio, approver
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
        approve=False,
    )
    admin = make_user("brandadmin", brand=brand, role="brand_admin")
    client.force_login(admin)
    assert skus(client.get(reverse(LIBRARY))) == {"LIB000"}
    in_review = client.get(reverse(LIBRARY), {"status": "in_review"})
    assert skus(in_review) == {"LIB001"}
    assert [f.value for f in in_review.context["view"].active_filters] == ["In review"]
    # Another brand's id in the URL: named as not applied, and the listing stays the user's own.
    refused = client.get(reverse(LIBRARY), {"status": "all", "catalog": "999999", "sku": "LIB"})
    assert skus(refused) == {"LIB000", "LIB001"}
    assert "The Catalog filter was not applied" in refused.content.decode()


def test_marketer_asking_for_a_status_they_may_not_use_is_told_and_keeps_the_sku_filter(
    client, workflow, brand, studio, approver, marketer
):
    add_assets(brand, studio, approver, 2)
    add_assets(brand, studio, approver, 1, start=2, approve=False)
    client.force_login(marketer)
    response = client.get(reverse(LIBRARY), {"sku": "LIB001", "status": "in_review"})
    assert response.status_code == 200
    assert skus(response) == {"LIB001"}  # the SKU filter still applies, finals only
    assert {v.status for v in response.context["versions"]} == {"current"}
    page = response.content.decode()
    assert "data-lfcloud-refused-filters" in page
    assert "You see approved files only" in page and "In review" in page
    # Marketers are offered no status filter at all.
    assert "status" not in response.context["filters"].form.fields
    # Without a refused value, no warning.
    assert (
        "data-lfcloud-refused-filters"
        not in client.get(reverse(LIBRARY), {"sku": "LIB001"}).content.decode()
    )
