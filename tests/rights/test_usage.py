"""Usage insights: every delivery path counts, nothing is written per hit, counts are exact after a
flush (also from two processes at once), and the Usage view, its exports and the API show the same
figures to the right people only."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.rights.conftest import approve_with_file, login
from tests.sqlite_template import subprocess_env
from wagtail_lfcloud.delivery import usage
from wagtail_lfcloud.models import Role, UsageDaily

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
API = "/lfcloud/api/v1"


@pytest.fixture(autouse=True)
def no_pending_counts():
    usage._take()
    yield
    usage._take()


def totals() -> Counter:
    found = Counter()
    for row in UsageDaily.objects.all():
        found[(row.version_id, row.channel, row.kind)] += row.count
    return found


def test_every_delivery_path_counts_and_nothing_is_written_before_the_flush(
    client, acme, django_assert_max_num_queries
):
    from tests.api.conftest import auth, token_for

    version = approve_with_file(acme)
    token = token_for(acme.users[Role.MARKETER])
    stable = f"{API}/renditions/acme/ACME1/front/amazon_main"
    for _ in range(3):
        assert client.get(stable, **auth(token)).status_code == 302
    assert client.get(f"{API}/versions/{version.pk}/renditions", **auth(token)).status_code == 200
    body = {"channel": "amazon_main", "assets": [acme.asset.pk]}
    assert (
        client.post(
            f"{API}/bundles", body, content_type="application/json", **auth(token)
        ).status_code
        == 200
    )
    login(client, acme.users[Role.BRAND_ADMIN])
    original = reverse("wagtail_lfcloud:original_file", args=[version.pk])
    assert client.get(original).status_code == 200

    assert not UsageDaily.objects.exists()  # counted in memory only
    assert usage.pending() == 6
    assert usage.flush() == 6
    assert totals() == Counter(
        {
            (version.pk, "amazon_main", "stable_token"): 3,
            (version.pk, "amazon_main", "api_fetch"): 1,
            (version.pk, "amazon_main", "bundle_export"): 1,
            (version.pk, "", "admin_download"): 1,
        }
    )
    # A second flush adds to the same rows: one row per version x channel x kind x day.
    client.get(stable, **auth(token))
    usage.flush()
    assert totals()[(version.pk, "amazon_main", "stable_token")] == 4
    assert UsageDaily.objects.count() == 4


def test_counting_can_be_switched_off(acme, settings):
    settings.WAGTAIL_LFCLOUD_USAGE_COUNTING = False
    usage.count(acme.brand.pk, acme.asset.pk, acme.version.pk, "amazon_main", "stable_token")
    assert usage.pending() == 0


def test_a_failed_write_keeps_the_counts_for_the_next_flush(acme, monkeypatch):
    usage.count(acme.brand.pk, acme.asset.pk, acme.version.pk, "amazon_main", "stable_token", 5)
    monkeypatch.setattr(
        "wagtail_lfcloud.models.AssetVersion.objects.filter",
        lambda *a, **k: (_ for _ in ()).throw(RuntimeError("database down")),
    )
    assert usage.flush() == 0 and usage.pending() == 5
    monkeypatch.undo()
    assert usage.flush() == 5 and UsageDaily.objects.get().count == 5


def test_rows_are_written_in_key_order(acme, monkeypatch):
    """Two processes flushing the same rows at once lock them in the same order, so one waits for
    the other; in any other order PostgreSQL can deadlock and abort one flush (found by
    benchmarks/usage_counting.py with 2 gunicorn workers)."""
    from django.db.backends.utils import CursorWrapper

    other = acme.version.asset.versions.exclude(pk=acme.version.pk).get()
    for version, channel, kind in [
        (other, "shopify", "api_fetch"),
        (acme.version, "shopify", "stable_token"),
        (other, "amazon_main", "stable_token"),
        (acme.version, "amazon_main", "api_fetch"),
    ]:
        usage.count(acme.brand.pk, acme.asset.pk, version.pk, channel, kind)
    written = []
    real = CursorWrapper.executemany

    def spy(self, sql, param_list):
        param_list = list(param_list)
        if "usagedaily" in sql.lower():
            written.extend(param_list)
        return real(self, sql, param_list)

    monkeypatch.setattr(CursorWrapper, "executemany", spy)
    assert usage.flush() == 4
    keys = [(row[2], row[3], row[4], row[5]) for row in written]
    assert len(keys) == 4 and keys == sorted(keys)


def test_the_exit_flush_retries_a_refused_write(acme, monkeypatch):
    """At exit there is no next flush: a write refused once (a deadlock, a lost connection) is
    tried again."""
    from wagtail_lfcloud.models import AssetVersion

    usage.count(acme.brand.pk, acme.asset.pk, acme.version.pk, "amazon_main", "stable_token", 3)
    real = AssetVersion.objects.filter
    calls = []

    def refuse_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("deadlock detected")
        return real(*args, **kwargs)

    monkeypatch.setattr("wagtail_lfcloud.models.AssetVersion.objects.filter", refuse_once)
    usage._flush_at_exit()
    assert usage.pending() == 0 and UsageDaily.objects.get().count == 3 and len(calls) == 2


def _worker(db: Path, *args: str, wait: bool = True):
    command = [sys.executable, "-m", "tests.rights.usage_worker", *args]
    env = subprocess_env(LFCLOUD_TEST_SQLITE_NAME=str(db))
    if not wait:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.own_sqlite
@pytest.mark.django_db(transaction=False)
def test_counts_are_exact_across_two_processes(migrated_sqlite, tmp_path):
    """Two processes count the same rows and flush at the same time: no hit lost, none twice."""
    db = tmp_path / "usage.sqlite3"
    shutil.copy(migrated_sqlite, db)
    ids = _worker(db, "setup")
    n, every = 3000, 250
    workers = [_worker(db, "count", str(n), str(every), json.dumps(ids), wait=False) for _ in "ab"]
    for worker in workers:
        out, _ = worker.communicate(timeout=600)
        assert worker.returncode == 0
        assert json.loads(out.strip().splitlines()[-1]) == {"counted": n}
    rows = _worker(db, "totals")["rows"]
    found = Counter({(v, c, k): total for v, c, k, total in rows})
    expected = Counter()
    keys = [("amazon_main", "stable_token"), ("shopify", "api_fetch")]
    for i in range(n):
        channel, kind = keys[i % 2]
        expected[(ids["versions"][i % 3 % 2], channel, kind)] += 2
    assert found == expected
    assert sum(found.values()) == 2 * n and len(rows) == len(expected)


def _usage_world(acme, zed):
    usage.count(acme.brand.pk, acme.asset.pk, acme.version.pk, "amazon_main", "stable_token", 7)
    usage.count(acme.brand.pk, acme.asset.pk, acme.version.pk, "shopify", "api_fetch", 2)
    usage.count(zed.brand.pk, zed.asset.pk, zed.version.pk, "amazon_main", "bundle_export", 5)
    usage.flush()


def test_the_usage_view_shows_the_brands_figures_with_charts(client, acme, zed):
    from tests.factories import make_asset, make_image
    from wagtail_lfcloud.models import AssetVersion, VersionStatus

    idle = make_asset(acme.product, "back")
    AssetVersion.objects.create(
        asset=idle, number=1, image=make_image(), status=VersionStatus.CURRENT
    )
    _usage_world(acme, zed)
    login(client, acme.users[Role.MARKETER])
    html = client.get(reverse("wagtail_lfcloud_admin:usage")).content.decode()
    assert "chart.umd.min.js" in html and 'data-lfcloud-chart="days"' in html
    assert '<td data-kind="stable_token">7</td>' in html
    assert '<td data-kind="bundle_export">0</td>' in html  # Zedcorp's bundles are not Acme's
    data = json.loads(
        html.split('id="lfcloud-usage-data" type="application/json">')[1].split("<")[0]
    )
    assert data["total"] == 9 and data["by_channel"][0] == {"channel": "amazon_main", "count": 7}
    assert data["by_day"][-1]["day"] == timezone.now().date().isoformat()
    assert data["by_day"][-1]["stable_token"] == 7
    assert [a["sku"] for a in data["top_assets"]] == ["ACME1"]
    assert [(a["sku"], a["angle"]) for a in data["never_used"]] == [("ACME1", "back")]
    assert ("ACME1", "back") in [(a["sku"], a["angle"]) for a in data["never_delivered"]]
    assert "ZEDCORP" not in html

    # Another brand by slug: refused (it is not one of the user's brands), the own brand shown.
    other = client.get(reverse("wagtail_lfcloud_admin:usage") + "?brand=zedcorp").content.decode()
    assert "ZEDCORP" not in other

    page = client.get(reverse("wagtail_lfcloud_admin:asset_usage", args=[acme.asset.pk]))
    assert page.status_code == 200 and "data-lfcloud-usage-versions" in page.content.decode()
    assert (
        client.get(reverse("wagtail_lfcloud_admin:asset_usage", args=[zed.asset.pk])).status_code
        == 404
    )


def test_the_sites_pages_using_the_image_are_shown(client, acme):
    """A real Wagtail page of the site shows the approved image in its body: Wagtail's reference
    index finds it, the asset's Usage page and the API list the page, and the asset does not count
    as never used although nothing delivered it."""
    from wagtail.models import Page, ReferenceIndex

    from tests.testapp.models import ProductPage

    home = Page.get_first_root_node()
    page = home.add_child(
        instance=ProductPage(
            title="Spring sneakers", slug="spring-sneakers", body=[("image", acme.version.image)]
        )
    )
    assert ReferenceIndex.get_references_to(acme.version.image).filter(object_id=str(page.pk))

    login(client, acme.users[Role.MARKETER])
    html = client.get(
        reverse("wagtail_lfcloud_admin:asset_usage", args=[acme.asset.pk])
    ).content.decode()
    listed = html.split("data-lfcloud-usage-pages>")[1].split("</ul>")[0]
    assert f'data-page="{page.pk}"' in listed and "Spring sneakers" in listed and "(v1)" in listed

    brand = client.get(reverse("wagtail_lfcloud_admin:usage")).content.decode()
    data = json.loads(
        brand.split('id="lfcloud-usage-data" type="application/json">')[1].split("<")[0]
    )
    assert acme.asset.pk not in [a["asset_id"] for a in data["never_used"]]
    assert acme.asset.pk in [a["asset_id"] for a in data["never_delivered"]]

    from tests.api.conftest import auth, token_for

    token = token_for(acme.users[Role.MARKETER])
    one = client.get(f"{API}/usage?asset={acme.asset.pk}", **auth(token)).json()
    assert one["used_on_pages"] == [{"title": "Spring sneakers", "version": 1, "url": page.url}]

    # The page stops using the image: the reference goes, and so does the line.
    page.body = []
    page.save()
    html = client.get(
        reverse("wagtail_lfcloud_admin:asset_usage", args=[acme.asset.pk])
    ).content.decode()
    assert "Spring sneakers" not in html


def test_exports_hold_the_daily_counts(client, acme, zed):
    from openpyxl import load_workbook

    _usage_world(acme, zed)
    login(client, acme.users[Role.BRAND_ADMIN])
    csv_text = client.get(reverse("wagtail_lfcloud_admin:usage") + "?export=csv").content.decode()
    lines = csv_text.strip().splitlines()
    assert lines[0] == "day,sku,angle,version,channel,kind,count"
    assert len(lines) == 3 and "ZEDCORP" not in csv_text
    assert lines[1].endswith(",ACME1,front,1,amazon_main,stable_token,7")
    xlsx = client.get(reverse("wagtail_lfcloud_admin:usage") + "?export=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [c.value for c in sheet[2]][1:] == [
        "ACME1",
        "front",
        1,
        "amazon_main",
        "stable_token",
        7,
    ]


@pytest.mark.parametrize("role", [Role.APPROVER, Role.STUDIO, Role.FINANCE])
def test_other_roles_see_no_usage(client, acme, role):
    login(client, acme.users[role])
    assert client.get(reverse("wagtail_lfcloud_admin:usage")).status_code == 404
    assert (
        client.get(reverse("wagtail_lfcloud_admin:asset_usage", args=[acme.asset.pk])).status_code
        == 404
    )


def test_the_api_gives_the_same_figures(client, acme, zed):
    from tests.api.conftest import auth, token_for

    _usage_world(acme, zed)
    token = token_for(acme.users[Role.MARKETER])
    data = client.get(f"{API}/usage", **auth(token)).json()
    assert data["brand"] == "acme" and data["total"] == 9
    assert data["by_kind"]["stable_token"] == 7 and data["by_kind"]["bundle_export"] == 0
    one = client.get(f"{API}/usage?asset={acme.asset.pk}", **auth(token)).json()
    assert one["asset_id"] == acme.asset.pk and one["total"] == 9
    assert client.get(f"{API}/usage?brand=zedcorp", **auth(token)).status_code == 404
    assert client.get(f"{API}/usage?asset={zed.asset.pk}", **auth(token)).status_code == 404
    studio = token_for(acme.users[Role.STUDIO])
    assert client.get(f"{API}/usage", **auth(studio)).status_code == 403
