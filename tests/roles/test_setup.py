"""Setting up a brand's role groups: creation with the brand, repair, the command, the audit log."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import CommandError, call_command
from wagtail.models import GroupCollectionPermission

from tests.factories import make_brand, make_user
from wagtail_lfcloud.access import assign_role, ensure_brand_roles, remove_role, role_group
from wagtail_lfcloud.models import BrandCollection, BrandLogEntry, BrandRole, Role

pytestmark = pytest.mark.django_db


def codenames(group):
    return set(group.permissions.values_list("codename", flat=True))


def collection_perms(group, app_label="wagtailimages"):
    """{(stage, codename)} the group holds on its brand's tree (image permissions by default)."""
    places = dict(
        BrandCollection.objects.filter(catalog__isnull=True, season__isnull=True).values_list(
            "collection_id", "stage"
        )
    )
    return {
        (places.get(c), p)
        for c, p in GroupCollectionPermission.objects.filter(
            group=group, permission__content_type__app_label=app_label
        ).values_list("collection_id", "permission__codename")
    }


def test_creating_a_brand_creates_its_five_groups():
    brand = make_brand("Acme")
    names = sorted(BrandRole.objects.filter(brand=brand).values_list("group__name", flat=True))
    assert names == [
        "Acme: Approver",
        "Acme: Brand admin",
        "Acme: Finance",
        "Acme: Marketer",
        "Acme: Studio (retoucher)",
    ]
    for group in Group.objects.filter(lfcloud_role__brand=brand):
        assert "access_admin" in codenames(group)


def test_each_role_gets_the_permissions_its_job_needs():
    brand = make_brand("Acme")
    admin, marketer, approver, studio, finance = (
        role_group(brand, r)
        for r in (Role.BRAND_ADMIN, Role.MARKETER, Role.APPROVER, Role.STUDIO, Role.FINANCE)
    )
    # Approvers must be able to publish, or Wagtail's final approval fails (PublishPermissionError).
    assert {"change_asset", "publish_asset", "view_asset"} <= codenames(approver)
    assert "publish_asset" not in codenames(studio) and "change_asset" in codenames(studio)
    assert not {
        c for c in codenames(marketer) if c.endswith("_asset") or c.endswith("_assetversion")
    }
    assert {"view_invoice", "view_order", "view_payment"} <= codenames(finance)
    assert "view_asset" not in codenames(finance) and "view_brief" not in codenames(finance)
    assert "view_invoice" not in codenames(studio)
    assert {"change_brand", "add_product", "delete_asset"} <= codenames(admin)
    assert "add_brand" not in codenames(admin)

    assert collection_perms(studio) == {
        ("raw", "add_image"),
        ("raw", "change_image"),
        ("raw", "choose_image"),
    }
    assert collection_perms(marketer) == {("finals", "choose_image")}
    assert collection_perms(approver) == {
        ("raw", "change_image"),
        ("raw", "choose_image"),
        ("finals", "change_image"),
        ("finals", "choose_image"),
    }
    assert collection_perms(admin) == {
        ("", "add_image"),
        ("", "change_image"),
        ("", "choose_image"),
    }
    assert collection_perms(finance) == set()
    # Brief references are Wagtail documents: admins manage them, the studio and approvers choose.
    assert collection_perms(admin, "wagtaildocs") == {
        ("", "add_document"),
        ("", "change_document"),
        ("", "choose_document"),
    }
    assert (
        collection_perms(studio, "wagtaildocs")
        == collection_perms(approver, "wagtaildocs")
        == {("", "choose_document")}
    )
    assert (
        collection_perms(marketer, "wagtaildocs")
        == collection_perms(finance, "wagtaildocs")
        == set()
    )


def test_running_again_repairs_and_creates_nothing_twice():
    brand = make_brand("Acme")
    studio = role_group(brand, Role.STUDIO)
    groups = Group.objects.count()
    # Someone edits the group by hand: an extra permission, a missing one, a finals grant.
    studio.permissions.add(Permission.objects.get(codename="view_invoice"))
    studio.permissions.remove(Permission.objects.get(codename="change_asset"))
    finals = BrandCollection.objects.get(
        brand=brand, stage="finals", catalog=None, season=None
    ).collection
    GroupCollectionPermission.objects.create(
        group=studio, collection=finals, permission=Permission.objects.get(codename="change_image")
    )
    ensure_brand_roles(brand)
    ensure_brand_roles(brand)
    assert Group.objects.count() == groups
    assert "view_invoice" not in codenames(studio) and "change_asset" in codenames(studio)
    assert ("finals", "change_image") not in collection_perms(studio)


def test_renaming_a_brand_renames_its_groups():
    brand = make_brand("Acme")
    brand.name = "Acme Shoes"
    brand.save()
    assert role_group(brand, Role.MARKETER).name == "Acme Shoes: Marketer"


def test_command_needs_a_brand_or_all():
    with pytest.raises(CommandError, match="--brand SLUG or --all"):
        call_command("lfcloud_roles")
    with pytest.raises(CommandError, match="No brand with slug 'nope'"):
        call_command("lfcloud_roles", brand="nope")


def test_command_repairs_a_deleted_group(capsys):
    brand = make_brand("Acme")
    role_group(brand, Role.FINANCE).delete()
    call_command("lfcloud_roles", brand="acme")
    assert BrandRole.objects.filter(brand=brand, role=Role.FINANCE).exists()
    assert "Acme: Finance" in capsys.readouterr().out
    call_command("lfcloud_roles", all=True)
    assert BrandRole.objects.filter(brand=brand).count() == 5


def test_role_changes_are_logged():
    brand = make_brand("Acme")
    boss = make_user("boss", brand=brand, role=Role.BRAND_ADMIN)
    ann = make_user("ann")
    assert assign_role(brand, Role.MARKETER, ann, by=boss) is True
    assert assign_role(brand, Role.MARKETER, ann, by=boss) is False
    assert ann.groups.filter(name="Acme: Marketer").exists()
    assert remove_role(brand, Role.MARKETER, ann, by=boss) is True
    entries = BrandLogEntry.objects.filter(action="wagtail_lfcloud.role_changed").order_by("pk")
    entries = [e for e in entries if e.data["member"] == "ann"]  # boss's setup is logged too
    assert [(e.data["member"], e.data["role"], e.data["change"], e.user_id) for e in entries] == [
        ("ann", "marketer", "added", boss.pk),
        ("ann", "marketer", "removed", boss.pk),
    ]


def test_the_brand_tree_is_restricted_to_the_people_who_handle_drafts_and_briefs():
    from wagtail.models import CollectionViewRestriction

    brand = make_brand("Acme")
    ensure_brand_roles(brand)
    top = BrandCollection.objects.get(brand=brand, stage="", catalog=None, season=None).collection
    restriction = CollectionViewRestriction.objects.get(collection=top)
    assert restriction.restriction_type == CollectionViewRestriction.GROUPS
    assert sorted(restriction.groups.values_list("name", flat=True)) == [
        "Acme: Approver",
        "Acme: Brand admin",
        "Acme: Studio (retoucher)",
    ]


def test_brief_documents_are_only_served_to_the_brands_own_people(client):
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    acme, zed = make_brand("Acme"), make_brand("Zedcorp")
    top = BrandCollection.objects.get(brand=acme, stage="", catalog=None, season=None).collection
    document = get_document_model()(title="Acme shoot brief", collection=top)
    document.file.save("brief.txt", ContentFile(b"secret brief"), save=True)
    url = document.url

    assert client.get(url).status_code == 302  # anonymous: to the login page
    client.force_login(make_user("zed_studio", brand=zed, role=Role.STUDIO))
    assert client.get(url).status_code in (302, 403)
    client.force_login(make_user("acme_marketer", brand=acme, role=Role.MARKETER))
    assert client.get(url).status_code in (302, 403)
    client.force_login(make_user("acme_studio", brand=acme, role=Role.STUDIO))
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"secret brief"


def test_role_changes_made_in_wagtails_user_and_group_editors_are_logged_too():
    brand = make_brand("Acme")
    ann, bob = make_user("ann"), make_user("bob")
    ann.groups.add(role_group(brand, Role.STUDIO))  # as Wagtail's user editor does
    role_group(brand, Role.FINANCE).user_set.add(bob)  # as Wagtail's group editor does
    ann.groups.remove(role_group(brand, Role.STUDIO))
    entries = BrandLogEntry.objects.filter(action="wagtail_lfcloud.role_changed").order_by("pk")
    assert [
        (e.data["member"], e.data["role"], e.data["change"], e.data["via"], e.user_id)
        for e in entries
    ] == [
        ("ann", "studio", "added", "another screen", None),
        ("bob", "finance", "added", "another screen", None),
        ("ann", "studio", "removed", "another screen", None),
    ]
