"""The asset library in a real browser: results on the first screen, filters in Wagtail's drawer,
and a filter the role may not use named on the page (the example site's demo data)."""

from __future__ import annotations

import pytest

from .conftest import VIEWPORT, screenshot

pytestmark = pytest.mark.browser


#: Northwind's current (approved) versions, counted in the site's database: two fronts in the demo
#: data, more once the tutorial's test (test_cycle.py) has approved its finals on the same site.
CURRENT_NORTHWIND = """
from wagtail_lfcloud.models import AssetVersion, VersionStatus
print(AssetVersion.objects.filter(status=VersionStatus.CURRENT, asset__brand__slug="northwind").count())
"""


def test_marketer_filters_the_library_in_the_drawer_with_results_above_the_fold(
    login, example_site
):
    from playwright.sync_api import expect

    current = int(example_site.shell(CURRENT_NORTHWIND).splitlines()[-1])
    assert current >= 2, "the demo data has two approved Northwind fronts"
    page = login("marketer")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/admin/lfcloud/library/")
    cards = page.locator("[data-lfcloud-library] li[data-version]")
    # Marketers see their brand's approved finals, all of them and nothing else.
    expect(cards).to_have_count(current)
    expect(page.locator("h1")).to_contain_text("Asset library")
    # No stack of form fields above the results: the first card starts on the first screen.
    assert cards.first.bounding_box()["y"] < VIEWPORT["height"] / 2
    sku = page.locator("input[name=sku]")
    expect(sku).to_be_hidden()

    page.get_by_role("button", name="Show filters").click()
    page.locator("#filters-drilldown .w-drilldown__toggle", has_text="SKU").click()
    expect(sku).to_be_visible()
    # Marketers are offered no status filter at all.
    expect(
        page.locator("#filters-drilldown .w-drilldown__toggle", has_text="Status")
    ).to_have_count(0)
    sku.fill("NW-1002")
    expect(cards).to_have_count(1)  # the results refresh in place
    expect(cards.first).to_contain_text("NW-1002")
    expect(page.locator("[data-w-active-filter-id]")).to_contain_text("NW-1002")

    # A status they may not use (from a colleague's link): said so, and the SKU still applies.
    page.goto("/admin/lfcloud/library/?sku=NW-1002&status=in_review")
    expect(page.locator("[data-lfcloud-refused-filters]")).to_contain_text(
        "You see approved files only"
    )
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("NW-1002")
    assert cards.first.bounding_box()["y"] < VIEWPORT["height"] * 0.75
    screenshot(page, "library-refused-filter")
    assert not errors, errors
