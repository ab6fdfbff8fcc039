"""Every page works for every role: a crawl of the admin as each demo user of both brands.

Each user of the example site's demo data (a superuser, and the brand admin, approver, studio,
marketer and finance person of *Northwind* and of *Fabrikam*) logs in in Chromium and visits every
menu item and every admin link reachable from there (same origin, under ``/admin/``), breadth first.
URLs are grouped by pattern (numbers and tokens in the path and the query's parameter names, not
their values) and at most :data:`CAP` of each pattern are visited per user, so the crawl stays a
few minutes however much data there is.

On every listing (a page whose own form has a search box, sortable columns, filters or exports)
it also tries a search, each sortable column (also while searching, on Wagtail's own listings:
tests/roles/test_listings.py sorts the package's listings by every column while searching, as
every role), each choice of each filter, page 2, each export (also while searching) and the
listing's ``results/`` fragment (what the filters fetch as they change). Those variants are fetched over HTTP with the user's session,
a few at a time; the pages themselves load in the browser.

It asserts, for every URL and user:

- no 5xx answer;
- in the browser, no JavaScript error and no console error (a failed script, image or fetch);
- every full page has a header title (a non-empty ``h1``);
- nothing of another brand (its SKUs, order and invoice numbers, name) on the page or export of
  a brand user;
- for roles that may not see drafts (marketer, finance), no file or admin URL of a version that is
  not an approved final (its original's and renditions' file names, its image's admin and file
  URLs).

All failures are collected and reported in one assertion message (user, URL, what, where the
link was found). Failures that another item of issue 15 fixes are listed in :data:`KNOWN`, each
naming its item; an entry that no longer matches anything fails the test too, so the list can
only shrink.

The crawl is one test per role (:data:`ROLES`), so the roles can run on different xdist workers,
each against its own copy of the example site; the users of a role (one per brand) share what the
browser has loaded. ``LFCLOUD_CRAWL_USERS=brandadmin,fk-marketer`` crawls only those users,
``LFCLOUD_CRAWL_CAP`` changes the cap. A summary (URLs per user, seconds) is printed and written
to ``test-results/crawl-<role>.json`` with every failure.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html import unescape
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import pytest

from .conftest import PASSWORD, ROOT, new_context

pytestmark = pytest.mark.browser

#: Pages of one URL pattern visited per user.
CAP = int(os.environ.get("LFCLOUD_CRAWL_CAP", "2"))
#: Listing variants fetched at once (the example site is a threaded runserver).
WORKERS = 4
#: Never followed: they end the session or are not pages of this site.
SKIP_PATHS = re.compile(r"^/admin/(logout|login)/|^/admin/jsi18n/")
#: The package's admin pages (and the image and document libraries it scopes by brand, and the
#: dashboard with its panels): their links are followed and their listings explored. Elsewhere
#: (Wagtail's pages, users, settings) only the menu is followed.
EXPLORED = re.compile(r"^/admin/((lfcloud|snippets/wagtail_lfcloud|images|documents)/|$)")
#: The package's own listings: every filter choice is tried there.
PACKAGE_PATHS = re.compile(r"^/admin/(lfcloud|snippets/wagtail_lfcloud)/")
#: Choices tried per filter on other (Wagtail's own) listings.
OTHER_CHOICES = 3
#: Query parameters that only say how a listing is shown: not part of a URL's pattern.
NOISE_PARAMS = {"next"}

#: What the crawl finds that other items of issue 15 fix. Each entry: (regular expression on
#: the path and query, users it applies to (``None``: every user), text of the failure, the item).
#: It must shrink to empty: an entry that matches nothing fails the test.
KNOWN: list[tuple[str, frozenset[str] | None, str, str]] = []


@dataclass
class Failure:
    user: str
    url: str
    what: str
    found_on: str = ""

    def line(self) -> str:
        where = f"  (linked from {self.found_on})" if self.found_on else ""
        return f"{self.user:14} {self.url}\n{'':15}{self.what}{where}"


@dataclass
class Account:
    """A demo user and what must never appear on the pages they see."""

    username: str
    role: str
    brand: str | None
    #: Strings of other brands (SKUs, order and invoice numbers, brand name).
    foreign: list[str] = field(default_factory=list)
    #: Strings of drafts (file names, image URLs) this user may not see.
    drafts: list[str] = field(default_factory=list)
    #: A search term that finds something of theirs.
    term: str = "front"


DEMO_FACTS = r"""
import json
from django.contrib.auth import get_user_model
from wagtail_lfcloud.access import has_capability
from wagtail_lfcloud.models import AssetVersion, Brand, BrandRole, Invoice, Order, Product
from wagtail_lfcloud.storage.privacy import is_approved

brands = {}
for brand in Brand.objects.all():
    drafts = []
    for version in AssetVersion.objects.filter(asset__brand=brand).select_related("image"):
        if is_approved(version.status, version.approved_task_state_id):
            continue
        image = version.image
        drafts.append(image.file.name.rsplit("/", 1)[-1])
        drafts += [r.file.name.rsplit("/", 1)[-1] for r in image.renditions.all()]
        drafts += [f"/admin/images/{image.pk}/", f"/lfcloud/files/original/{version.pk}/"]
    brands[brand.pk] = {
        "slug": brand.slug,
        "name": brand.name,
        "skus": list(Product.objects.filter(brand=brand).values_list("sku", flat=True)),
        "numbers": list(Order.objects.filter(brand=brand).values_list("number", flat=True))
        + list(Invoice.objects.filter(order__brand=brand).values_list("number", flat=True)),
        "drafts": drafts,
    }
users = []
for user in get_user_model().objects.order_by("pk"):
    role = BrandRole.objects.filter(group__user=user).select_related("brand").first()
    users.append({
        "username": user.username,
        "role": "superuser" if user.is_superuser else (role.role if role else ""),
        "brand": role.brand_id if role else None,
        "drafts": bool(role) and has_capability(user, role.brand_id, "view_drafts"),
    })
print(json.dumps({"brands": brands, "users": users}))
"""


def accounts(example_site) -> list[Account]:
    facts = json.loads(example_site.shell(DEMO_FACTS).splitlines()[-1])
    brands = {int(k): v for k, v in facts["brands"].items()}
    result = []
    for user in facts["users"]:
        if not user["role"]:
            continue
        account = Account(user["username"], user["role"], None)
        if user["brand"] is not None:
            own = brands[user["brand"]]
            account.brand = own["slug"]
            account.term = own["skus"][0]
            for pk, brand in brands.items():
                if pk != user["brand"]:
                    account.foreign += brand["skus"] + brand["numbers"] + [brand["name"]]
                    account.drafts += brand["drafts"]
            if not user["drafts"]:
                account.drafts += own["drafts"]
        result.append(account)
    wanted = os.environ.get("LFCLOUD_CRAWL_USERS")
    if wanted:
        result = [a for a in result if a.username in wanted.split(",")]
    return result


def pattern(url: str) -> str:
    """``/admin/snippets/app/asset/12/edit/?q=x&ordering=y`` -> ``/admin/snippets/app/asset/#/edit/?ordering&q``."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/#", parts.path)
    path = re.sub(r"/[0-9a-f]{16,}(?=/|$)|/[\w-]*:[\w:-]+(?=/|$)", "/*", path)
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)} - NOISE_PARAMS)
    return path + ("?" + "&".join(keys) if keys else "")


#: Wagtail's generic views, the same for every model: the browser loads one of each per user.
GENERIC_VIEWS = {"copy", "delete", "usage", "history", "history-results", "results", "unpublish"}


def browser_key(url: str) -> str:
    """Pages with the same key run the same scripts: the browser loads the first, HTTP the rest."""
    path = pattern(urlsplit(url)._replace(query="").geturl())
    view = re.search(r"/admin/snippets/[^/]+/[^/]+/([\w-]+)/", path)
    if view and view.group(1) in GENERIC_VIEWS:
        return f"snippets:{view.group(1)}"
    return path


#: What marks a listing in the HTML: a search box, a sortable column or an export.
LISTING = re.compile(r'name="q"|[?&]ordering=|[?&]export=')


def listing_key(url: str) -> str:
    return pattern(urlsplit(url)._replace(query="").geturl())


def normalise(base: str, href: str) -> str | None:
    """The absolute URL of a link if the crawl follows it (same origin, under /admin/), else None."""
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc != urlsplit(base).netloc:
        return None
    if not parts.path.startswith("/admin/") or SKIP_PATHS.match(parts.path):
        return None
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(params)
    return urlunsplit(
        (parts.scheme, parts.netloc, parts.path, urlencode(sorted(query.items())), "")
    )


#: Run in the page after it loads: its links, header titles, and what its listing offers.
PAGE_FACTS = """() => {
  const own = (form) => {
    const action = new URL(form.getAttribute('action') || location.href, location.href);
    return action.pathname === location.pathname || form.closest('[data-w-swap-src-value]') !== null
      || (form.dataset.wSwapSrcValue || '') !== '';
  };
  const forms = Array.from(document.querySelectorAll('main form, #listing-filters form, .w-drawer form, form[data-w-swap-src-value]'))
    .filter(f => (f.getAttribute('method') || 'get').toLowerCase() === 'get' && own(f));
  const filters = [];
  let search = false;
  for (const form of forms) {
    for (const el of form.querySelectorAll('input, select')) {
      if (!el.name || ['p', 'ordering', 'export', 'csrfmiddlewaretoken'].includes(el.name)) continue;
      if (el.name === 'q') { search = true; continue; }
      if (el.tagName === 'SELECT') {
        for (const o of el.options) if (o.value !== '') filters.push([el.name, o.value]);
      } else if (['radio', 'checkbox'].includes(el.type) && el.value !== '') {
        filters.push([el.name, el.value]);
      }
    }
  }
  const swap = document.querySelector('[data-w-swap-src-value]');
  return {
    links: Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href')),
    h1: Array.from(document.querySelectorAll('h1, h2#header-title')).map(e => e.textContent.trim()).filter(Boolean),
    search,
    filters,
    ordering: Array.from(document.querySelectorAll('th a[href*="ordering="]')).map(a => a.getAttribute('href')),
    exports: Array.from(document.querySelectorAll('a[href*="export="]')).map(a => a.getAttribute('href')),
    results: swap ? swap.getAttribute('data-w-swap-src-value') : null,
    sidebar: (document.getElementById('wagtail-sidebar-props') || {}).textContent || '',
  };
}"""

#: The header title: an ``h1``, or on Wagtail's edit and create views its ``h2#header-title``.
H1 = re.compile(r'<h1\b[^>]*>(.*?)</h1>|<h2\b[^>]*id="header-title"[^>]*>(.*?)</h2>', re.S | re.I)
TAGS = re.compile(r"<[^>]+>")


class Crawler:
    def __init__(
        self,
        example_site,
        account: Account,
        page,
        failures: list[Failure],
        in_browser: set[str] | None = None,
    ):
        import requests

        self.site = example_site
        self.account = account
        self.page = page
        self.failures = failures
        self.visited: set[str] = set()
        self.fetched: set[str] = set()
        self.per_pattern: Counter[str] = Counter()
        #: Browser keys already loaded in the browser, shared by the users of one role: the same
        #: role of the other brand runs the same scripts, its pages are fetched over HTTP.
        self.in_browser: set[str] = set() if in_browser is None else in_browser
        self.listings: set[str] = set()
        self.console: list[str] = []
        self.current = ""
        self.session = requests.Session()
        for cookie in page.context.cookies():
            self.session.cookies.set(cookie["name"], cookie["value"])
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console.append(f"JavaScript error: {error}"))
        self.foreign = (
            re.compile(
                "|".join(re.escape(s) for s in sorted(set(account.foreign), key=len, reverse=True))
            )
            if account.foreign
            else None
        )
        self.drafts = (
            re.compile(
                "|".join(re.escape(s) for s in sorted(set(account.drafts), key=len, reverse=True))
            )
            if account.drafts
            else None
        )

    def _console(self, message) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            if where == self.current or where.endswith("/favicon.ico"):
                # The page's own status is judged from its response (a 403/404 of a link the
                # role may not follow is no failure); favicon.ico is the browser's own request.
                return
            self.console.append(f"console error: {message.text} {where}".strip())

    def fail(self, url: str, what: str, found_on: str = "") -> None:
        self.failures.append(Failure(self.account.username, url, what, found_on))

    def check_content(self, url: str, text: str, found_on: str, *, page: bool) -> None:
        if self.foreign and (match := self.foreign.search(text)):
            self.fail(url, f"shows another brand's {match.group(0)!r}", found_on)
        if self.drafts and (match := self.drafts.search(text)):
            self.fail(
                url,
                f"shows a draft this role may not see ({match.group(0)!r})",
                found_on,
            )
        if page:
            titles = [TAGS.sub("", a + b).strip() for a, b in H1.findall(text)]
            if not any(titles):
                self.fail(url, "no header title (h1)", found_on)

    # --- pages, in the browser --------------------------------------------------------------

    def crawl(self, start: str = "/admin/") -> int:
        queue: deque[tuple[str, str]] = deque([(self.site.url + start, "")])
        while queue:
            url, found_on = queue.popleft()
            if url in self.visited or url in self.fetched:
                continue
            key = pattern(urlsplit(url)._replace(query="").geturl())
            if self.per_pattern[key] >= CAP:
                continue
            self.per_pattern[key] += 1
            self.visited.add(url)
            # The browser loads the first page of each path pattern (its scripts run, its
            # listing is explored); more pages of the pattern are fetched over HTTP.
            path_key = browser_key(url)
            if path_key in self.in_browser or "export=" in url:
                links = self.visit_http(url, found_on)
            else:
                self.in_browser.add(path_key)
                links = self.visit(url, found_on)
            for link in links:
                if link not in self.visited:
                    queue.append((link, url))
        return len(self.visited) + len(self.fetched)

    def visit_http(self, url: str, found_on: str) -> list[str]:
        response = self._get(url)
        self._judge(url, response, found_on)
        if (
            isinstance(response, Exception)
            or response.status_code != 200
            or "text/html" not in response.headers.get("content-type", "")
        ):
            return []
        html = response.text
        if (
            EXPLORED.match(urlsplit(response.url).path)
            and LISTING.search(html)
            and listing_key(response.url) not in self.listings
        ):
            # A listing this user has not explored yet: load it in the browser, which reads its
            # search box, columns, filters and exports and tries each.
            return self.visit(url, found_on)
        links = re.findall(r'"url": "(/admin/[^"]*)"', html)
        if EXPLORED.match(urlsplit(response.url).path):
            links += [unescape(h) for h in re.findall(r'<a\b[^>]*?\bhref="([^"]*)"', html)]
        return [a for a in (normalise(response.url, h) for h in links) if a is not None]

    def visit(self, url: str, found_on: str) -> list[str]:
        self.console.clear()
        self.current = url
        try:
            response = self.page.goto(url, wait_until="load")
        except Exception as exc:  # a download, a timeout, a crash: say which
            if "Download is starting" in str(exc) or "ERR_ABORTED" in str(exc):
                self.fetch(url, found_on)
            else:
                self.fail(url, f"did not load: {str(exc).splitlines()[0]}", found_on)
            return []
        if response is None:
            return []
        status = response.status
        final = self.page.url
        if status >= 500:
            title = self.page.title()
            self.fail(url, f"HTTP {status}: {title}", found_on)
            return []
        content_type = response.headers.get("content-type", "")
        if "text/html" not in content_type:
            self.check_content(url, response.text(), found_on, page=False)
            return []
        facts = self.page.evaluate(PAGE_FACTS)
        for message in self.console:
            self.fail(url, message, found_on)
        if status >= 400 or urlsplit(final).path.startswith("/admin/login/"):
            return []  # a 403/404 page of a link the role may not follow is not a failure
        self.check_content(url, response.text(), found_on, page=False)
        if not facts["h1"]:
            self.fail(url, "no header title (h1)", found_on)
        # Menu items from every page; other links only from the package's own pages.
        links = re.findall(r'"url": "(/admin/[^"]*)"', facts["sidebar"])
        if EXPLORED.match(urlsplit(final).path):
            links += facts["links"]
            if facts["search"] or facts["ordering"] or facts["filters"] or facts["exports"]:
                self.listing(final, facts)
        result = []
        for href in links:
            absolute = normalise(final, href)
            if absolute is not None:
                result.append(absolute)
        return result

    # --- listing variants, over HTTP --------------------------------------------------------

    def listing(self, url: str, facts: dict) -> None:
        base = with_query(url)  # its own query kept: a listing reached through a filter link
        key = listing_key(base)
        if key in self.listings:
            return
        self.listings.add(key)
        filters = facts["filters"]
        if not PACKAGE_PATHS.match(urlsplit(base).path):
            # Wagtail's own listings (history, usage, images, reports): a few choices per filter.
            seen: Counter[str] = Counter()
            filters = [f for f in filters if (seen.update([f[0]]) or seen[f[0]]) <= OTHER_CHOICES]
        term = self.account.term
        variants = [with_query(base, q=term), with_query(base, p="2")]
        # Each column sorted while searching: on Wagtail's listings here. The package's own are
        # sorted by every column, both ways, with and without a search, as every role of two
        # brands, on both databases, by tests/roles/test_listings.py (in-process, 13 people).
        own = PACKAGE_PATHS.match(urlsplit(base).path)
        for href in facts["ordering"]:
            ordered = normalise(url, href)
            if ordered:
                variants += [ordered] if own else [ordered, with_query(ordered, q=term)]
        for name, value in filters:
            variants.append(with_query(base, **{name: value}))
        for href in facts["exports"]:
            exported = normalise(url, href)
            if exported:
                variants += [exported, with_query(exported, q=term)]
        if facts["results"]:
            results = normalise(url, facts["results"])
            if results:
                variants.append(with_query(results, q=term))
        todo = [
            v for v in dict.fromkeys(variants) if v not in self.visited and v not in self.fetched
        ]
        self.fetched.update(todo)
        with ThreadPoolExecutor(WORKERS) as pool:
            for variant, outcome in zip(todo, pool.map(self._get, todo), strict=True):
                self._judge(variant, outcome, url)

    def fetch(self, url: str, found_on: str) -> None:
        self.fetched.add(url)
        self._judge(url, self._get(url), found_on)

    def _get(self, url: str):
        try:
            response = self.session.get(url, timeout=60, allow_redirects=True)
        except Exception as exc:
            return exc
        return response

    def _judge(self, url: str, response, found_on: str) -> None:
        if isinstance(response, Exception):
            self.fail(url, f"did not answer: {response}", found_on)
            return
        if response.status_code >= 500:
            # Django's debug page names the exception in its title.
            title = re.search(r"<title>(.*?)</title>", response.text, re.S)
            detail = unescape(TAGS.sub("", title.group(1))).strip() if title else ""
            self.fail(url, f"HTTP {response.status_code}: {detail[:300]}", found_on)
            return
        if response.status_code >= 400 or "/admin/login/" in response.url:
            return
        content_type = response.headers.get("content-type", "")
        if not content_type.startswith(("text/", "application/json")):
            return
        is_page = (
            "text/html" in content_type
            and "/results/" not in url
            and "<html" in response.text[:500]
        )
        self.check_content(url, response.text, found_on, page=is_page)


def login(chromium, example_site, username: str):
    context = new_context(chromium, example_site.url)
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto("/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/admin/login/" not in url)
    return context, page


def known(failure: Failure) -> tuple[str, frozenset[str] | None, str, str] | None:
    path = urlsplit(failure.url)
    target = path.path + ("?" + path.query if path.query else "")
    for entry in KNOWN:
        regex, users, text, _item = entry
        if (
            re.search(regex, target)
            and (users is None or failure.user in users)
            and text in failure.what
        ):
            return entry
    return None


#: The roles crawled, one test each (so xdist can run them on different workers); the superuser
#: and each demo user of that role, of both brands. Largest crawl first.
ROLES = ["brand_admin", "superuser", "approver", "studio", "marketer", "finance"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_for_every_role(chromium, example_site, role):
    started = time.monotonic()
    failures: list[Failure] = []
    summary = {}
    everyone = accounts(example_site)
    # No demo user is left out: each has one of the roles crawled.
    assert {a.role for a in everyone} <= set(ROLES), everyone
    people = [a for a in everyone if a.role == role]
    in_browser: set[str] = set()
    if not os.environ.get("LFCLOUD_CRAWL_USERS"):
        brands = {None} if role == "superuser" else {"northwind", "fabrikam"}
        assert {a.brand for a in people} >= brands, people
    for account in people:
        t0 = time.monotonic()
        context, page = login(chromium, example_site, account.username)
        try:
            crawler = Crawler(example_site, account, page, failures, in_browser)
            crawler.crawl()
        finally:
            context.close()
        summary[account.username] = {
            "role": account.role,
            "brand": account.brand,
            "pages": len(crawler.visited),
            "fetched": len(crawler.fetched),
            "listings": len(crawler.listings),
            "seconds": round(time.monotonic() - t0, 1),
            "urls": sorted(crawler.visited | crawler.fetched),
        }
    elapsed = time.monotonic() - started
    # One failure per (user, URL, what); a URL linked from many pages is reported once.
    unique = list({(f.user, f.url, f.what): f for f in failures}.values())
    expected = [f for f in unique if known(f)]
    unexpected = [f for f in unique if not known(f)]
    used = {known(f) for f in expected}
    # An entry is stale when it matches nothing of the users it names that were crawled here.
    crawled = set(summary)
    stale = [
        entry for entry in KNOWN if entry not in used and (entry[1] is None or entry[1] & crawled)
    ]
    total = sum(s["pages"] + s["fetched"] for s in summary.values())
    report = {
        "urls": total,
        "users": len(summary),
        "seconds": round(elapsed),
        "per_user": summary,
        "failures": [f.__dict__ for f in unexpected],
        "known": [{**f.__dict__, "item": known(f)[3]} for f in expected],
        "stale": [list(entry[:1]) + [entry[3]] for entry in stale],
    }
    out = ROOT / "test-results"
    out.mkdir(exist_ok=True)
    (out / f"crawl-{role}.json").write_text(json.dumps(report, indent=1, default=sorted))
    print(
        f"\ncrawl as {role}: {total} URLs, {len(summary)} users, {elapsed:.0f} s, "
        f"{len(unexpected)} failures, {len(expected)} known"
    )
    for username, s in summary.items():
        print(f"  {username:14} { ({k: v for k, v in s.items() if k != 'urls'}) }")
    problems = []
    if unexpected:
        problems.append(
            f"{len(unexpected)} failures in {total} URLs crawled as {len(summary)} users:\n"
            + "\n".join(
                f.line() for f in sorted(unexpected, key=lambda f: (pattern(f.url), f.user))
            )
        )
    if stale:
        problems.append(
            "Known failures that no longer happen: remove them from KNOWN:\n"
            + "\n".join(f"  {regex}  ({item})" for regex, _, _, item in stale)
        )
    assert not problems, "\n\n".join(problems)
