"""Usage rights at the admin's delivery paths, before, during and after the rights window: the
original's download, the bundle pages (streamed and built in the background) and a stored zip
downloaded after the rights changed. (The stable URL, the API, the API's bundles and the
dashboard's links are in ``tests/api/test_rights.py``.)"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.urls import reverse
from freezegun import freeze_time

from tests.rights.conftest import approve_with_file, login
from wagtail_lfcloud.delivery import usage
from wagtail_lfcloud.models import BrandLogEntry, DownloadBundle, Role, UsageRights

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
PHASES = [
    ("before", START - dt.timedelta(days=1), "not_started"),
    ("during", START + dt.timedelta(days=30), None),
    ("after", END + dt.timedelta(seconds=1), "expired"),
]
IDS = [p[0] for p in PHASES]


@pytest.fixture(autouse=True)
def no_pending_counts():
    usage._take()
    yield
    usage._take()


@pytest.fixture
def rights(acme):
    approve_with_file(acme)
    with freeze_time(START - dt.timedelta(days=10)):  # recorded before every moment below
        return UsageRights.objects.create(
            brand=acme.brand,
            asset=acme.asset,
            starts_at=START,
            expires_at=END,
            channels=["amazon_main"],
            licensor="Studio Nord",
        )


def original_url(version):
    return reverse("wagtail_lfcloud:original_file", args=[version.pk])


def zip_files(response) -> list[str]:
    data = b"".join(response.streaming_content) if response.streaming else response.content
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.namelist()


@pytest.mark.parametrize(("phase", "moment", "code"), PHASES, ids=IDS)
def test_the_original_of_an_approved_file_outside_its_rights_is_not_downloaded(
    client, acme, rights, phase, moment, code
):
    login(client, acme.users[Role.APPROVER])
    with freeze_time(moment):
        response = client.get(original_url(acme.version))
    if code is None:
        assert response.status_code == 200
        assert b"".join(response.streaming_content)
        assert usage.pending() == 1
        return
    assert response.status_code == 451
    assert response["X-LFCloud-Rights"] == code
    text = response.content.decode()
    assert "Acme1_front.png is not delivered" in text and "2026" in text
    assert usage.pending() == 0  # refused: not a delivery
    assert not BrandLogEntry.objects.filter(action="wagtail_lfcloud.original_downloaded").exists()


@pytest.mark.parametrize(("phase", "moment", "code"), PHASES, ids=IDS)
def test_brand_admins_still_download_the_original_and_the_log_says_so(
    client, acme, rights, phase, moment, code
):
    login(client, acme.users[Role.BRAND_ADMIN])
    with freeze_time(moment):
        assert client.get(original_url(acme.version)).status_code == 200
    entry = BrandLogEntry.objects.get(action="wagtail_lfcloud.original_downloaded")
    assert entry.data.get("rights") == code


def test_files_in_review_are_not_deliveries(client, acme, rights):
    """The approver reviews v2 (in review) although the asset's rights expired."""
    login(client, acme.users[Role.APPROVER])
    with freeze_time(END + dt.timedelta(days=1)):
        assert client.get(original_url(acme.draft_version)).status_code == 200


@pytest.mark.parametrize(("phase", "moment", "code"), PHASES, ids=IDS)
def test_the_admin_bundle_page_leaves_the_file_out(client, acme, rights, phase, moment, code):
    login(client, acme.users[Role.MARKETER])
    url = reverse("wagtail_lfcloud_admin:bundle_selection") + f"?asset={acme.asset.pk}"
    with freeze_time(moment):
        response = client.post(url, {"channel": "amazon_main"})
    if code is None:
        assert response.status_code == 200 and response["Content-Type"] == "application/zip"
        assert len(zip_files(response)) == 1
        return
    # The only file is outside its rights: no zip, the form says why.
    assert response.status_code == 200
    html = response.content.decode()
    assert "outside their usage rights" in html
    assert not DownloadBundle.objects.exists()


def test_a_stored_zip_is_withheld_once_the_rights_expire(
    client, acme, rights, settings, django_capture_on_commit_callbacks
):
    from tests.api.conftest import auth, token_for

    settings.WAGTAIL_LFCLOUD_BUNDLE_ASYNC_THRESHOLD = 0  # built in the background, kept
    marketer = acme.users[Role.MARKETER]
    login(client, marketer)
    url = reverse("wagtail_lfcloud_admin:bundle_selection") + f"?asset={acme.asset.pk}"
    with freeze_time(END - dt.timedelta(days=2)), django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"channel": "amazon_main"})
    bundle = DownloadBundle.objects.get()
    assert bundle.status == DownloadBundle.Status.READY
    detail = reverse("wagtail_lfcloud_admin:bundle_detail", args=[bundle.pk])
    download = reverse("wagtail_lfcloud_admin:bundle_download", args=[bundle.pk])
    api_download = f"/lfcloud/api/v1/bundles/{bundle.pk}/download"
    token = token_for(marketer)
    with freeze_time(END - dt.timedelta(days=1)):
        assert download in client.get(detail).content.decode()
        assert len(zip_files(client.get(download))) == 1
        assert client.get(api_download, **auth(token)).status_code == 200

    with freeze_time(END + dt.timedelta(seconds=1)):
        html = client.get(detail).content.decode()
        assert "data-lfcloud-bundle-rights" in html and download not in html
        refused = client.get(download)
        assert refused.status_code == 451
        assert "ACME1 front expired on 2026-09-01" in refused.content.decode()
        problem = client.get(api_download, **auth(token))
        assert problem.status_code == 451 and problem.json()["code"] == "rights_changed"


def test_a_stored_zip_is_withheld_when_the_rights_change(
    client, acme, rights, settings, django_capture_on_commit_callbacks
):
    settings.WAGTAIL_LFCLOUD_BUNDLE_ASYNC_THRESHOLD = 0
    login(client, acme.users[Role.MARKETER])
    url = reverse("wagtail_lfcloud_admin:bundle_selection") + f"?asset={acme.asset.pk}"
    with (
        freeze_time(START + dt.timedelta(days=1)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        client.post(url, {"channel": "amazon_main"})
    bundle = DownloadBundle.objects.get()
    download = reverse("wagtail_lfcloud_admin:bundle_download", args=[bundle.pk])
    with freeze_time(START + dt.timedelta(days=2)):
        rights.channels = ["shopify"]  # amazon_main no longer allowed
        rights.save()
    with freeze_time(START + dt.timedelta(days=3)):
        refused = client.get(download)
    assert refused.status_code == 451
    assert "ACME1 front changed on 2026-03-03" in refused.content.decode()


def test_the_library_marks_a_channel_the_rights_do_not_cover(client, acme, rights):
    """Inside the window but only for amazon_main: the library's card shows the ig_square file as
    outside the rights (no badge for the asset itself: it may be delivered to amazon_main)."""
    approve_with_file(acme, channels=("amazon_main", "ig_square"))
    login(client, acme.users[Role.MARKETER])
    with freeze_time(START + dt.timedelta(days=1)):
        html = client.get(reverse("wagtail_lfcloud_admin:library")).content.decode()
    card = html[html.index(f'data-version="{acme.version.pk}"') :]
    card = card[: card.index("</li>")]
    assert 'data-lfcloud-rights-channel="ig_square"' in card
    assert "The usage rights do not cover the ig_square channel" in card
    assert 'data-lfcloud-rights-channel="amazon_main"' not in card
    assert '<span class="w-status w-status--primary">amazon_main</span>' in card
    assert "data-lfcloud-rights-badge" not in card
