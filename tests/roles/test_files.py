"""Originals are only handed out by the permission-checked view, and every download is logged."""

import pytest
from django.urls import reverse

from tests.roles.helpers import make_brand_world
from wagtail_lfcloud.models import BrandLogEntry, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def worlds():
    return make_brand_world("Acme"), make_brand_world("Zed")


def url(version):
    return reverse("wagtail_lfcloud:original_file", args=[version.pk])


@pytest.mark.parametrize("role", [Role.BRAND_ADMIN, Role.APPROVER, Role.STUDIO])
def test_roles_that_handle_originals_download_them_with_their_upload_name(client, worlds, role):
    acme, _ = worlds
    client.force_login(acme.users[role])
    response = client.get(url(acme.draft_version))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == acme.raw.file.open("rb").read()
    assert 'filename="Acme1_front_v2.png"' in response["Content-Disposition"]
    entry = BrandLogEntry.objects.get(action="wagtail_lfcloud.original_downloaded")
    assert entry.user_id == acme.users[role].pk
    assert entry.object_id == str(acme.asset.pk)
    assert entry.data["version"] == 2


@pytest.mark.parametrize("role", [Role.MARKETER, Role.FINANCE])
def test_marketers_and_finance_never_get_originals(client, worlds, role):
    acme, _ = worlds
    client.force_login(acme.users[role])
    for version in (acme.version, acme.draft_version):
        response = client.get(url(version))
        assert response.status_code == 404
    assert not BrandLogEntry.objects.filter(action="wagtail_lfcloud.original_downloaded").exists()


def test_another_brands_original_answers_like_a_missing_one(client, worlds):
    acme, zed = worlds
    client.force_login(acme.users[Role.BRAND_ADMIN])
    other = client.get(url(zed.version))
    missing = client.get(reverse("wagtail_lfcloud:original_file", args=[999999]))
    assert other.status_code == missing.status_code == 404
    assert b"Zed" not in other.content


def test_anonymous_users_are_sent_to_log_in(client, worlds):
    acme, _ = worlds
    response = client.get(url(acme.version))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))


def test_post_is_refused(client, worlds):
    acme, _ = worlds
    client.force_login(acme.users[Role.STUDIO])
    assert client.post(url(acme.version)).status_code == 405


@pytest.mark.s3
def test_with_s3_the_download_is_a_short_lived_signed_redirect(client, s3_storages, settings):
    import urllib.request

    from tests.roles.helpers import make_brand_world as world

    settings.WAGTAIL_LFCLOUD_SIGNED_URL_EXPIRY = 120
    acme = world("Acme")
    client.force_login(acme.users[Role.STUDIO])
    response = client.get(url(acme.version))
    assert response.status_code == 302
    location = response["Location"]
    assert "Expires=" in location or "X-Amz-Expires=120" in location
    assert "Signature" in location
    with urllib.request.urlopen(location) as remote:
        assert remote.read() == acme.final.file.open("rb").read()
    assert BrandLogEntry.objects.filter(action="wagtail_lfcloud.original_downloaded").count() == 1
