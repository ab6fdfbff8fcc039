"""Every listing of the package, as every role of two brands: search, every sortable column (both
directions, with and without a search), each filter choice while searching, page 2
and each export format answer without a server error, and show nothing of the other brand.

The listings are discovered, not listed: every URL pattern of the resolver whose view is one of
Wagtail's listing views (``BaseListingView``) that the package defines or replaces (its snippet
listings, the asset library, the scoped workflow reports, Wagtail's image and document listings),
and on each page the links and forms a person would use: the sortable column headers, the choices
of the filter drawer, the export links.
"""

from __future__ import annotations

import io
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from wagtail.admin.views.generic.base import BaseListingView

from tests.roles.helpers import make_brand_world, make_full_world
from wagtail_lfcloud.models import Product, Role

pytestmark = pytest.mark.django_db

#: Typed into every search box: words, a SKU, and text that once broke the SQLite backend.
SEARCHES = ["acme", "ACME1", '6" heel']


def _walk(patterns, namespaces=(), prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespaces + ((pattern.namespace,) if pattern.namespace else ())
            yield from _walk(pattern.url_patterns, ns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield ":".join((*namespaces, pattern.name)), prefix + str(pattern.pattern), pattern


def package_listings() -> list[tuple[str, str]]:
    """(page URL, results URL) of every listing view the package defines or replaces, without
    URL arguments (a listing of one object's history or usage is not a listing people search)."""
    found = {}
    for name, route, pattern in _walk(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "view_class", None)
        if not (
            isinstance(view_class, type)
            and issubclass(view_class, BaseListingView)
            and view_class.__module__.startswith("wagtail_lfcloud")
            and "<" not in route
        ):
            continue
        found[name] = reverse(name)
    listings = []
    for name, url in sorted(found.items()):
        if name.endswith("_results"):
            continue
        results = found.get(f"{name}_results") or found.get(name.replace(":list", ":list_results"))
        listings.append((url, results or url))
    return listings


def _query(url: str) -> dict:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def offered_queries(html: str) -> dict[str, list[dict]]:
    """What the page offers to click: sort orders, filter choices, exports, page links."""
    soup = BeautifulSoup(html, "html.parser")
    offered = {"ordering": [], "filter": [], "export": [], "page": []}
    for link in soup.find_all("a", href=True):
        query = _query(link["href"])
        for key in ("ordering", "export"):
            if key in query:
                offered[key].append({key: query[key]})
        if "p" in query:
            offered["page"].append({"p": query["p"]})
    for form in soup.select(
        "form[data-controller~='w-swap'], form#listing-filters, .w-filter-drawer form, form"
    ):
        for select in form.find_all("select"):
            name = select.get("name")
            if not name:
                continue
            for option in select.find_all("option"):
                if option.get("value"):
                    offered["filter"].append({name: option["value"]})
        for choice in form.find_all("input", attrs={"type": ["radio", "checkbox"]}):
            if choice.get("name") and choice.get("value"):
                offered["filter"].append({choice["name"]: choice["value"]})
        for date in form.find_all("input", attrs={"type": ["date", "text"]}):
            name = date.get("name") or ""
            if name.endswith(("_after", "_before")):
                offered["filter"].append({name: "2026-01-01"})
    for key, values in offered.items():
        unique = {tuple(sorted(v.items())) for v in values}
        offered[key] = [dict(items) for items in sorted(unique)]
    return offered


def _get(client: Client, url: str, params: dict, failures: list, who: str, hidden=()):
    full = f"{url}?{urlencode(params)}" if params else url
    response = client.get(full)
    if response.status_code >= 500:
        failures.append(f"{who}: GET {full} -> {response.status_code}")
    elif hidden and response.status_code == 200 and not response.streaming:
        body = response.content.decode(errors="replace").lower()
        # What the URL itself says (the search box echoes it) is not shown by the listing.
        shown = [m for m in hidden if m in body and m not in full.lower()]
        if shown:
            failures.append(f"{who}: GET {full} shows the other brand ({shown})")
    return response


@pytest.fixture
def worlds():
    return make_full_world("Acme"), make_full_world("Zedcorp")


#: Every role of both brands, and a superuser.
PEOPLE = [(brand, role) for brand in (0, 1) for role in Role.values] + [(None, "superuser")]


def _person(worlds, django_user_model, brand, role):
    """(label, user, markers of the brand the user must not see)."""
    if brand is None:
        user = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
        return "superuser", user, ()
    world, other = worlds[brand], worlds[1 - brand]
    hidden = (other.brand.name.lower(), other.product.sku.lower())
    return f"{world.brand.slug}/{role}", world.users[role], hidden


def _people(worlds, django_user_model):
    return [_person(worlds, django_user_model, b, r)[:2] for b, r in PEOPLE]


def test_the_package_registers_listings():
    # The discovery must find the package's listings, or the test below proves nothing.
    urls = [url for url, _ in package_listings()]
    for expected in (
        "/admin/snippets/wagtail_lfcloud/asset/",
        "/admin/snippets/wagtail_lfcloud/product/",
        "/admin/snippets/wagtail_lfcloud/invoice/",
        reverse("wagtail_lfcloud_admin:library"),
        reverse("wagtailimages:index"),
        reverse("wagtaildocs:index"),
    ):
        assert expected in urls
    assert len(urls) >= 15
    results = dict(package_listings())
    assert results[reverse("wagtail_lfcloud_admin:library")] == reverse(
        "wagtail_lfcloud_admin:library_results"
    )


@pytest.mark.parametrize(
    "brand,role",
    PEOPLE,
    ids=[f"{'acme zed'.split()[b]}-{r}" if b is not None else r for b, r in PEOPLE],
)
def test_every_listing_searches_sorts_filters_pages_and_exports(
    worlds, django_user_model, brand, role
):
    who, user, hidden = _person(worlds, django_user_model, brand, role)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    failures: list[str] = []
    tried = {"listing": 0, "ordering": 0, "filter": 0, "export": 0}

    def get(url, params=None):
        return _get(client, url, params or {}, failures, who, hidden)

    for list_url, results_url in package_listings():
        page = get(list_url)
        if page.status_code != 200:
            continue
        tried["listing"] += 1
        offered = offered_queries(page.content.decode())
        for text in SEARCHES:
            searched = get(results_url, {"q": text})
        searched = get(list_url, {"q": "acme"})
        if searched.status_code == 200:
            for key, values in offered_queries(searched.content.decode()).items():
                offered[key] += values
        for ordering in sorted({o["ordering"].lstrip("-") for o in offered["ordering"]}):
            for direction in ("", "-"):
                tried["ordering"] += 1
                get(results_url, {"ordering": direction + ordering})
                get(results_url, {"ordering": direction + ordering, "q": "acme"})
        for choice in offered["filter"]:
            # A filter on search results is what needs the model's FilterFields.
            tried["filter"] += 1
            get(results_url, {**choice, "q": "acme"})
        for export in sorted({e["export"] for e in offered["export"]}):
            tried["export"] += 1
            get(list_url, {"export": export})
            get(list_url, {"export": export, "q": "acme"})
        get(results_url, {"p": "2"})
        get(results_url, {"p": "2", "q": "acme"})
    assert not failures, "\n".join(failures)
    # The page parsing found what a person clicks (a parser that finds nothing proves nothing).
    assert tried["listing"] and tried["ordering"] and tried["filter"], tried
    if role in (Role.BRAND_ADMIN, "superuser"):
        assert tried["export"], tried


def test_image_listing_with_collection_and_tag_filters(worlds, django_user_model):
    acme, _ = worlds
    acme.final.tags.add("spring")
    failures: list[str] = []
    for who, user in _people(worlds, django_user_model):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        page = _get(client, reverse("wagtailimages:index"), {}, failures, who)
        if page.status_code != 200:
            continue
        offered = offered_queries(page.content.decode())
        choices = [c for c in offered["filter"] if set(c) & {"collection_id", "tag"}]
        for collection in {acme.raw.collection_id, acme.final.collection_id}:
            choices.append({"collection_id": str(collection)})
        choices.append({"tag": "spring"})
        for choice in choices:
            for url in (reverse("wagtailimages:index"), reverse("wagtailimages:index_results")):
                _get(client, url, choice, failures, who)
                _get(client, url, {**choice, "q": "acme"}, failures, who)
    assert not failures, "\n".join(failures)


def test_quotes_are_searched_as_spaces_and_unindexed_columns_sort_while_searching(client):
    acme = make_brand_world("Acme")
    client.force_login(acme.users[Role.BRAND_ADMIN])
    assets = reverse("wagtailsnippets_wagtail_lfcloud_asset:list_results")
    # SQLite's full-text backend once answered any double quote with "unterminated string".
    for text in ('"', '"ACME1', 'ACME1 "front"', '6" heel'):
        assert client.get(assets, {"q": text}).status_code == 200, text
    found = client.get(assets, {"q": '"ACME1"'}).content.decode()
    assert reverse("wagtail_lfcloud_admin:asset_review", args=[acme.asset.pk]) in found
    documents = reverse("wagtaildocs:index_results")
    assert client.get(documents, {"q": 'brief "doc'}).status_code == 200
    # Image does not index file_size; sorting by it while searching once answered 500.
    images = reverse("wagtailimages:index_results")
    for ordering in ("file_size", "-file_size"):
        response = client.get(images, {"q": "acme", "ordering": ordering})
        assert response.status_code == 200, ordering
        titles = [image.title for image in response.context["images"]]
        assert "Acme raw" in titles and "Acme final" in titles


def test_assets_are_found_by_their_products_new_sku_and_name(client):
    # Assets are searched by their product's SKU and name (index.RelatedFields): renaming the
    # product must update the assets' index entries too.
    acme = make_brand_world("Acme")
    client.force_login(acme.users[Role.BRAND_ADMIN])
    product = acme.product
    product.sku, product.name = "RENAMED77", "Trail runner"
    product.save()
    review = reverse("wagtail_lfcloud_admin:asset_review", args=[acme.asset.pk])
    assets = reverse("wagtailsnippets_wagtail_lfcloud_asset:list_results")
    for text in ("RENAMED77", "trail runner"):
        assert review in client.get(assets, {"q": text}).content.decode(), text
    assert review not in client.get(assets, {"q": "ACME1"}).content.decode()


def test_update_index_catches_up_with_rows_written_without_save(client):
    # docs/reference/search.md: bulk updates bypass the index until `manage.py update_index`.
    acme = make_brand_world("Acme")
    client.force_login(acme.users[Role.BRAND_ADMIN])
    Product.objects.filter(pk=acme.product.pk).update(sku="BULK42")
    products = reverse("wagtailsnippets_wagtail_lfcloud_product:list_results")
    assets = reverse("wagtailsnippets_wagtail_lfcloud_asset:list_results")
    edit = reverse("wagtailsnippets_wagtail_lfcloud_product:edit", args=[acme.product.pk])
    assert edit not in client.get(products, {"q": "BULK42"}).content.decode()
    call_command("update_index", stdout=io.StringIO())
    assert edit in client.get(products, {"q": "BULK42"}).content.decode()
    review = reverse("wagtail_lfcloud_admin:asset_review", args=[acme.asset.pk])
    assert review in client.get(assets, {"q": "BULK42"}).content.decode()
