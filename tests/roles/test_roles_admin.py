"""The Roles screen: the matrix for everyone, people and assignment only for a brand's own admins."""

import pytest
from django.urls import reverse

from tests.factories import make_brand, make_user
from wagtail_lfcloud.access import has_capability
from wagtail_lfcloud.models import BrandLogEntry, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme():
    return make_brand("Acme")


@pytest.fixture
def zed():
    return make_brand("Zed")


def test_matrix_lists_every_capability_and_role(client, acme):
    client.force_login(make_user("mia", brand=acme, role=Role.MARKETER))
    response = client.get(reverse("wagtail_lfcloud_admin:roles"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "data-lfcloud-role-matrix" in html
    assert "download_originals" in html and "Studio (retoucher)" in html
    # A marketer manages no roles: nobody's membership is shown to them.
    assert "data-lfcloud-role-members" not in html
    row = next(r for r in response.context["matrix"] if r["capability"] == "view_drafts")
    assert row["roles"] == [
        True,
        False,
        True,
        True,
        False,
    ]  # admin, marketer, approver, studio, finance


def test_brand_admin_sees_only_own_brands_people(client, acme, zed):
    make_user("zoe", brand=zed, role=Role.STUDIO)
    make_user("sam", brand=acme, role=Role.STUDIO)
    client.force_login(make_user("boss", brand=acme, role=Role.BRAND_ADMIN))
    html = client.get(reverse("wagtail_lfcloud_admin:roles")).content.decode()
    assert "sam" in html and "Acme" in html
    assert "zoe" not in html and "Zed" not in html
    assert client.get(reverse("wagtail_lfcloud_admin:roles_brand", args=["zed"])).status_code == 404
    response = client.post(
        reverse("wagtail_lfcloud_admin:roles_brand", args=["zed"]),
        {"user": "boss", "role": "brand_admin"},
    )
    assert response.status_code == 404
    assert not has_capability(make_user_fresh("boss"), zed, "view_catalog")


def make_user_fresh(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)


def test_brand_admin_adds_and_removes_people_and_it_is_logged(client, acme):
    boss = make_user("boss", brand=acme, role=Role.BRAND_ADMIN)
    ann = make_user("ann", email="ann@example.com")
    client.force_login(boss)
    url = reverse("wagtail_lfcloud_admin:roles_brand", args=["acme"])
    response = client.post(url, {"user": "ANN@example.com", "role": Role.APPROVER}, follow=True)
    assert "ann is now Approver for Acme" in response.content.decode()
    assert has_capability(make_user_fresh("ann"), acme, "review")
    response = client.post(url, {"remove": ann.pk, "role": Role.APPROVER}, follow=True)
    assert "ann is no longer Approver for Acme" in response.content.decode()
    assert not has_capability(make_user_fresh("ann"), acme, "review")
    changes = BrandLogEntry.objects.filter(action="wagtail_lfcloud.role_changed").order_by("pk")
    changes = [(e.data["member"], e.data["change"], e.data["via"], e.user_id) for e in changes]
    assert changes[-2:] == [
        ("ann", "added", "roles screen", boss.pk),
        ("ann", "removed", "roles screen", boss.pk),
    ]
    assert len(changes) == 3  # and boss's own setup, made outside the Roles screen


def test_bad_input_says_what_was_wrong(client, acme):
    client.force_login(make_user("boss", brand=acme, role=Role.BRAND_ADMIN))
    url = reverse("wagtail_lfcloud_admin:roles_brand", args=["acme"])
    before = BrandLogEntry.objects.filter(action="wagtail_lfcloud.role_changed").count()
    html = client.post(url, {"user": "nobody", "role": Role.MARKETER}).content.decode()
    assert "No active user has the username or email nobody." in html
    html = client.post(url, {"user": "boss", "role": "king"}).content.decode()
    assert "Select a valid choice" in html
    assert BrandLogEntry.objects.filter(action="wagtail_lfcloud.role_changed").count() == before


def test_brand_admin_cannot_remove_their_own_admin_role(client, acme):
    boss = make_user("boss", brand=acme, role=Role.BRAND_ADMIN)
    client.force_login(boss)
    url = reverse("wagtail_lfcloud_admin:roles_brand", args=["acme"])
    html = client.post(
        url, {"remove": boss.pk, "role": Role.BRAND_ADMIN}, follow=True
    ).content.decode()
    assert "You cannot remove your own brand admin role" in html
    assert has_capability(make_user_fresh("boss"), acme, "manage_roles")


def test_roles_menu_item_for_people_with_a_role(client, acme):
    client.force_login(make_user("fin", brand=acme, role=Role.FINANCE))
    html = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("wagtail_lfcloud_admin:roles") in html


def test_roles_page_header_reads_roles_and_every_capability_has_a_label(client, acme):
    from wagtail_lfcloud.access.capabilities import CAPABILITIES
    from wagtail_lfcloud.views.roles import CAPABILITY_LABELS

    client.force_login(make_user("mia", brand=acme, role=Role.MARKETER))
    response = client.get(reverse("wagtail_lfcloud_admin:roles"))
    # Wagtail's slim header shows the last breadcrumb as the title: it read "Home".
    assert response.context["breadcrumbs_items"][-1]["label"] == "Roles"
    assert not set(CAPABILITIES) - set(CAPABILITY_LABELS)


def test_every_admin_page_of_the_package_names_itself_in_the_header():
    """Wagtail's slim header shows the last breadcrumb; a view that adds none reads "Home"."""
    import importlib
    import inspect
    import pkgutil

    from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

    import wagtail_lfcloud.views as views

    nameless = []
    for info in pkgutil.iter_modules(views.__path__):
        module = importlib.import_module(f"wagtail_lfcloud.views.{info.name}")
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                cls.__module__ == module.__name__
                and issubclass(cls, WagtailAdminTemplateMixin)
                and hasattr(cls, "as_view")
                and cls.get_breadcrumbs_items is WagtailAdminTemplateMixin.get_breadcrumbs_items
            ):
                nameless.append(f"{module.__name__}.{name}")
    assert not nameless, f"Views whose header would read 'Home': {nameless}"
