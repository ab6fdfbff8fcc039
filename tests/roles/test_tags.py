"""Tags, collection names and user names in Wagtail's own screens stay within the brand.

Brand Acme tags its images with names nobody else should learn; every role of brand Zed asks
Wagtail's tag autocomplete, the image listing (its tag and collection filters), the image chooser
and the document listing, and must see none of them, nor Acme's collection or user names.
"""

import pytest
from django.urls import reverse
from wagtail.documents import get_document_model

from tests.roles.helpers import make_brand_world
from wagtail_lfcloud.access.tags import popular_tags_for, visible_tags
from wagtail_lfcloud.models import Role

pytestmark = pytest.mark.django_db

SECRETS = ["acme-secret-campaign", "acme-raw-retouch"]


@pytest.fixture
def worlds():
    acme, zed = make_brand_world("Acme"), make_brand_world("Zed")
    acme.final.tags.add("acme-secret-campaign", "shared-white")
    acme.raw.tags.add("acme-raw-retouch")
    zed.final.tags.add("zed-final-look", "shared-white")
    zed.raw.tags.add("zed-raw-retouch")
    return acme, zed


def autocomplete(client, term):
    response = client.get(reverse("wagtailadmin_tag_autocomplete"), {"term": term})
    assert response.status_code == 200
    return response.json()


def leaks(content: bytes, acme) -> list[str]:
    text = content.decode()
    names = SECRETS + ["Acme", *(user.get_username() for user in acme.users.values())]
    return [name for name in names if name in text]


#: What each Zed role may see of Zed's own tags (Finals need view_finals, Raw view_drafts).
OWN_TAGS = {
    Role.BRAND_ADMIN: ["zed-final-look", "zed-raw-retouch"],
    Role.APPROVER: ["zed-final-look", "zed-raw-retouch"],
    Role.STUDIO: ["zed-raw-retouch"],
    Role.MARKETER: ["zed-final-look"],
    Role.FINANCE: [],
}


@pytest.mark.parametrize("role", list(OWN_TAGS))
def test_tag_autocomplete_answers_only_reachable_tags(client, worlds, role):
    _acme, zed = worlds
    client.force_login(zed.users[role])
    assert autocomplete(client, "acme") == []
    assert autocomplete(client, "zed") == OWN_TAGS[role]
    # A tag both brands use is offered only if the user reaches one of its images.
    assert autocomplete(client, "shared") == (
        ["shared-white"] if "zed-final-look" in OWN_TAGS[role] else []
    )
    # The model-specific URL answers the same for taggit's tags.
    response = client.get(
        reverse("wagtailadmin_tag_model_autocomplete", args=["taggit", "tag"]), {"term": "acme"}
    )
    assert response.json() == []


def test_superusers_and_non_brand_tags_are_unaffected(worlds):
    from tests.factories import make_user

    root = make_user("root", superuser=True)
    assert set(SECRETS) <= set(visible_tags(root).values_list("name", flat=True))
    # A tag on something that is not an image or document (here the site) stays visible to all;
    # a document the user cannot reach hides its tags like an image does.
    from taggit.models import Tag, TaggedItem
    from wagtail.models import Site

    TaggedItem.objects.create(
        tag=Tag.objects.create(name="site-wide", slug="site-wide"),
        content_object=Site.objects.first(),
    )
    get_document_model().objects.create(title="Site terms").tags.add("terms-only")
    _acme, zed = worlds
    finance_sees = set(visible_tags(zed.users[Role.FINANCE]).values_list("name", flat=True))
    assert "site-wide" in finance_sees and "terms-only" not in finance_sees


@pytest.mark.parametrize("role", list(OWN_TAGS))
def test_image_listing_filters_and_chooser_show_nothing_of_the_other_brand(client, worlds, role):
    acme, zed = worlds
    client.force_login(zed.users[role])
    for url in (
        reverse("wagtailimages:index"),
        reverse("wagtailimages:index_results"),
        reverse("wagtailimages_chooser:choose"),
        reverse("wagtailimages_chooser:choose_results"),
        reverse("wagtaildocs:index"),
    ):
        response = client.get(url)
        assert not leaks(response.content, acme), (url, response.status_code)

    # Filtering the listing by another brand's tag is not an oracle either: the answer is the one
    # for a tag that does not exist (the name the user typed is echoed back, nothing else).
    def answer(tag):
        response = client.get(reverse("wagtailimages:index_results"), {"tag": tag})
        titles = (
            [image.title for image in response.context["page_obj"]]
            if response.status_code == 200
            else None
        )
        return (
            response.status_code,
            titles,
            response.content.replace(tag.encode(), b"TAG").count(b"TAG"),
        )

    assert answer("acme-secret-campaign") == answer("no-such-tag-anywhere")


def test_popular_tag_counts_count_only_reachable_images(worlds):
    from wagtail.images import get_image_model

    _acme, zed = worlds
    counts = {
        t.name: t.item_count
        for t in popular_tags_for(zed.users[Role.BRAND_ADMIN], get_image_model())
    }
    assert counts == {"shared-white": 1, "zed-final-look": 1, "zed-raw-retouch": 1}


def test_the_listing_tag_filter_offers_the_users_own_tags(client, worlds):
    _acme, zed = worlds
    client.force_login(zed.users[Role.STUDIO])
    response = client.get(reverse("wagtailimages:index"))
    assert response.status_code == 200
    choices = dict(response.context["filters"].filters["tag"].extra["choices"])
    assert set(choices) == {"zed-raw-retouch"}
