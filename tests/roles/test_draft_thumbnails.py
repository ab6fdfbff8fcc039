"""Finance sees an order's states, counts and invoices, never a picture of a file in review
(docs/reference/roles.md: finance has neither ``view_drafts`` nor ``view_finals``)."""

import pytest
from django.urls import reverse

from tests.roles.helpers import make_full_world
from wagtail_lfcloud.assets.previews import THUMBNAIL_SPEC
from wagtail_lfcloud.models import Role

pytestmark = pytest.mark.django_db


def grid_cell(payload):
    return next(c for row in payload["rows"] for c in row["cells"] if c)


@pytest.fixture
def acme():
    world = make_full_world("Acme")
    world.raw.get_rendition(THUMBNAIL_SPEC)  # the in-review version's thumbnail exists
    return world


def test_finance_gets_no_draft_thumbnail_on_the_order_page_or_in_the_grid_json(client, acme):
    thumbnail = acme.raw.get_rendition(THUMBNAIL_SPEC)
    client.force_login(acme.users[Role.FINANCE])
    page = client.get(reverse("wagtail_lfcloud_admin:order_detail", args=[acme.order.pk]))
    grid = client.get(reverse("wagtail_lfcloud_admin:order_grid", args=[acme.order.pk]))
    assert page.status_code == grid.status_code == 200
    cell = grid_cell(grid.json())
    assert cell["state"] == "in_review" and cell["version"] == 2  # status and counts are there
    assert cell["thumbnail"] is None
    for body in (page.content.decode(), grid.content.decode()):
        assert "lfcloud-cell__thumb" not in body
        assert "/admin/lfcloud/files/" not in body
        assert thumbnail.file.name.rsplit("/", 1)[-1] not in body
    assert acme.invoice.number in page.content.decode()


@pytest.mark.parametrize("role", [Role.BRAND_ADMIN, Role.APPROVER, Role.STUDIO])
def test_people_who_may_see_drafts_get_the_thumbnail_through_the_file_view(client, acme, role):
    client.force_login(acme.users[role])
    cell = grid_cell(
        client.get(reverse("wagtail_lfcloud_admin:order_grid", args=[acme.order.pk])).json()
    )
    assert cell["thumbnail"].startswith("/admin/lfcloud/files/")
    response = client.get(cell["thumbnail"])
    assert response.status_code == 200
    assert (
        b"".join(response.streaming_content)
        == acme.raw.get_rendition(THUMBNAIL_SPEC).file.open("rb").read()
    )
