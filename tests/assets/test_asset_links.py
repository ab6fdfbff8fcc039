"""Where people land on an asset: the review page (look, comment, decide), never the generic
edit form; the details form, for brand admins, ticks channels and saves at once."""

import re

import pytest
from django.urls import reverse
from wagtail.admin.admin_url_finder import AdminURLFinder

from tests.api.conftest import approve
from tests.assets.test_review_cycle import NAME, upload
from tests.factories import make_asset, make_user

pytestmark = pytest.mark.django_db


def review(asset):
    return reverse("wagtail_lfcloud_admin:asset_review", args=[asset.pk])


def edit(asset):
    return reverse("wagtailsnippets_wagtail_lfcloud_asset:edit", args=[asset.pk])


def test_wagtails_links_to_an_asset_open_its_review(client, brand, product, studio, approver):
    asset = make_asset(product, "front")
    client.force_login(studio)
    upload(client, brand, NAME, size=(600, 600))
    assert AdminURLFinder(approver).get_edit_url(asset) == review(asset)

    # The dashboard's "Awaiting your review" (approver) and "Your objects in workflow" (studio).
    for person in (approver, studio):
        client.force_login(person)
        home = client.get(reverse("wagtailadmin_home")).content.decode()
        assert review(asset) in home
        assert edit(asset) not in home


def test_studios_and_approvers_following_an_edit_link_land_on_the_review(
    client, product, studio, approver
):
    asset = make_asset(product, "front")
    for person in (studio, approver):
        client.force_login(person)
        response = client.get(edit(asset))
        assert response.status_code == 302 and response["Location"] == review(asset)


def test_the_details_form_ticks_channels_and_only_saves(client, brand, product, approver):
    admin = make_user("boss", brand=brand, role="brand_admin")
    asset = make_asset(product, "front", channels=["amazon_main"])
    approve(asset, 1)  # live: Wagtail would keep edits as a draft revision
    asset.live = True
    asset.save(update_fields=["live"])
    client.force_login(admin)

    page = client.get(review(asset)).content.decode()
    assert "data-lfcloud-edit-details" in page and edit(asset) in page
    client.force_login(approver)
    assert "data-lfcloud-edit-details" not in client.get(review(asset)).content.decode()
    client.force_login(admin)

    page = client.get(edit(asset)).content.decode()
    assert not re.search(r'<textarea[^>]*name="channels"', page)  # no raw JSON
    assert re.search(
        r'<input[^>]*type="checkbox"[^>]*name="channels"[^>]*value="amazon_main"', page
    )
    assert "Save draft" not in page and "Publish" not in page
    assert review(asset) in page  # a way back to the review

    response = client.post(
        edit(asset),
        {
            "brand": brand.pk,
            "product": product.pk,
            "angle": "front",
            "order": "",
            "channels": ["amazon_main", "shopify_product"],
            "instructions": "Crop tighter",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    asset.refresh_from_db()
    assert asset.channels == ["amazon_main", "shopify_product"]
    assert asset.instructions == "Crop tighter"


def test_the_add_form_ticks_channels_and_only_saves(client, brand):
    client.force_login(make_user("boss", brand=brand, role="brand_admin"))
    page = client.get(reverse("wagtailsnippets_wagtail_lfcloud_asset:add")).content.decode()
    assert not re.search(r'<textarea[^>]*name="channels"', page)
    assert re.search(r'<input[^>]*type="checkbox"[^>]*name="channels"', page)
    assert "Save draft" not in page and "Publish" not in page
