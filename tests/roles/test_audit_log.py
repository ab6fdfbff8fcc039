"""The audit log is read brand by brand: Wagtail's site history report, its filters and its CSV
export list only the lines of brands (and stages) the person may see; object history pages keep
working. The lines live in BrandLogEntry (wagtail_lfcloud.access.audit)."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from wagtail.images import get_image_model
from wagtail.log_actions import log, registry
from wagtail.models import Collection

from tests.factories import make_image, make_user
from tests.roles.helpers import make_brand_world
from wagtail_lfcloud.access import MODEL_ACCESS, assign_role
from wagtail_lfcloud.access.audit import audience_of, logged_models, visible_entries
from wagtail_lfcloud.models import Brand, BrandLogEntry, Role

pytestmark = pytest.mark.django_db

SITE_HISTORY = "wagtailadmin_reports:site_history_results"


@pytest.fixture
def worlds():
    return make_brand_world("Acme"), make_brand_world("Zedcorp")


def site_history(client, user, **params) -> str:
    client.force_login(user)
    response = client.get(reverse(SITE_HISTORY), params)
    assert response.status_code == 200
    return response.content.decode()


def test_every_package_model_and_the_image_model_log_to_brand_log_entries():
    for model in logged_models():
        assert registry.get_log_model_for_model(model) is BrandLogEntry, model
    assert {m.__name__ for m in logged_models()} >= set(MODEL_ACCESS)
    # Each model's "view" is one capability: that is what a line is stamped with.
    for name, access in MODEL_ACCESS.items():
        assert len(access.actions["view"]) == 1, name
    # Other models keep Wagtail's own log model.
    assert registry.get_log_model_for_model(Collection) is not BrandLogEntry
    # The site history unions the log models in this order; BrandLogEntry (no Meta.ordering) comes
    # first, or Django 6.1 refuses the union on SQLite.
    assert list(registry.get_log_entry_models())[0] is BrandLogEntry


def test_an_objects_lines_are_newest_first(worlds):
    acme, _ = worlds
    first = log(acme.product, "wagtail.edit")
    second = log(acme.product, "wagtail.publish")
    assert list(registry.get_logs_for_instance(acme.product)) == [second, first]


def test_lines_are_stamped_with_the_objects_brand(worlds):
    acme, zed = worlds
    entry = log(zed.product, "wagtail.edit", user=zed.users[Role.BRAND_ADMIN])
    assert (entry.brand_id, entry.capability) == (zed.brand.pk, "view_catalog")
    entry = log(zed.version, "wagtail.edit")
    assert (entry.brand_id, entry.capability) == (zed.brand.pk, "view_drafts")
    # Images: the brand whose library holds the collection, and the stage's capability.
    assert audience_of(acme.raw) == (acme.brand.pk, "view_drafts")
    assert audience_of(acme.final) == (acme.brand.pk, "view_finals")
    assert audience_of(acme.archived) == (acme.brand.pk, "view_drafts")
    loose = make_image(Collection.get_first_root_node(), title="Loose image")
    assert audience_of(loose) == (None, "")
    # Role changes are for the people who manage roles.
    assert audience_of(zed.brand, "wagtail_lfcloud.role_changed") == (zed.brand.pk, "manage_roles")


def test_site_history_lists_only_the_users_own_brands_lines(client, worlds):
    acme, zed = worlds
    log(acme.product, "wagtail.edit", user=acme.users[Role.BRAND_ADMIN])
    log(zed.product, "wagtail.edit", user=zed.users[Role.BRAND_ADMIN])
    log(
        zed.asset,
        "wagtail_lfcloud.original_downloaded",
        user=zed.users[Role.STUDIO],
        data={"version": 1},
    )

    for role in Role.values:
        html = site_history(client, acme.users[role])
        assert "Zedcorp" not in html, role
        assert "zedcorp_" not in html, f"{role} sees a Zedcorp user in the filters"
    # Positive control: the same page does list the own brand's line.
    assert "Acme sneaker" in site_history(client, acme.users[Role.MARKETER])
    # And a superuser sees both.
    admin = make_user("root", superuser=True)
    html = site_history(client, admin)
    assert "Acme sneaker" in html and "Zedcorp sneaker" in html


def test_the_csv_export_of_site_history_is_scoped_too(client, worlds):
    acme, zed = worlds
    log(acme.product, "wagtail.edit")
    log(zed.product, "wagtail.edit")
    client.force_login(acme.users[Role.BRAND_ADMIN])
    response = client.get(reverse("wagtailadmin_reports:site_history"), {"export": "csv"})
    body = (
        b"".join(response.streaming_content).decode()
        if response.streaming
        else response.content.decode()
    )
    assert response.status_code == 200
    assert "Acme sneaker" in body and "Zedcorp" not in body


def test_lines_follow_the_capability_within_a_brand(client, worlds):
    acme, _ = worlds
    log(
        acme.asset,
        "wagtail_lfcloud.version_uploaded",
        user=acme.users[Role.STUDIO],
        data={"version": 2},
    )
    marketer, studio, admin = (
        acme.users[r] for r in (Role.MARKETER, Role.STUDIO, Role.BRAND_ADMIN)
    )
    assign_role(acme.brand, Role.MARKETER, make_user("newcomer"), by=admin)

    def actions(user):
        return set(
            visible_entries(BrandLogEntry.objects.all(), user).values_list("action", flat=True)
        )

    # Marketers see approved finals only: no line about the asset's drafts.
    assert "wagtail_lfcloud.version_uploaded" not in actions(marketer)
    assert "wagtail_lfcloud.version_uploaded" in actions(studio)
    # Role changes: brand admins only.
    assert "wagtail_lfcloud.role_changed" in actions(admin)
    assert "wagtail_lfcloud.role_changed" not in actions(studio)
    assert "Version uploaded" not in site_history(client, marketer)


def test_image_lines_are_scoped_by_brand_and_stage(client, worlds):
    acme, zed = worlds
    loose = make_image(Collection.get_first_root_node(), title="Loose image")
    for image in (acme.raw, acme.final, zed.raw, zed.final, loose):
        log(image, "wagtail.edit")
    # A site editor who edits images everywhere by model permission and holds a role on Acme.
    editors = Group.objects.create(name="Site editors")
    # (Wagtail's rule asks for a permission on the log line's content type: the active image model's.)
    Image = get_image_model()
    editors.permissions.add(
        Permission.objects.get(
            codename=f"change_{Image._meta.model_name}",
            content_type=ContentType.objects.get_for_model(Image),
        )
    )
    person = acme.users[Role.MARKETER]
    person.groups.add(editors)

    html = site_history(client, person)
    assert "Loose image" in html  # outside every brand: Wagtail's rule
    assert "Acme final" in html  # a final of their brand
    assert "Acme raw" not in html  # marketers never see drafts
    assert "Zedcorp" not in html
    # The image model itself may be swapped; the lines are still found per image.
    assert registry.get_logs_for_instance(zed.raw).count() == 1
    assert get_image_model() in logged_models()


def test_object_history_of_an_own_brand_object_still_lists_its_lines(client, worlds):
    acme, _ = worlds
    log(acme.product, "wagtail.edit", user=acme.users[Role.BRAND_ADMIN])
    client.force_login(acme.users[Role.BRAND_ADMIN])
    url = reverse("wagtailsnippets_wagtail_lfcloud_product:history", args=[acme.product.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert "Edited" in response.content.decode()


def test_a_deleted_brands_lines_are_left_to_superusers(worlds):
    acme, zed = worlds
    log(zed.product, "wagtail.edit")
    zed_id = zed.brand.pk
    Brand.objects.filter(pk=zed_id).delete()
    assert BrandLogEntry.objects.filter(brand_id=zed_id).exists()
    assert not visible_entries(
        BrandLogEntry.objects.filter(brand_id=zed_id), acme.users[Role.BRAND_ADMIN]
    ).exists()
    root = make_user("root2", superuser=True)
    assert visible_entries(BrandLogEntry.objects.filter(brand_id=zed_id), root).exists()


def test_lines_of_a_model_without_a_brand_are_hidden_from_everyone_but_superusers(worlds):
    acme, _ = worlds
    # A line stamped with a capability but no brand (a broken chain) never matches a brand rule.
    entry = BrandLogEntry.objects.log_action(
        acme.product, "wagtail.edit", brand_id=None, capability="view_catalog"
    )
    assert not visible_entries(
        BrandLogEntry.objects.filter(pk=entry.pk), acme.users[Role.BRAND_ADMIN]
    ).exists()


def page_editor(user):
    """Give ``user`` what editors of the site's pages usually have: page permissions."""
    from wagtail.models import GroupPagePermission, Page

    group, _ = Group.objects.get_or_create(name="Page editors")
    root = Page.get_first_root_node()
    for codename in ("add_page", "change_page", "publish_page"):
        GroupPagePermission.objects.get_or_create(
            group=group,
            page=root,
            permission=Permission.objects.get(
                codename=codename, content_type__app_label="wagtailcore"
            ),
        )
    user.groups.add(group)
    return user


@pytest.mark.parametrize("report", ["workflow", "workflow_tasks"])
def test_workflow_reports_list_only_the_users_own_brands_files(client, worlds, report):
    acme, zed = worlds
    for world in worlds:
        world.asset.save_revision(user=world.users[Role.STUDIO], clean=False)
        world.asset.get_workflow().start(world.asset, world.users[Role.STUDIO])
    # Wagtail lists workflow states of every object whose *model* the user may change, once they
    # may edit pages at all: a studio member who also edits the site's pages.
    studio = page_editor(acme.users[Role.STUDIO])
    client.force_login(studio)
    html = client.get(reverse(f"wagtailadmin_reports:{report}_results")).content.decode()
    assert str(acme.asset) in html
    assert "Zedcorp" not in html and "zedcorp_" not in html
    # The report's own filters do not name the other brand's people either.
    html = client.get(reverse(f"wagtailadmin_reports:{report}")).content.decode()
    assert "zedcorp_" not in html
    # Nor does the spreadsheet export.
    response = client.get(reverse(f"wagtailadmin_reports:{report}"), {"export": "csv"})
    body = (
        b"".join(response.streaming_content).decode()
        if response.streaming
        else response.content.decode()
    )
    assert str(acme.asset) in body and "Zedcorp" not in body
