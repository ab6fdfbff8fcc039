"""The optional modeladmin listings of orders and invoices.

Run with ``DJANGO_SETTINGS_MODULE=tests.settings_modeladmin pytest tests/modeladmin``;
skipped under the default settings.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import make_brand, make_user
from wagtail_lfcloud.models import Invoice, Order


@pytest.fixture
def data(db):
    mine, theirs = make_brand("Acme"), make_brand("Globex")
    order = Order.objects.create(brand=mine, title="Mine", currency="EUR")
    other = Order.objects.create(brand=theirs, title="Theirs", currency="EUR")
    invoice = Invoice.objects.create(
        order=order, number="INV-1", net_amount=Decimal(10), tax_rate=Decimal(10), currency="EUR"
    )
    return mine, order, other, invoice


def test_superuser_sees_orders_and_invoices(client, data):
    _mine, order, other, invoice = data
    client.force_login(make_user("root", superuser=True))
    html = client.get("/admin/wagtail_lfcloud/order/").content.decode()
    assert order.number in html and other.number in html
    html = client.get("/admin/wagtail_lfcloud/invoice/").content.decode()
    assert "INV-1" in html and "11.00" in html
    assert client.get(f"/admin/wagtail_lfcloud/invoice/inspect/{invoice.pk}/").status_code == 200


def test_listing_is_scoped_by_brand(data):
    from django.test import RequestFactory

    from wagtail_lfcloud.contrib.modeladmin.options import OrderModelAdmin
    from wagtail_lfcloud.models import Role

    mine, order, _other, _invoice = data
    request = RequestFactory().get("/")
    request.user = make_user("admin", brand=mine, role=Role.BRAND_ADMIN)
    assert list(OrderModelAdmin().get_queryset(request)) == [order]


FORMULAS = ['=HYPERLINK("http://evil.example","Click")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_csv_export_neutralises_formulas(client, data, formula):
    """The classic listing's CSV export prefixes formula-looking text with ' like the viewsets' exports."""
    import csv
    import io

    from wagtail_lfcloud.models import Role

    mine, order, _other, _invoice = data
    Order.objects.filter(pk=order.pk).update(title=formula)
    client.force_login(make_user("acme_admin", brand=mine, role=Role.BRAND_ADMIN))
    response = client.get("/admin/wagtail_lfcloud/order/?export=csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body, newline="")))
    assert [row["Title"] for row in rows] == ["'" + formula]
    assert "Theirs" not in body  # and the export is scoped like the listing


def test_other_brands_rows_are_404_like_unknown_ids(client, data):
    from wagtail_lfcloud.models import Role

    mine, _order, other, _invoice = data
    client.force_login(make_user("acme_admin", brand=mine, role=Role.BRAND_ADMIN))
    for action in ("inspect", "edit", "delete", "history"):
        theirs = client.get(f"/admin/wagtail_lfcloud/order/{action}/{other.pk}/")
        unknown = client.get(f"/admin/wagtail_lfcloud/order/{action}/{other.pk + 1000}/")
        assert theirs.status_code == unknown.status_code == 404, action
        assert theirs.content == unknown.content
        assert b"Theirs" not in theirs.content


def test_each_view_asks_for_the_action_model_access_names(client, data):
    """A person who is brand admin of Acme and studio of Globex edits Acme's orders; Globex's
    order they may inspect (studios view orders) but not edit or delete, nor see its invoice
    (404, as for an unknown id); finance of Acme edits its invoices, and reads but cannot edit
    its orders."""
    from tests.factories import role_group
    from wagtail_lfcloud.models import Role

    mine, order, other, invoice = data
    theirs = Invoice.objects.create(
        order=other, number="INV-2", net_amount=Decimal(5), tax_rate=Decimal(0), currency="EUR"
    )
    person = make_user("two_roles", brand=mine, role=Role.BRAND_ADMIN)
    person.groups.add(role_group(other.brand, Role.STUDIO))
    client.force_login(person)
    assert client.get(f"/admin/wagtail_lfcloud/order/edit/{order.pk}/").status_code == 200
    assert client.get(f"/admin/wagtail_lfcloud/order/inspect/{other.pk}/").status_code == 200
    for action in ("edit", "delete"):
        response = client.get(f"/admin/wagtail_lfcloud/order/{action}/{other.pk}/")
        assert response.status_code == 404, action
    assert client.get(f"/admin/wagtail_lfcloud/invoice/inspect/{theirs.pk}/").status_code == 404
    assert b"INV-2" not in client.get("/admin/wagtail_lfcloud/invoice/").content

    client.force_login(make_user("acme_finance", brand=mine, role=Role.FINANCE))
    assert client.get(f"/admin/wagtail_lfcloud/invoice/edit/{invoice.pk}/").status_code == 200
    assert client.get(f"/admin/wagtail_lfcloud/order/inspect/{order.pk}/").status_code == 200
    assert client.get(f"/admin/wagtail_lfcloud/order/edit/{order.pk}/").status_code == 404
