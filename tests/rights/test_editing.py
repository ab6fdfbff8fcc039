"""Usage rights: brand admins edit an asset's rights and a version's override, studios set an
order's default rights which its uploads inherit, and every change is in the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import image_upload, make_user
from tests.rights.conftest import login
from wagtail_lfcloud.assets.uploads import upload_version
from wagtail_lfcloud.models import BrandLogEntry, Order, OrderLine, Role, UsageRights

pytestmark = pytest.mark.django_db


def rights_url(asset, version=None):
    url = reverse("wagtail_lfcloud_admin:asset_rights", args=[asset.pk])
    return f"{url}?version={version.number}" if version else url


def form_data(**overrides):
    data = {
        "channels": ["amazon_main"],
        "territories": "de, at",
        "starts_at": "2026-01-01 00:00",
        "expires_at": "2027-01-01 00:00",
        "licensor": "Studio Nord",
        "reference": "LIC-42",
        "notes": "",
    }
    data.update(overrides)
    return data


def rights_log(obj):
    return BrandLogEntry.objects.filter(
        action="wagtail_lfcloud.rights_changed", object_id=str(obj.pk)
    ).order_by("pk")


def test_brand_admin_sets_the_assets_rights_and_the_change_is_logged(client, acme):
    admin = acme.users[Role.BRAND_ADMIN]
    response = login(client, admin).post(rights_url(acme.asset), form_data())
    assert response.status_code == 302
    rights = UsageRights.objects.get(asset=acme.asset)
    assert rights.channels == ["amazon_main"] and rights.territories == ["AT", "DE"]
    assert rights.licensor == "Studio Nord" and rights.updated_by == admin
    assert rights.expires_at == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)

    entry = rights_log(acme.asset).get()
    assert entry.user == admin and entry.data["scope"] == "asset"
    assert entry.data["changes"]["licensor"] == [None, "Studio Nord"]

    # A second save logs only what changed.
    client.post(rights_url(acme.asset), form_data(expires_at="2027-06-30 00:00"))
    last = rights_log(acme.asset).last()
    assert set(last.data["changes"]) == {"expires_at"}
    assert last.data["changes"]["expires_at"] == [
        "2027-01-01T00:00:00+00:00",
        "2027-06-30T00:00:00+00:00",
    ]

    # The review page shows the rights and the edit links.
    page = client.get(reverse("wagtail_lfcloud_admin:asset_review", args=[acme.asset.pk]))
    html = page.content.decode()
    assert "data-lfcloud-rights-panel" in html and "Studio Nord (LIC-42)" in html
    assert "data-lfcloud-edit-rights" in html


def test_a_version_override_differs_from_the_asset_and_can_be_removed(client, acme):
    admin = acme.users[Role.BRAND_ADMIN]
    login(client, admin).post(rights_url(acme.asset), form_data())
    client.post(rights_url(acme.asset, acme.version), form_data(licensor="Agency X", channels=[]))
    override = UsageRights.objects.get(version=acme.version)
    assert override.licensor == "Agency X" and override.channels == []
    assert UsageRights.objects.get(asset=acme.asset).licensor == "Studio Nord"
    assert rights_log(acme.asset).last().data["scope"] == "version 1"

    client.post(rights_url(acme.asset, acme.version), {**form_data(), "remove": "1"})
    assert not UsageRights.objects.filter(version=acme.version).exists()
    removed = rights_log(acme.asset).last()
    assert removed.data["changes"]["licensor"] == ["Agency X", None]


def test_invalid_terms_are_refused_with_the_reason(client, acme):
    login(client, acme.users[Role.BRAND_ADMIN])
    response = client.post(
        rights_url(acme.asset),
        form_data(starts_at="2027-01-01 00:00", expires_at="2026-01-01 00:00", territories="DEU"),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "must expire after they start" in html and "Not an ISO country code: DEU" in html
    assert not UsageRights.objects.exists()


@pytest.mark.parametrize("role", [Role.MARKETER, Role.APPROVER, Role.STUDIO, Role.FINANCE])
def test_only_brand_admins_edit_asset_rights(client, acme, role):
    login(client, acme.users[role])
    assert client.get(rights_url(acme.asset)).status_code == 404
    assert client.post(rights_url(acme.asset), form_data()).status_code == 404
    assert not UsageRights.objects.exists()


def test_another_brands_admin_gets_404(client, acme, zed):
    login(client, zed.users[Role.BRAND_ADMIN])
    assert client.post(rights_url(acme.asset), form_data()).status_code == 404
    order = Order.objects.create(brand=acme.brand, title="Shoot", currency="EUR")
    url = reverse("wagtail_lfcloud_admin:order_rights", args=[order.pk])
    assert client.post(url, form_data()).status_code == 404
    assert not UsageRights.objects.exists()


def test_releases_are_the_brands_documents(client, acme, zed):
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    from wagtail_lfcloud.catalog.library import ensure_brand_tree

    Document = get_document_model()
    ours = Document.objects.create(
        title="Acme model release",
        collection=ensure_brand_tree(acme.brand)[""],
        file=ContentFile(b"%PDF-1.4", name="release.pdf"),
    )
    theirs = Document.objects.create(
        title="Zedcorp release",
        collection=ensure_brand_tree(zed.brand)[""],
        file=ContentFile(b"%PDF-1.4", name="zed.pdf"),
    )
    login(client, acme.users[Role.BRAND_ADMIN])
    page = client.get(rights_url(acme.asset)).content.decode()
    assert "Acme model release" in page and "Zedcorp release" not in page
    response = client.post(rights_url(acme.asset), form_data(model_releases=[theirs.pk]))
    assert response.status_code == 200  # refused: not a choice
    client.post(rights_url(acme.asset), form_data(model_releases=[ours.pk]))
    rights = UsageRights.objects.get(asset=acme.asset)
    assert list(rights.model_releases.all()) == [ours]
    assert rights_log(acme.asset).last().data["changes"]["model_releases"] == [None, [ours.pk]]


def test_uploads_from_an_order_inherit_its_default_rights(client, acme):
    studio = acme.users[Role.STUDIO]
    order = Order.objects.create(brand=acme.brand, title="Spring shoot", currency="EUR")
    OrderLine.objects.create(order=order, product=acme.product, angles=["back"], quantity=1)
    from tests.factories import make_asset

    back = make_asset(acme.product, "back", order=order)

    # The studio sets the order's default rights from the order page.
    login(client, studio)
    detail = client.get(reverse("wagtail_lfcloud_admin:order_detail", args=[order.pk]))
    url = reverse("wagtail_lfcloud_admin:order_rights", args=[order.pk])
    assert url in detail.content.decode()
    assert client.post(url, form_data(licensor="Studio Nord")).status_code == 302
    assert rights_log(order).get().data["scope"] == "order defaults"

    upload_version(image_upload("ACME1_2025-10_back.png"), brand=acme.brand, user=studio)
    inherited = UsageRights.objects.get(asset=back)
    assert inherited.licensor == "Studio Nord" and inherited.territories == ["AT", "DE"]
    entry = rights_log(back).get()
    assert entry.data["inherited_from"] == (order.number or str(order.pk))

    # Rights already set on the asset are never overwritten by a later upload.
    inherited.licensor = "Changed by the brand"
    inherited.save()
    upload_version(
        image_upload("ACME1_2025-10_back.png", color=(0, 0, 0)), brand=acme.brand, user=studio
    )
    assert UsageRights.objects.get(asset=back).licensor == "Changed by the brand"


def test_marketers_and_finance_may_not_set_order_rights(client, acme):
    order = Order.objects.create(brand=acme.brand, title="Shoot", currency="EUR")
    url = reverse("wagtail_lfcloud_admin:order_rights", args=[order.pk])
    for role in (Role.MARKETER, Role.FINANCE, Role.APPROVER):
        login(client, acme.users[role])
        assert client.get(url).status_code == 404
    login(client, make_user("root", superuser=True))
    assert client.get(url).status_code == 200
    assert timezone.now()  # the page renders for superusers
