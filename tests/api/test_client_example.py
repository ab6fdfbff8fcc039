"""The docs' client example (docs/how-to/api_client_example.py) runs against the example site.

The example site is started as the browser tests start it (tests/browser/conftest.py
``running_example_site``: a copy of the session's migrated example site loaded with
``lfcloud_demo``, served by ``runserver`` on a free port), as a copy of its own; no browser is
needed. The script runs as a subprocess over real HTTP with a Northwind brand token, exactly as a PIM would.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from PIL import Image, ImageDraw

from tests.browser.conftest import ROOT, running_example_site
from tests.sqlite_template import example_site_template

pytestmark = [
    pytest.mark.slow,
    # One site per xdist worker for the module's tests (scripts/test runs --dist loadgroup).
    pytest.mark.xdist_group("client_example"),
    # The site has its own SQLite database whatever the suite runs on: the SQLite run covers it.
    pytest.mark.own_sqlite,
]

SCRIPT = ROOT / "docs" / "how-to" / "api_client_example.py"
TOKEN_CODE = """
from django.contrib.auth import get_user_model
from wagtail.models import APIToken
from wagtail_lfcloud.models import Brand, BrandAPIToken
user = get_user_model().objects.get(username="brandadmin")
token, secret = APIToken.create_token(user=user, name="PIM sync (client example test)")
BrandAPIToken.objects.create(
    token=token, brand=Brand.objects.get(slug="northwind"), scopes={scopes!r}
)
print(secret)
"""


@pytest.fixture(scope="module")
def site(request, tmp_path_factory):
    """An example site of its own: the products, order and uploads made here never reach the
    browser tests' shared site."""
    template = example_site_template(request.config, tmp_path_factory)
    with running_example_site(template=template) as example_site:
        yield example_site


def token(site, *scopes: str) -> str:
    return site.shell(TOKEN_CODE.format(scopes=list(scopes))).splitlines()[-1]


def run(site, secret: str, *args: str) -> subprocess.CompletedProcess:
    # Only what a client machine has: the script and requests; no Django settings, no package.
    env = {"PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [
            sys.executable,
            "-I",
            str(SCRIPT),
            "--url",
            f"{site.url}/lfcloud/api/v1",
            "--token",
            secret,
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


def photo(path: Path, colour: tuple[int, int, int], shape: int) -> None:
    """A product-like photo: an object on white, different per file (no look-alikes)."""
    image = Image.new("RGB", (1600, 1600), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((300 + shape * 40, 400, 1300 - shape * 30, 1200 + shape * 20), fill=colour)
    draw.rectangle((500, 300 + shape * 50, 700 + shape * 60, 500 + shape * 50), fill=(20, 20, 20))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=92)
    path.write_bytes(buffer.getvalue())


def test_the_client_example_syncs_products_then_uploads_photos(site, tmp_path):
    secret = token(site, "products:write", "upload")
    api = f"{site.url}/lfcloud/api/v1"
    headers = {"Authorization": f"Bearer {secret}"}

    # 1. The PIM's list: two new products, one existing one renamed, one bad row.
    products = tmp_path / "pim.csv"
    products.write_text(
        "sku,name,colour,season\n"
        "NW-3001,Harbour parka,Navy,SS26\n"
        "NW-3002,Deck shoe,White,SS26\n"
        "NW-1001,Trail runner II,,\n"
        "NW 9,Bad SKU,,\n"
    )
    first = run(site, secret, "--products", str(products))
    assert first.returncode == 1, first.stdout + first.stderr
    assert "2 created, 1 updated, 0 unchanged, 1 refused" in first.stdout
    assert "line 5 (NW 9)" in first.stdout
    listed = requests.get(f"{api}/products", params={"sku": "NW-3001"}, headers=headers, timeout=30)
    assert listed.json()["results"][0]["name"] == "Harbour parka"

    # Resending the fixed list changes nothing that is already there.
    products.write_text(products.read_text().replace("NW 9,", "NW-3009,"))
    again = run(site, secret, "--products", str(products))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "1 created, 0 updated, 3 unchanged, 0 refused" in again.stdout

    # 2. The shoot is ordered (by the e-commerce backend), then the studio's folder is uploaded.
    order_token = token(site, "orders:write")
    order = requests.post(
        f"{api}/orders",
        headers={"Authorization": f"Bearer {order_token}"},
        json={
            "title": "Parka and deck shoe",
            "currency": "EUR",
            "lines": [
                {
                    "sku": "NW-3001",
                    "angles": ["front", "back"],
                    "channels": ["amazon_main"],
                    "unit_price": "25.00",
                    "quantity": 1,
                },
                {
                    "sku": "NW-3002",
                    "angles": ["front"],
                    "channels": ["amazon_main"],
                    "unit_price": "25.00",
                    "quantity": 1,
                },
            ],
            "submit": True,
        },
        timeout=60,
    )
    assert order.status_code == 201, order.text
    photos = tmp_path / "shoot"
    photos.mkdir()
    photo(photos / "NW-3001_2026-01_front.jpg", (30, 60, 120), 0)
    photo(photos / "NW-3001_2026-01_back.jpg", (30, 60, 120), 3)
    photo(photos / "NW-3002_2026-01_front.jpg", (230, 230, 210), 6)
    photo(photos / "NW-9999_2026-01_front.jpg", (200, 0, 0), 9)  # no such SKU
    (photos / "notes.txt").write_text("not a photo: ignored")
    uploaded = run(site, secret, "--photos", str(photos))
    assert uploaded.returncode == 1, uploaded.stdout + uploaded.stderr
    out = uploaded.stdout
    for name in (
        "NW-3001_2026-01_back.jpg",
        "NW-3001_2026-01_front.jpg",
        "NW-3002_2026-01_front.jpg",
    ):
        assert f"{name}: v1 " in out, out
    assert "NW-9999_2026-01_front.jpg: refused (400 sku)" in out
    assert "1 problem(s)" in out

    # The versions exist and wait for review.
    shown = json.loads(  # the last line: Django's shell may print a line about imports first
        site.shell(
            "import json; from wagtail_lfcloud.models import AssetVersion; print(json.dumps(sorted("
            "[v.original_filename, v.status] for v in AssetVersion.objects.filter("
            "asset__product__sku__in=['NW-3001', 'NW-3002']))))"
        ).splitlines()[-1]
    )
    assert [name for name, _status in shown] == [
        "NW-3001_2026-01_back.jpg",
        "NW-3001_2026-01_front.jpg",
        "NW-3002_2026-01_front.jpg",
    ]
    assert {status for _name, status in shown} <= {"in_review", "changes_requested"}

    # 3. Running both steps again: nothing new, duplicates skipped, only the bad file fails.
    (photos / "NW-9999_2026-01_front.jpg").unlink()
    both = run(site, secret, "--products", str(products), "--photos", str(photos))
    assert both.returncode == 0, both.stdout + both.stderr
    assert "0 created, 0 updated, 4 unchanged, 0 refused" in both.stdout
    assert both.stdout.count("already uploaded, skipped") == 3
    assert both.stdout.strip().endswith("done")


def test_a_token_without_the_scopes_is_refused_with_the_code(site, tmp_path):
    secret = token(site, "read")
    products = tmp_path / "pim.csv"
    products.write_text("sku,name\nNW-4001,Cap\n")
    result = run(site, secret, "--products", str(products))
    assert result.returncode == 1
    assert "read_only_token" in result.stdout
