"""Wagtail's own image screens (listing, search, chooser, edit) honour brands and stages."""

import pytest
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.permissions import policy_registry

from tests.factories import make_user
from tests.roles.helpers import make_brand_world
from wagtail_lfcloud.access import LFCloudImagePermissionPolicy
from wagtail_lfcloud.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def worlds():
    return make_brand_world("Acme"), make_brand_world("Zed")


def titles(response):
    return (
        {image.title for image in response.context["results"]}
        if "results" in response.context
        else set()
    )


def chooser_titles(client, **params):
    response = client.get(reverse("wagtailimages_chooser:choose_results"), params)
    assert response.status_code == 200
    return {image.title for image in response.context["results"]}


def listing_titles(client, **params):
    response = client.get(reverse("wagtailimages:index_results"), params)
    if response.status_code != 200:
        return None
    return {image.title for image in response.context["page_obj"]}


def test_the_package_policy_is_the_one_wagtail_uses():
    assert isinstance(policy_registry.get_by_type(get_image_model()), LFCloudImagePermissionPolicy)


EXPECTED_CHOOSER = {
    Role.BRAND_ADMIN: {"Acme raw", "Acme final", "Acme archived"},
    Role.APPROVER: {"Acme raw", "Acme final"},
    Role.STUDIO: {"Acme raw"},
    Role.MARKETER: {"Acme final"},
    Role.FINANCE: set(),
}


@pytest.mark.parametrize("role", list(EXPECTED_CHOOSER))
def test_chooser_shows_each_role_exactly_its_images(client, worlds, role):
    acme, _ = worlds
    client.force_login(acme.users[role])
    assert chooser_titles(client) == EXPECTED_CHOOSER[role]
    # Searching cannot widen it: the other brand's and other stages' files never match.
    assert chooser_titles(client, q="Zed") == set()
    assert chooser_titles(client, q="raw") == EXPECTED_CHOOSER[role] & {"Acme raw"}


def test_marketer_with_choose_on_the_whole_library_still_never_sees_raw_files(client, worlds):
    """Even if a site admin grants choose on the root collection, the stage rule holds."""
    from django.contrib.auth.models import Group, Permission
    from wagtail.models import Collection, GroupCollectionPermission

    acme, _ = worlds
    marketer = acme.users[Role.MARKETER]
    group = Group.objects.create(name="Everyone can choose")
    GroupCollectionPermission.objects.create(
        group=group,
        collection=Collection.get_first_root_node(),
        permission=Permission.objects.get(codename="choose_image"),
    )
    marketer.groups.add(group)
    client.force_login(marketer)
    assert chooser_titles(client) == {"Acme final"}


def test_listing_and_search_never_leak_another_brands_images(client, worlds):
    acme, _ = worlds
    client.force_login(acme.users[Role.BRAND_ADMIN])
    assert listing_titles(client) == {"Acme raw", "Acme final", "Acme archived"}
    assert listing_titles(client, q="Zed") == set()
    client.force_login(acme.users[Role.STUDIO])
    assert listing_titles(client) == {"Acme raw"}


def test_marketer_and_finance_have_no_image_listing(client, worlds):
    acme, _ = worlds
    for role in (Role.MARKETER, Role.FINANCE):
        client.force_login(acme.users[role])
        response = client.get(reverse("wagtailimages:index"))
        assert response.status_code in (302, 403)


@pytest.mark.parametrize(
    "role", [Role.BRAND_ADMIN, Role.APPROVER, Role.STUDIO, Role.MARKETER, Role.FINANCE]
)
def test_nobody_opens_another_brands_image(client, worlds, role):
    acme, zed = worlds
    client.force_login(acme.users[role])
    for image in (zed.raw, zed.final, zed.archived):
        for name in ("wagtailimages:edit", "wagtailimages:delete"):
            response = client.get(reverse(name, args=[image.pk]))
            assert response.status_code in (302, 403, 404), (name, image.title)
        chosen = client.get(reverse("wagtailimages_chooser:chosen", args=[image.pk]))
        assert chosen.status_code in (302, 403, 404)


def test_marketer_cannot_choose_a_raw_file_by_id(client, worlds):
    acme, _ = worlds
    client.force_login(acme.users[Role.MARKETER])
    assert client.get(reverse("wagtailimages_chooser:chosen", args=[acme.raw.pk])).status_code in (
        302,
        403,
        404,
    )
    assert (
        client.get(reverse("wagtailimages_chooser:chosen", args=[acme.final.pk])).status_code == 200
    )


def test_studio_edits_its_raw_files_but_not_finals(client, worlds):
    acme, _ = worlds
    client.force_login(acme.users[Role.STUDIO])
    assert client.get(reverse("wagtailimages:edit", args=[acme.raw.pk])).status_code == 200
    assert client.get(reverse("wagtailimages:edit", args=[acme.final.pk])).status_code in (302, 403)


def test_images_outside_brand_trees_are_left_to_wagtail(client, worlds):
    from tests.factories import make_image

    make_image(title="Site logo")
    superuser = make_user("root", superuser=True)
    client.force_login(superuser)
    assert "Site logo" in listing_titles(client)
    assert len(listing_titles(client)) == 7


def test_listing_query_count_does_not_grow_with_images(client, worlds):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_image
    from wagtail_lfcloud.catalog.library import collection_for_product

    acme, _ = worlds
    client.force_login(acme.users[Role.BRAND_ADMIN])
    listing_titles(client)  # warm caches (content types, site)
    with CaptureQueriesContext(connection) as few:
        listing_titles(client)
    for n in range(6):
        make_image(collection_for_product(acme.product, "raw"), title=f"more {n}")
    listing_titles(client)  # Wagtail makes the new images' thumbnails on first display
    with CaptureQueriesContext(connection) as many:
        assert len(listing_titles(client)) == 9
    assert len(many) == len(few)
