"""Usage rights at every delivery path, before, during and after the rights window.

The stable URL answers 451 with the reason, so does the signed public URL (with no image), the API
marks the asset and withholds the channel file's URL, bundles leave the file out and say so in the
zip, the dashboard's download links and the library show a badge instead. (The admin's original
downloads and stored bundles: ``tests/rights/test_enforcement.py``.) Everything asks one function: ``delivery.rights.deliverable``.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from tests.factories import make_user
from wagtail_lfcloud.delivery.rights import deliverable
from wagtail_lfcloud.models import BrandLogEntry, Role, UsageRights

from .conftest import API, auth

pytestmark = pytest.mark.django_db

URL = f"{API}/renditions/acme/SKU12345/front/amazon_main"
START = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
#: Moments before, during and after the window, and what the stable URL answers then.
PHASES = [
    ("before", START - dt.timedelta(days=1), 451, "rights_not_started"),
    ("during", START + dt.timedelta(days=30), 302, None),
    ("after", END + dt.timedelta(seconds=1), 451, "rights_expired"),
]


@pytest.fixture
def rights(approved_asset):
    return UsageRights.objects.create(
        brand=approved_asset.brand,
        asset=approved_asset,
        starts_at=START,
        expires_at=END,
        channels=["amazon_main", "shopify"],
        territories=["DE", "AT"],
        licensor="Studio Nord",
    )


def zip_names(response) -> dict[str, bytes]:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_the_verdict_of_every_kind(approved_asset, rights):
    version = approved_asset.current_version
    assert deliverable(version, "amazon_main", at=START).code == "ok"
    assert deliverable(version, "amazon_main", at=START - dt.timedelta(seconds=1)).code == (
        "not_started"
    )
    assert deliverable(version, "amazon_main", at=END).code == "expired"
    assert deliverable(version, "email_product", at=START).code == "channel_not_allowed"
    assert deliverable(version, "amazon_main", at=START, territory="fr").code == (
        "territory_not_allowed"
    )
    assert deliverable(version, "amazon_main", at=START, territory="de")
    rights.delete()
    assert deliverable(approved_asset.current_version, "amazon_main").code == "unrestricted"


@pytest.mark.parametrize(("phase", "moment", "status", "code"), PHASES, ids=[p[0] for p in PHASES])
def test_stable_url_before_during_after(client, tokens, rights, phase, moment, status, code):
    with freeze_time(moment):
        response = client.get(URL, **auth(tokens[Role.MARKETER]))
    assert response.status_code == status
    if code:
        problem = response.json()
        assert problem["code"] == code
        assert "SKU12345 front" in problem["detail"] and "2026" in problem["detail"]


def test_stable_url_refuses_other_channels_and_territories(client, tokens, rights, approved_asset):
    from tests.api.conftest import approve

    approve(approved_asset, 2, channels=("amazon_main", "email_product"))
    token = tokens[Role.MARKETER]
    with freeze_time(START + dt.timedelta(days=1)):
        other = client.get(f"{API}/renditions/acme/SKU12345/front/email_product", **auth(token))
        assert other.status_code == 451
        assert other.json()["code"] == "rights_channel_not_allowed"
        assert client.get(f"{URL}?territory=FR", **auth(token)).status_code == 451
        assert client.get(f"{URL}?territory=de", **auth(token)).status_code == 302


def test_a_cached_redirect_stops_when_the_rights_expire(client, tokens, rights):
    token = tokens[Role.MARKETER]
    with freeze_time(END - dt.timedelta(seconds=30)):
        assert client.get(URL, **auth(token)).status_code == 302
        assert client.get(URL, **auth(token)).status_code == 302  # from the cache
    # Nobody saved anything: the cached target knows when its rights end.
    with freeze_time(END + dt.timedelta(seconds=1)):
        assert client.get(URL, **auth(token)).status_code == 451


def test_editing_rights_takes_effect_at_once(client, tokens, rights):
    token = tokens[Role.MARKETER]
    with freeze_time(START + dt.timedelta(days=1)):
        assert client.get(URL, **auth(token)).status_code == 302
        rights.channels = ["shopify"]
        rights.save()
        assert client.get(URL, **auth(token)).json()["code"] == "rights_channel_not_allowed"


@pytest.mark.parametrize(("phase", "moment", "status", "code"), PHASES, ids=[p[0] for p in PHASES])
def test_api_marks_the_asset_and_withholds_the_url(
    client, tokens, approved_asset, rights, phase, moment, status, code
):
    token = tokens[Role.MARKETER]
    with freeze_time(moment):
        asset = client.get(f"{API}/assets/{approved_asset.pk}", **auth(token)).json()
        listed = client.get(f"{API}/assets", **auth(token)).json()["results"][0]
        renditions_url = asset["current_version"]["renditions_url"]
        renditions = client.get(renditions_url, **auth(token)).json()["renditions"]
    expected = code.removeprefix("rights_") if code else "ok"
    assert asset["rights"]["status"] == expected == listed["rights"]["status"]
    assert asset["rights"]["deliverable"] is (status == 302)
    assert asset["rights"]["expires_at"].startswith("2026-09-01")
    [main] = [r for r in renditions if r["channel"] == "amazon_main"]
    assert main["rights"]["status"] == expected
    assert (main["url"] is not None) is (status == 302)
    assert main["status"] == "ready"


def test_api_without_rights_says_unrestricted(client, tokens, approved_asset):
    asset = client.get(f"{API}/assets/{approved_asset.pk}", **auth(tokens[Role.MARKETER])).json()
    assert asset["rights"]["status"] == "unrestricted" and asset["rights"]["deliverable"]


@pytest.mark.parametrize(("phase", "moment", "status", "code"), PHASES, ids=[p[0] for p in PHASES])
def test_bundles_leave_the_asset_out_and_say_so(
    client, tokens, approved_asset, product, rights, phase, moment, status, code
):
    from tests.api.conftest import approve
    from tests.factories import make_asset

    side = make_asset(product, "side", channels=["amazon_main"])
    approve(side, 1, color=(10, 120, 10))
    token = tokens[Role.MARKETER]
    body = {"channel": "amazon_main", "assets": [approved_asset.pk, side.pk]}
    with freeze_time(moment):
        response = client.post(
            f"{API}/bundles", body, content_type="application/json", **auth(token)
        )
    assert response.status_code == 200
    files = zip_names(response)
    if status == 302:
        assert len(files) == 2 and "LEFT-OUT.txt" not in files
    else:
        assert len(files) == 2 and "LEFT-OUT.txt" in files
        note = files["LEFT-OUT.txt"].decode()
        assert "SKU12345 front v1" in note and "usage rights" in note
        entry = BrandLogEntry.objects.filter(action="wagtail_lfcloud.bundle_exported").get()
        assert entry.data["left_out_by_rights"] == [approved_asset.pk]
        assert entry.data["files"] == 1


def test_a_bundle_of_only_expired_files_is_refused_with_the_reason(
    client, tokens, approved_asset, rights
):
    body = {"channel": "amazon_main", "assets": [approved_asset.pk]}
    with freeze_time(END + dt.timedelta(days=1)):
        response = client.post(
            f"{API}/bundles", body, content_type="application/json", **auth(tokens[Role.MARKETER])
        )
    assert response.status_code == 400
    assert response.json()["code"] == "empty_bundle"
    assert "outside their usage rights" in response.json()["detail"]


@pytest.mark.parametrize(("phase", "moment", "status", "code"), PHASES, ids=[p[0] for p in PHASES])
def test_marketers_see_no_download_link_outside_the_window(
    client, brand, approved_asset, rights, phase, moment, status, code
):
    client.force_login(make_user("acme_marketer_web", brand=brand, role=Role.MARKETER))
    with freeze_time(moment):
        home = client.get(reverse("wagtailadmin_home")).content.decode()
        library = client.get(reverse("wagtail_lfcloud_admin:library")).content.decode()
    start = home.find('data-channel="amazon_main"')
    cell = home[start : home.find("</div>", start)]
    if status == 302:
        assert "download=" in cell and "data-lfcloud-rights-badge" not in cell
        assert "data-lfcloud-rights-badge" not in library
    else:
        assert "download=" not in cell
        assert f'data-lfcloud-rights-badge="{code.removeprefix("rights_")}"' in cell
        assert f'data-lfcloud-rights-badge="{code.removeprefix("rights_")}"' in library


def test_unrestricted_assets_are_delivered_as_before(client, tokens, approved_asset):
    assert client.get(URL, **auth(tokens[Role.MARKETER])).status_code == 302
    assert timezone.now()


@pytest.mark.parametrize(("phase", "moment", "status", "code"), PHASES, ids=[p[0] for p in PHASES])
def test_public_link_before_during_after(
    client, settings, approved_asset, rights, phase, moment, status, code
):
    """The signed public URL (no token, CDN-cacheable): the image only inside the window, a
    problem document and no image outside it, never cacheable; only deliveries are counted."""
    from wagtail_lfcloud.delivery import usage
    from wagtail_lfcloud.delivery.public_urls import public_url

    settings.WAGTAIL_LFCLOUD_PUBLIC_URL_BASE = "https://images.example.com"
    url = public_url(approved_asset.brand, "SKU12345", "front", "amazon_main")
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    usage._take()
    with freeze_time(moment):
        response = client.get(path)
    if status == 302:
        assert response.status_code == 200
        assert response["Content-Type"].startswith("image/")
        body = b"".join(response.streaming_content)
        assert body[:2] == b"\xff\xd8" or body[:4] == b"\x89PNG"
        assert response["Cache-Control"].startswith("public")
        assert usage.pending() == 1
    else:
        assert response.status_code == 451
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == code
        assert "SKU12345 front" in response.json()["detail"]
        assert response["Cache-Control"] == "no-store"
        assert usage.pending() == 0
    usage._take()
