"""Leaks the package cannot close from inside today; each test flips to passing once fixed (strict xfail)."""

import pytest
from django.urls import reverse
from wagtail.log_actions import log

from tests.factories import make_brand, make_product, make_user
from wagtail_lfcloud.models import Role

pytestmark = pytest.mark.django_db


@pytest.mark.xfail(
    strict=True,
    reason="Wagtail's site history report filters ModelLogEntry by model permission only "
    "(viewable_by_user), so log entries of another brand's objects are listed. Fix: a brand-aware "
    "log entry model registered for the package's models (see docs/reference/roles.md, known gaps).",
)
def test_site_history_does_not_show_another_brands_log_entries(client):
    acme, zed = make_brand("Acme"), make_brand("Zedcorp")
    product = make_product(zed, sku="ZED1", name="Zedcorp sneaker")
    log(product, "wagtail.edit", user=None)
    client.force_login(make_user("mia", brand=acme, role=Role.MARKETER))
    response = client.get(reverse("wagtailadmin_reports:site_history_results"))
    assert "Zedcorp" not in response.content.decode()
