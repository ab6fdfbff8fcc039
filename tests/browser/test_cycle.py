"""The whole production cycle in a real browser, one person's step at a time.

A brand admin orders photos of two bags with a brief; the studio asks a question on the order's
thread and uploads four files at once, and the brand admin's open order page updates by itself
(the thread and the grid); an approver pins a comment and requests changes; the studio uploads
v2; the approver approves it; a marketer finds it in the library (finals only) and downloads the
Amazon bundle; the stable API URL serves v2.

Every step is done through the admin UI as the person would do it. Each step saves a screenshot
to docs/img/tutorial/NN-name.png; docs/tutorial/first-steps.md walks through the same steps with
them, so the tutorial shows what the code really does.

Also here: the order page's pollers go on after a request that never gets an answer.
"""

from __future__ import annotations

import datetime
import io
import re
import sys
import zipfile
from pathlib import Path

import pytest

from .conftest import EXAMPLE_SITE, new_context, screenshot

pytestmark = pytest.mark.browser

# The bags are not in the demo's own order, so this order creates their deliverables.
BAGS = {"NW-2001": "B0NW200101", "NW-2002": "B0NW200201"}
ANGLES = ("front", "side")
CHANNELS = ("amazon_main", "shopify_product")
PERIOD = "2026-02"


def photo(tmp_path: Path, sku: str, angle: str, version: int) -> Path:
    """A studio photo named by the convention, drawn by the example site's demo (no downloads)."""
    sys.path.insert(0, str(EXAMPLE_SITE))
    try:
        from demo.photos import product_photo
    finally:
        sys.path.remove(str(EXAMPLE_SITE))
    folder = tmp_path / f"v{version}"
    folder.mkdir(exist_ok=True)
    path = folder / f"{sku}_{PERIOD}_{angle}.jpg"
    # The demo draws product number n of its catalogue with seed n: the bags are 4 and 5.
    seed = 4 + list(BAGS).index(sku)
    path.write_bytes(product_photo(seed, angle, size=(1200, 1200), version=version))
    return path


def in_days(days: int) -> str:
    """A date ``days`` from today, as the admin's date fields take it. The order's dates were once
    written out ("2026-12-18"): from the day after, the order was overdue and its cells red in the
    tutorial's screenshots."""
    return (datetime.date.today() + datetime.timedelta(days=days)).isoformat()


def cell_state(page, sku: str, angle: str):
    """The status label of one SKU x angle cell of the order grid."""
    return page.locator("tr", has_text=sku).locator(f"td[data-cell$=':{angle}'] [data-state]")


def poll_timeout(page) -> int:
    """How long (ms) to wait for the order page's poller to bring what someone else just did.

    The page asks every ``data-poll-seconds`` (5 s on the example site, as long as Playwright's
    default expect timeout, so a change made just after a tick could be missed by a
    default-timeout expect), and skips a tick while the previous answer is still on its way (a
    loaded server): a wait for two poll intervals plus an answer, not for a slow machine."""
    seconds = int(page.locator("[data-lfcloud-thread]").get_attribute("data-poll-seconds"))
    return (2 * seconds + 10) * 1000


def upload(page, files: list[Path]) -> list[str]:
    """Pick ``files`` on the upload page and wait until each has a result; return the messages."""
    page.set_input_files("input[data-lfcloud-files]", [str(f) for f in files])
    page.wait_for_function(
        "n => document.querySelectorAll('[data-lfcloud-upload-list] [data-lfcloud-result]').length >= n",
        arg=len(files),
        timeout=120_000,
    )
    items = page.locator("[data-lfcloud-upload-list] li")
    return [items.nth(i).inner_text() for i in range(items.count())]


def open_review(page, sku: str, angle: str) -> None:
    """From the Assets listing, open the review page of one deliverable."""
    page.goto("/admin/snippets/wagtail_lfcloud/asset/")
    row = page.locator("tbody tr").filter(has_text=sku).filter(has_text=re.compile(rf"\b{angle}\b"))
    row.get_by_role("link", name="Review").click()
    page.wait_for_url(re.compile(r"/admin/lfcloud/assets/\d+/review/"))


def test_order_to_api(login, example_site, tmp_path):
    from playwright.sync_api import expect

    # 1. The brand admin creates an order for two bags, front and side, for Amazon and Shopify.
    brand = login("brandadmin")
    brand.goto("/admin/snippets/wagtail_lfcloud/order/add/")
    brand.fill("#id_title", "FW26 bags for the web shop")
    brand.fill("#id_due_date", in_days(11))
    for index, sku in enumerate(BAGS):
        brand.click("#id_lines-ADD")
        product = brand.locator(f"#id_lines-{index}-product")
        product.select_option(label=product.locator("option", has_text=sku).inner_text())
        for angle in ANGLES:
            brand.check(f"input[name='lines-{index}-angles'][value='{angle}']")
        for channel in CHANNELS:
            brand.check(f"input[name='lines-{index}-channels'][value='{channel}']")
        brand.fill(f"#id_lines-{index}-unit_price", "40")
        brand.fill(f"#id_lines-{index}-quantity", "1")
    brand.locator("#id_title").scroll_into_view_if_needed()  # the lines show on the order page (03)
    # Playwright's clicks on the second line scrolled the admin's content wrapper sideways.
    brand.evaluate(
        "document.querySelectorAll('main').forEach(e => e.scrollTo({left: 0, behavior: 'instant'}))"
    )
    screenshot(brand, "01-new-order")
    brand.get_by_role("button", name="Save", exact=True).click()
    expect(brand.locator(".messages")).to_contain_text("created")
    number = re.search(r"LF-\d{4}-\d{6}", brand.locator(".messages").inner_text()).group(0)

    # 2. ... writes the brief on the order page ...
    brand.locator("tbody tr", has_text=number).get_by_role("link", name=number).click()
    order_url = _order_page(brand, number)
    brand.get_by_role("button", name="Write the brief").click()
    brand.fill("#id_shoot_date", in_days(1))
    brand.fill("#id_finals_due", in_days(5))
    brand.locator(".public-DraftEditor-content").first.click()
    brand.keyboard.type(
        "Pure white background, bag centred and filling 85% of the frame. Straps tucked in."
    )
    brand.mouse.click(1000, 210)  # a click on empty space closes the date pickers
    screenshot(brand, "02-brief")
    brand.get_by_role("button", name="Save", exact=True).click()
    expect(brand.locator(".messages")).to_contain_text(re.compile("updated|saved", re.IGNORECASE))

    # 3. ... and submits the order to the studio: the shot list shows four deliverables to upload.
    brand.goto(order_url)
    brand.get_by_role("button", name="Submit to the studio").click()
    expect(brand.locator(".messages")).to_contain_text("submitted")
    for sku in BAGS:
        for angle in ANGLES:
            expect(cell_state(brand, sku, angle)).to_have_attribute("data-state", "awaiting_upload")
    screenshot(brand, "03-order-submitted")

    # 4. The studio finds the order on its dashboard, starts production and asks a question on
    # the order's thread.
    studio = login("studio")
    studio.get_by_role("link", name=number).first.click()
    studio.wait_for_url(re.compile(r"/admin/lfcloud/orders/\d+/"))
    studio.get_by_role("button", name="Start production").click()
    expect(studio.locator(".messages")).to_contain_text("in production")
    studio.fill("textarea[name=body]", "Do you want the straps of the day pack open or closed?")
    studio.get_by_role("button", name="Post message").click()
    expect(studio.locator("[data-message]")).to_contain_text("straps of the day pack")
    studio.locator("[data-message]").last.scroll_into_view_if_needed()
    screenshot(studio, "04-order-thread")
    # The brand admin's order page, open since step 3, shows the question without a reload, and
    # the answer reaches the studio's page the same way.
    question = brand.locator("[data-message]").first
    expect(question).to_contain_text("straps of the day pack", timeout=poll_timeout(brand))
    expect(question).to_have_class(re.compile("lfcloud-message--unread"))  # marked as new
    brand.fill("textarea[name=body]", "Closed, please, with the buckles facing the camera.")
    brand.get_by_role("button", name="Post message").click()
    # The brand admin's page reloaded with the answer (before step 5 marks it as never reloaded).
    expect(brand.locator(".messages")).to_contain_text("Your message was posted")
    expect(brand.locator("[data-message]").last).to_contain_text("buckles facing the camera")
    expect(studio.locator("[data-message]").last).to_contain_text(
        "buckles facing the camera", timeout=poll_timeout(studio)
    )

    # 5. The studio uploads all four photos at once and watches each file's progress bar. The
    # connection is throttled so the screenshot catches the uploads in flight.
    studio.get_by_role("link", name="Upload files").click()
    studio.wait_for_url("**/admin/lfcloud/upload/")
    cdp = studio.context.new_cdp_session(studio)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 20,
            "downloadThroughput": -1,
            "uploadThroughput": 48 * 1024,
        },
    )
    brand.evaluate("window.lfcloudNotReloaded = true")  # the brand admin's order page stays open
    v1 = [photo(tmp_path, sku, angle, 1) for sku in BAGS for angle in ANGLES]
    studio.set_input_files("input[data-lfcloud-files]", [str(f) for f in v1])
    studio.wait_for_function(
        "[...document.querySelectorAll('[data-lfcloud-upload-list] [data-progress]')]"
        ".some(p => +p.getAttribute('aria-valuenow') > 0 && +p.getAttribute('aria-valuenow') < 100)"
    )
    screenshot(studio, "05-upload-progress")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": -1,
        },
    )
    studio.wait_for_function(
        "document.querySelectorAll('[data-lfcloud-upload-list] [data-lfcloud-result]').length >= 4",
        timeout=120_000,
    )
    results = studio.locator("[data-lfcloud-upload-list] li")
    expect(results).to_have_count(4)
    for i in range(4):
        expect(results.nth(i)).to_have_attribute("data-lfcloud-result", "ok")
        expect(results.nth(i)).to_contain_text("version 1")
    screenshot(studio, "06-upload-done")

    # 6. The brand admin's order page, never reloaded, now shows every deliverable in review.
    for sku in BAGS:
        for angle in ANGLES:
            expect(cell_state(brand, sku, angle)).to_have_attribute(
                "data-state", "in_review", timeout=30_000
            )
    assert brand.evaluate("window.lfcloudNotReloaded === true"), (
        "the order grid must update without a reload"
    )
    expect(brand.locator("main")).to_contain_text("4 in review")
    expect(brand.locator("main")).to_contain_text(
        re.compile("in production", re.I)
    )  # the studio's move
    screenshot(brand, "07-grid-live")
    # The thread the brand admin answered from this page in step 4 is still there.
    expect(brand.locator("[data-message]").first).to_contain_text("straps of the day pack")
    expect(brand.locator("[data-message]").last).to_contain_text("buckles facing the camera")

    # 7. The approver pins a comment on the bag's label and requests changes.
    approver = login("approver")
    open_review(approver, "NW-2001", "front")
    stage = approver.locator("[data-lfcloud-stage]")
    expect(stage.locator("img")).to_be_visible()
    box = stage.bounding_box()
    x, y = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3
    approver.mouse.move(x, y)
    approver.mouse.down()
    approver.mouse.move(x + box["width"] * 0.15, y + box["height"] * 0.1, steps=4)
    approver.mouse.move(x + box["width"] * 0.25, y + box["height"] * 0.2, steps=4)
    approver.mouse.up()
    expect(approver.locator("[data-lfcloud-comment-form] input[name=x]")).not_to_have_value("")
    approver.fill("[data-lfcloud-comment-form] textarea", "The label is crooked: straighten it.")
    approver.locator("[data-lfcloud-comment-form]").get_by_role(
        "button", name="Add comment"
    ).click()
    expect(approver.locator(".messages")).to_contain_text("Comment added")
    expect(approver.locator(".lfcloud-pin")).to_have_count(1)
    screenshot(approver, "08-pinned-comment")
    approver.fill(
        "#comment-reject", "Please straighten the label (pin 1) and upload a new version."
    )
    approver.locator("button[data-action=reject]").click()
    expect(approver.locator("main")).to_contain_text("Changes requested")
    screenshot(approver, "09-changes-requested")
    expect(cell_state(brand, "NW-2001", "front")).to_have_attribute(
        "data-state", "changes_requested", timeout=30_000
    )

    # 8. The studio uploads v2 of that photo; the approver sees it next to the earlier feedback.
    studio.goto("/admin/lfcloud/upload/")
    [message] = upload(studio, [photo(tmp_path, "NW-2001", "front", 2)])
    assert "version 2" in message, message
    screenshot(studio, "10-upload-v2")
    open_review(approver, "NW-2001", "front")
    expect(approver.locator("[aria-current=page]")).to_contain_text("v2")
    expect(approver.locator("[data-lfcloud-earlier]")).to_contain_text("The label is crooked")
    screenshot(approver, "11-review-v2")

    # 9. The approver approves v2: it becomes the current version, v1 is kept as superseded.
    approver.fill("#comment-approve", "Label straight now. Approved.")
    approver.locator("button[data-action=approve]").click()
    expect(approver.locator("main")).to_contain_text("Approved (current)")
    expect(approver.locator(".lfcloud-version-tabs")).to_contain_text("v1 · Superseded")
    screenshot(approver, "12-approved")
    expect(cell_state(brand, "NW-2001", "front")).to_have_attribute(
        "data-state", "approved", timeout=30_000
    )

    # 10. A marketer finds the bag in the asset library. Marketers see approved finals only: the
    # other three photos are still in review and stay invisible, even when asked for by URL.
    marketer = login("marketer")
    marketer.get_by_role("link", name="Asset library", exact=True).click()
    marketer.wait_for_url("**/admin/lfcloud/library/")
    # The filters sit in the drawer of Wagtail's listings; typing a SKU refreshes the results.
    marketer.get_by_role("button", name="Show filters").click()
    marketer.get_by_role("button", name="SKU").click()
    marketer.fill("#id_sku", "NW-2001")
    marketer.wait_for_function("location.search.includes('sku=NW-2001')")
    expect(marketer.locator("[data-w-active-filter-id]")).to_contain_text("NW-2001")
    library = marketer.locator("[data-lfcloud-library] li[data-version]")
    expect(library).to_have_count(1)
    expect(library.first).to_contain_text("NW-2001 · front · v2")
    expect(library.first).to_have_attribute("data-status", "current")
    library.first.scroll_into_view_if_needed()
    screenshot(marketer, "13-library-finals")
    for status in ("in_review", "all"):
        marketer.goto(f"/admin/lfcloud/library/?sku=NW-2001&status={status}")
        statuses = marketer.locator("[data-lfcloud-library] li[data-version]").evaluate_all(
            "items => items.map(i => i.dataset.status)"
        )
        assert set(statuses) <= {"current"}, f"a marketer saw {statuses} with status={status}"

    # 11. ... and downloads the Amazon bundle of the approved files the library shows (the
    # tutorial's way): files named by ASIN, v2 inside, nothing unapproved.
    marketer.goto("/admin/lfcloud/library/?sku=NW-2001")
    marketer.locator("[data-lfcloud-bundle-link]").click()
    marketer.wait_for_url("**/admin/lfcloud/bundles/**")
    marketer.select_option("select[name=channel]", "amazon_main")
    screenshot(marketer, "14-amazon-bundle")
    with marketer.expect_download() as download_info:
        marketer.get_by_role("button", name=re.compile("Download|Prepare", re.IGNORECASE)).click()
    bundle = download_info.value
    archive = zipfile.ZipFile(io.BytesIO(Path(bundle.path()).read_bytes()))
    names = archive.namelist()
    assert "B0NW200101.MAIN.jpg" in names, names
    assert not any("NW-2002" in n or BAGS["NW-2002"] in n for n in names), (
        f"unapproved files in the bundle: {names}"
    )

    # 12. The superuser creates an API token for the marketer's storefront (Settings → API tokens).
    admin = login("admin")
    admin.goto("/admin/api-tokens/new/")
    admin.fill("input[name=name]", "Storefront")
    admin.select_option("select[name=user]", label="marketer")
    admin.get_by_role("button", name=re.compile("Create|Save", re.IGNORECASE)).click()
    token = admin.locator("#api-token-value").input_value()
    assert token.startswith("wagtail_"), token
    screenshot(admin, "15-api-token")

    # 13. The stable URL of the bag's Amazon image redirects to v2's file; a browser that sends
    # the token sees the approved photo.
    api = admin.context.request
    url = "/lfcloud/api/v1/renditions/northwind/NW-2001/front/amazon_main"
    response = api.get(url, headers={"Authorization": f"Bearer {token}"}, max_redirects=0)
    for _retry in range(10):
        if response.status != 202:
            break
        # The channel file is still being made (a real task queue): retry when the API says.
        admin.wait_for_timeout(1000 * int(response.headers.get("retry-after", "1")))
        response = api.get(url, headers={"Authorization": f"Bearer {token}"}, max_redirects=0)
    assert response.status == 302, (response.status, response.text())
    assert response.headers["x-lfcloud-version"] == "2"
    image = api.get(response.headers["location"])
    assert image.ok and image.headers["content-type"] == "image/jpeg"
    # The marketer's bundle and the storefront get the very same file: v2's Amazon rendition.
    assert image.body() == archive.read("B0NW200101.MAIN.jpg")
    anonymous = api.get(url, max_redirects=0, headers={"Authorization": ""})
    assert anonymous.status == 401
    viewer = new_context(
        admin.context.browser,
        example_site.url,
        extra_http_headers={"Authorization": f"Bearer {token}"},
    )
    try:
        page = viewer.new_page()
        page.goto(url)
        assert "NW-2001_2" in page.url, page.url
        screenshot(page, "16-stable-url")
    finally:
        viewer.close()


def _order_page(page, number: str) -> str:
    """Open the order's LF Cloud page (shot list, brief, thread) and return its URL."""
    if not re.search(r"/admin/lfcloud/orders/\d+/$", page.url):
        match = re.search(r"/edit/(\d+)/", page.url)
        page.goto(f"/admin/lfcloud/orders/{match.group(1)}/")
    from playwright.sync_api import expect

    expect(page.locator("main")).to_contain_text(number)
    return page.url


#: TIMEOUT_INTERVALS of order_grid.js and order_thread.js: how many poll intervals a request may
#: take before the page gives it up and asks again at the next tick.
POLL_TIMEOUT_INTERVALS = 3

HUNG_POLL_ORDER = r"""
import datetime
from wagtail_lfcloud.models import Brand, Order, OrderLine, Product
order = Order.objects.create(
    brand=Brand.objects.get(slug="northwind"), title="Hung poll", currency="EUR",
    status="in_production", due_date=datetime.date.today() + datetime.timedelta(days=30),
)
OrderLine.objects.create(
    order=order, product=Product.objects.get(sku="NW-1001"), angles=["front"],
    channels=["amazon_main"], unit_price=10, quantity=1,
)
print(order.pk)
"""


def test_an_unanswered_poll_does_not_stop_the_order_page(login, example_site):
    """A poll whose answer never comes (a dropped connection, a stuck proxy) once left the order
    page's grid and thread pollers busy for good: the page showed nothing new until reloaded.
    Here the first request of each poller never gets an answer; the message and the status
    change made after it still reach the open page."""
    from playwright.sync_api import expect

    pk = int(example_site.shell(HUNG_POLL_ORDER).splitlines()[-1])
    try:
        brand = login("brandadmin")
        held: dict[str, object] = {}

        def hold_the_first(route) -> None:
            kind = "grid" if "grid.json" in route.request.url else "thread"
            if kind in held:
                route.continue_()
            else:
                held[kind] = route  # never answered

        brand.route(
            re.compile(rf"/admin/lfcloud/orders/{pk}/(grid|messages)\.json"), hold_the_first
        )
        # Each poller's first request (one interval after the page loads) is held.
        with (
            brand.expect_request(re.compile(r"/grid\.json"), timeout=60_000),
            brand.expect_request(re.compile(r"/messages\.json"), timeout=60_000),
        ):
            brand.goto(f"/admin/lfcloud/orders/{pk}/")
        status = brand.locator("[data-order-status]")
        expect(status).to_have_attribute("data-order-status", "in_production")

        example_site.shell(
            "from django.contrib.auth import get_user_model\n"
            "from wagtail_lfcloud.models import Order, OrderMessage\n"
            f"order = Order.objects.get(pk={pk})\n"
            "OrderMessage.objects.create(order=order, body='Lights are set up',"
            " author=get_user_model().objects.get(username='studio'))\n"
            f"Order.objects.filter(pk={pk}).update(status='in_review')\n"
        )
        # The held requests are given up after POLL_TIMEOUT_INTERVALS, the next ticks ask again.
        seconds = int(brand.locator("[data-lfcloud-thread]").get_attribute("data-poll-seconds"))
        wait = POLL_TIMEOUT_INTERVALS * seconds * 1000 + poll_timeout(brand)
        expect(brand.locator("[data-message]").last).to_contain_text(
            "Lights are set up", timeout=wait
        )
        expect(status).to_have_attribute("data-order-status", "in_review", timeout=wait)
        assert set(held) == {"grid", "thread"}  # the first requests were never answered
    finally:
        example_site.shell(
            f"from wagtail_lfcloud.models import Order\nOrder.objects.filter(pk={pk}).delete()"
        )
