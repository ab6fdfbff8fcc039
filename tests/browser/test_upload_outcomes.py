"""The upload page shows each file's outcome honestly, in a real browser.

A studio uploads four files at once: one that meets its channel's rules (green), one that passes
with warnings (amber), one the compliance check sends back (red: stored, changes requested) and one
for an angle nobody ordered (red bar and the reason: refused, nothing stored).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.browser

SKU = "FK-3005"  # not in Fabrikam's demo order: this test orders its deliverables itself
PERIOD = "2026-03"


def _rgb(css: str) -> tuple[int, int, int]:
    r, g, b = (int(float(v)) for v in re.findall(r"[\d.]+", css)[:3])
    return r, g, b


def is_green(rgb) -> bool:
    r, g, b = rgb
    return g > r + 40 and g >= b


def is_amber(rgb) -> bool:
    r, g, b = rgb
    return r > 180 and 100 < g < r and b < 80


def is_red(rgb) -> bool:
    r, g, b = rgb
    return r > 150 and g < 110 and b < 110


def shot(tmp_path: Path, angle: str, size: int) -> Path:
    from tests.channels.images import encode, product_shot

    path = tmp_path / f"{SKU}_{PERIOD}_{angle}.jpg"
    path.write_bytes(encode(product_shot((size, size)), quality=92))
    return path


def test_each_outcome_has_its_colour(login, example_site, tmp_path):
    from playwright.sync_api import expect

    example_site.shell(
        "from wagtail_lfcloud.models import Asset, Product\n"
        f"p = Product.objects.get(sku='{SKU}')\n"
        "for angle in ('front', 'side', 'back'):\n"
        "    Asset.objects.get_or_create(brand=p.brand, product=p, angle=angle,"
        " defaults={'channels': ['amazon_main'], 'live': False})\n"
    )
    files = {
        "success": shot(tmp_path, "front", 2000),  # meets Amazon's rules
        "warning": shot(tmp_path, "side", 800),  # below the 1,000 px zoom size: a warning
        "failure": shot(tmp_path, "back", 400),  # below Amazon's 500 px minimum
        "refused": shot(tmp_path, "top", 2000),  # nobody ordered the top angle
    }
    studio = login("fk-studio")
    studio.goto("/admin/lfcloud/upload/")
    studio.set_input_files("input[data-lfcloud-files]", [str(f) for f in files.values()])
    studio.wait_for_function(
        "document.querySelectorAll('[data-lfcloud-upload-list] [data-lfcloud-outcome]').length >= 4",
        timeout=120_000,
    )
    for outcome, path in files.items():
        item = studio.locator("[data-lfcloud-upload-list] li", has_text=path.name)
        expect(item).to_have_attribute("data-lfcloud-outcome", outcome)
        expect(item).to_have_class(re.compile(rf"\bis-{outcome}\b"))
        bar = item.locator("[data-progress-bar]")
        colour = _rgb(bar.evaluate("e => getComputedStyle(e).backgroundColor"))
        message = _rgb(item.locator("[data-message]").evaluate("e => getComputedStyle(e).color"))
        # The bar grows to full width with a short CSS transition: wait for it to end.
        full = 0.0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            full = bar.evaluate(
                "e => e.getBoundingClientRect().width / e.parentElement.getBoundingClientRect().width"
            )
            if full > 0.99:
                break
            studio.wait_for_timeout(100)
        assert full > 0.99, f"{outcome}: the bar is not full ({full:.2f})"
        expected = {"success": is_green, "warning": is_amber}.get(outcome, is_red)
        assert expected(colour), f"{outcome}: the bar is {colour}"
        assert expected(message) or outcome == "warning", f"{outcome}: the message is {message}"
        assert not is_green(colour) or outcome == "success"
    refused = studio.locator("[data-lfcloud-upload-list] li", has_text=files["refused"].name)
    expect(refused).to_contain_text("Refused.")
    expect(refused).to_contain_text("top")
    expect(
        studio.locator("[data-lfcloud-upload-list] li", has_text=files["failure"].name)
    ).to_contain_text("Changes requested.")
    expect(
        studio.locator("[data-lfcloud-upload-list] li", has_text=files["warning"].name)
    ).to_contain_text("with warnings")
    screenshot(studio, "upload-outcomes")
