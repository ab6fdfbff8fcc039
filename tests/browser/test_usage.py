"""The Usage view in a real browser, on the example site's demo data (a month of usage history):
both charts are drawn by the vendored Chart.js (coloured pixels on the canvases, not only the
elements), for the brand and for one asset, with no console error. The screenshots of both pages
are taken by ``test_screens.py`` (``usage``, ``asset-usage``)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

#: How many pixels of a canvas are painted in colour, read back from the 2D context: grid lines,
#: ticks and text are grey, so an empty chart paints only its legend's small boxes in colour.
PAINTED = """
(canvas) => {
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    let painted = 0;
    for (let i = 0; i < data.length; i += 4) {
        const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
        if (a > 200 && Math.abs(r - g) + Math.abs(g - b) + Math.abs(r - b) > 60) painted++;
    }
    return {painted, width: canvas.width, height: canvas.height,
            chart: !!(window.Chart && window.Chart.getChart(canvas))};
}
"""

#: What Chart.js holds for each chart: the number of bars / slices with a value.
SERIES = """
() => Array.from(document.querySelectorAll("canvas[data-lfcloud-chart]")).map((canvas) => {
    const chart = window.Chart.getChart(canvas);
    return {
        name: canvas.dataset.lfcloudChart,
        labels: chart.data.labels.length,
        nonzero: chart.data.datasets.reduce(
            (n, set) => n + set.data.filter((v) => v > 0).length, 0),
    };
})
"""


def charts_drawn(page) -> dict:
    page.wait_for_selector("canvas[data-lfcloud-chart-drawn='true']")
    found = {}
    for canvas in page.locator("canvas[data-lfcloud-chart]").all():
        found[canvas.get_attribute("data-lfcloud-chart")] = canvas.evaluate(PAINTED)
    return found


def test_the_usage_view_draws_the_demo_history(login):
    page = login("brandadmin")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto("/admin/lfcloud/usage/")
    drawn = charts_drawn(page)
    assert set(drawn) == {"days", "channels"}
    for name, canvas in drawn.items():
        assert canvas["chart"], f"no Chart.js chart on the {name} canvas"
        # An empty chart paints its legend's boxes only; the demo's bars and slices paint far more.
        assert canvas["painted"] > canvas["width"] * canvas["height"] * 0.04, (name, canvas)
    series = {s["name"]: s for s in page.evaluate(SERIES)}
    assert series["days"]["labels"] == 30 and series["days"]["nonzero"] >= 30
    assert series["channels"]["nonzero"] >= 3  # Northwind's three channels (and originals)
    total = int(page.locator("[data-kind='stable_token']").inner_text())
    assert total > 1000
    top = page.locator("[data-lfcloud-usage-top] li a")
    assert top.count() >= 2 and "NW-1001" in top.first.inner_text()

    top.first.click()
    page.wait_for_url("**/usage/**")
    drawn = charts_drawn(page)
    assert all(c["chart"] and c["painted"] for c in drawn.values()), drawn
    assert page.locator("[data-lfcloud-usage-versions] tbody tr").count() >= 3
    assert not errors, errors
