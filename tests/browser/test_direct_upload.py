"""Uploads straight to S3 from the admin's upload page, in a real browser, against the moto server.

The example site runs with its originals on a moto bucket (:func:`s3_example_site`), so the upload
page's script asks the server for presigned URLs and PUTs the bytes to the bucket itself: a 60 MB
master goes as an 8-part multipart upload with a moving progress bar and becomes the next version;
a decompression bomb is refused with the check's reason, leaving no version and no object; an
upload cut off after two parts continues, once the same file is chosen again, with only the
missing parts; a clip takes the same path.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from .conftest import PASSWORD, new_context, screenshot

pytestmark = [
    pytest.mark.browser,
    # One S3 example site (migrated and loaded here) for the module's tests (scripts/test runs
    # --dist loadgroup).
    pytest.mark.xdist_group("s3_example_site"),
]

SKU = "FK-3005"
PERIOD = "2026-03"
#: Records every value the upload bars' aria-valuenow takes, in page order.
WATCH_PROGRESS = """
window.__lfcloudProgress = [];
new MutationObserver((records) => {
  records.forEach((r) => {
    if (r.attributeName === 'aria-valuenow') {
      window.__lfcloudProgress.push(Number(r.target.getAttribute('aria-valuenow')));
    }
  });
}).observe(document, { subtree: true, attributes: true, attributeFilter: ['aria-valuenow'] });
"""


@pytest.fixture
def studio(chromium, s3_example_site):
    """The Fabrikam studio, logged into the S3 site's admin, with the bars watched."""
    context = new_context(chromium, s3_example_site.url)
    context.set_default_timeout(60_000)
    context.add_init_script(WATCH_PROGRESS)
    page = context.new_page()
    page.goto("/admin/login/")
    page.fill("input[name=username]", "fk-studio")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/admin/login/" not in url)
    yield page
    context.close()


def order(site, angle: str) -> None:
    site.shell(
        "from wagtail_lfcloud.models import Asset, Product\n"
        f"p = Product.objects.get(sku='{SKU}')\n"
        f"Asset.objects.get_or_create(brand=p.brand, product=p, angle='{angle}',"
        " defaults={'channels': ['amazon_main'], 'live': False})\n"
    )


def versions(site, angle: str) -> int:
    return int(
        site.shell(
            "from wagtail_lfcloud.models import AssetVersion\n"
            "print(AssetVersion.objects.filter("
            f"asset__product__sku='{SKU}', asset__angle='{angle}').count())"
        ).splitlines()[-1]
    )


def noisy_png(path: Path, width: int, height: int) -> Path:
    """A valid PNG of random pixels, stored uncompressed: width x height x 3 bytes, and quick."""
    from PIL import Image

    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(
        path, "PNG", compress_level=0
    )
    return path


def item(page, name: str):
    return page.locator("[data-lfcloud-upload-list] li", has_text=name)


def test_a_60_mb_master_goes_straight_to_s3_with_progress(studio, s3_example_site, tmp_path):
    from playwright.sync_api import expect

    order(s3_example_site.site, "front")
    path = noisy_png(tmp_path / f"{SKU}_{PERIOD}_front.png", 4500, 4500)
    assert path.stat().st_size > 60_000_000
    puts: list[str] = []
    studio.on("request", lambda r: puts.append(r.url) if r.method == "PUT" else None)
    studio.goto("/admin/lfcloud/upload/")
    assert studio.locator("form[data-direct-url]").count() == 1
    studio.set_input_files("input[data-lfcloud-files]", str(path))
    row = item(studio, path.name)
    expect(row).to_have_attribute(
        "data-lfcloud-outcome", re.compile("success|warning"), timeout=300_000
    )
    expect(row).to_contain_text("Uploaded as version 1")
    seen = studio.evaluate("window.__lfcloudProgress")
    assert any(0 < v < 100 for v in seen), seen  # the bar moved while the bytes went...
    assert seen[-1] == 100  # ...and ended full
    # Eight parts, each PUT to the bucket, none through Django.
    assert sorted(int(parse_qs(urlparse(u).query)["partNumber"][0]) for u in puts) == list(
        range(1, 9)
    )
    assert all(u.startswith(s3_example_site.moto.endpoint_url) for u in puts)
    assert versions(s3_example_site.site, "front") == 1
    assert not [k for k in s3_example_site.keys() if k.startswith("lfcloud-private/uploads/")]
    screenshot(studio, "upload-direct")


def test_a_clip_goes_straight_to_s3_too(studio, s3_example_site, tmp_path):
    pytest.importorskip("av", reason="video clips need the [video] extra (PyAV)")
    from playwright.sync_api import expect

    from tests.video.clips import make_clip

    s3_example_site.site.shell(
        "from wagtail_lfcloud.models import Asset, AssetKind, Product\n"
        f"p = Product.objects.get(sku='{SKU}')\n"
        "Asset.objects.get_or_create(brand=p.brand, product=p, angle='turntable-15s',"
        " defaults={'kind': AssetKind.VIDEO, 'live': False})\n"
    )
    path = tmp_path / f"{SKU}_{PERIOD}_turntable-15s.mp4"
    path.write_bytes(make_clip())
    puts: list[str] = []
    studio.on("request", lambda r: puts.append(r.url) if r.method == "PUT" else None)
    studio.goto("/admin/lfcloud/upload/")
    studio.set_input_files("input[data-lfcloud-files]", str(path))
    row = item(studio, path.name)
    expect(row).to_have_attribute(
        "data-lfcloud-outcome", re.compile("success|warning"), timeout=120_000
    )
    assert len(puts) == 1 and puts[0].startswith(s3_example_site.moto.endpoint_url)
    assert versions(s3_example_site.site, "turntable-15s") == 1


@pytest.mark.parametrize(
    ("kind", "reason"),
    [("bomb", "pixels"), ("polyglot", "appended after the end of its image")],
)
def test_a_refused_file_leaves_no_version_and_no_object(
    studio, s3_example_site, tmp_path, kind, reason
):
    from playwright.sync_api import expect

    from tests.storage.hostile_files import noisy, png_bomb, zip_bytes

    order(s3_example_site.site, "side")
    path = tmp_path / f"{SKU}_{PERIOD}_side.png"
    if kind == "bomb":
        path.write_bytes(png_bomb(30000, 30000))  # a few hundred KB that decode to 2.7 GB
    else:  # a real PNG with a ZIP archive appended
        buffer = io.BytesIO()
        noisy((640, 640)).save(buffer, "PNG")
        path.write_bytes(buffer.getvalue() + zip_bytes())
    studio.goto("/admin/lfcloud/upload/")
    before = s3_example_site.keys()
    studio.set_input_files("input[data-lfcloud-files]", str(path))
    row = item(studio, path.name)
    expect(row).to_have_attribute("data-lfcloud-outcome", "refused", timeout=120_000)
    expect(row).to_contain_text("Refused.")
    expect(row).to_contain_text(reason)  # the check's own reason
    assert versions(s3_example_site.site, "side") == 0
    assert s3_example_site.keys() == before
    pending = s3_example_site.moto.client().list_multipart_uploads(Bucket=s3_example_site.bucket)
    assert not pending.get("Uploads")


def test_an_interrupted_upload_continues_with_the_missing_parts(studio, s3_example_site, tmp_path):
    from playwright.sync_api import expect

    order(s3_example_site.site, "back")
    path = noisy_png(tmp_path / f"{SKU}_{PERIOD}_back.png", 3300, 3000)  # 4 parts of 8 MiB
    moto = s3_example_site.moto

    def part(url: str) -> int:
        return int(parse_qs(urlparse(url).query).get("partNumber", ["0"])[0])

    # The network gives out after two parts: every later PUT fails.
    def cut(route):
        if route.request.method == "PUT" and part(route.request.url) > 2:
            route.abort("connectionreset")
        else:
            route.continue_()

    studio.route(re.compile("^" + re.escape(moto.endpoint_url) + "/"), cut)
    studio.goto("/admin/lfcloud/upload/")
    studio.set_input_files("input[data-lfcloud-files]", str(path))
    row = item(studio, path.name)
    expect(row).to_have_attribute("data-lfcloud-outcome", "refused", timeout=120_000)
    expect(row).to_contain_text("Choose the same file again to continue")
    s3 = moto.client()
    (pending,) = s3.list_multipart_uploads(Bucket=s3_example_site.bucket)["Uploads"]
    held = s3.list_parts(
        Bucket=s3_example_site.bucket, Key=pending["Key"], UploadId=pending["UploadId"]
    )["Parts"]
    assert [p["PartNumber"] for p in held] == [1, 2]

    # The studio comes back later (the page reloaded, the network fine) and picks the same file.
    studio.unroute_all()
    studio.reload()
    puts: list[int] = []
    studio.on("request", lambda r: puts.append(part(r.url)) if r.method == "PUT" else None)
    studio.set_input_files("input[data-lfcloud-files]", str(path))
    row = item(studio, path.name)
    expect(row).to_have_attribute(
        "data-lfcloud-outcome", re.compile("success|warning"), timeout=300_000
    )
    assert sorted(puts) == [3, 4]  # only the parts the bucket lacked
    assert versions(s3_example_site.site, "back") == 1
    with io.BytesIO() as stored:
        key = s3_example_site.site.shell(
            "from wagtail_lfcloud.models import AssetVersion\n"
            f"print(AssetVersion.objects.get(asset__product__sku='{SKU}',"
            " asset__angle='back').image.file.name)"
        ).splitlines()[-1]
        s3.download_fileobj(s3_example_site.bucket, key, stored)
        assert stored.getvalue() == path.read_bytes()  # the parts of both attempts, in order
