"""Every listing of the package, as every role of two brands: search, sort while searching, each
filter choice, page 2 and each export answer without a server error.

The listings are discovered, not listed: every snippet model the package registers (its ``list``
and ``list_results`` URLs from the resolver), and on each page the links and forms a person would
use: the sortable column headers, the choices of the filter form, the export links. Wagtail's
image listing is tried with each collection and tag filter the role is offered.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.roles.helpers import make_full_world

pytestmark = pytest.mark.django_db


def package_listings() -> list[tuple[str, str]]:
    """(list URL, results URL) of every snippet listing the package registers."""
    listings = []
    for model in apps.get_app_config("wagtail_lfcloud").get_models():
        viewset = getattr(model, "snippet_viewset", None)
        if viewset is None:
            continue
        try:
            listings.append(
                (
                    reverse(viewset.get_url_name("list")),
                    reverse(viewset.get_url_name("list_results")),
                )
            )
        except NoReverseMatch:
            continue
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


def _get(client: Client, url: str, params: dict, failures: list, who: str):
    full = f"{url}?{urlencode(params)}" if params else url
    response = client.get(full)
    if response.status_code >= 500:
        failures.append(f"{who}: GET {full} -> {response.status_code}")
    return response


@pytest.fixture
def worlds():
    return make_full_world("Acme"), make_full_world("Zedcorp")


def _people(worlds, django_user_model):
    people = [(f"{w.brand.slug}/{role}", user) for w in worlds for role, user in w.users.items()]
    people.append(
        ("superuser", django_user_model.objects.create_superuser("root", "root@example.com", "pw"))
    )
    return people


def test_the_package_registers_listings():
    # The discovery must find the package's snippet listings, or the test below proves nothing.
    urls = [url for url, _ in package_listings()]
    assert "/admin/snippets/wagtail_lfcloud/asset/" in urls
    assert "/admin/snippets/wagtail_lfcloud/product/" in urls
    assert len(urls) >= 10


def test_every_listing_as_every_role_searches_sorts_filters_and_exports(worlds, django_user_model):
    failures: list[str] = []
    tried = {"ordering": 0, "filter": 0, "export": 0, "search": 0}
    for who, user in _people(worlds, django_user_model):
        client = Client(raise_request_exception=False)
        client.force_login(user)
        for list_url, results_url in package_listings():
            page = _get(client, list_url, {}, failures, who)
            if page.status_code != 200:
                continue
            offered = offered_queries(page.content.decode())
            searched = _get(client, list_url, {"q": "acme"}, failures, who)
            offered_while_searching = (
                offered_queries(searched.content.decode()) if searched.status_code == 200 else {}
            )
            tried["search"] += 1
            _get(client, results_url, {"q": "front"}, failures, who)
            _get(client, list_url, {"q": "acme", "export": "csv"}, failures, who)
            orderings = offered["ordering"] + offered_while_searching.get("ordering", [])
            for ordering in {o["ordering"] for o in orderings}:
                for prefix in ("", "-"):
                    tried["ordering"] += 1
                    params = {"ordering": prefix + ordering.lstrip("-"), "q": "acme"}
                    _get(client, results_url, params, failures, who)
            for choice in offered["filter"]:
                tried["filter"] += 1
                _get(client, results_url, {**choice, "q": "acme"}, failures, who)
            for export in offered["export"]:
                tried["export"] += 1
                _get(client, list_url, {**export, "q": "acme"}, failures, who)
            _get(client, results_url, {"p": "2"}, failures, who)
    assert not failures, "\n".join(failures)
    # The page parsing found what a person clicks (a parser that finds nothing proves nothing).
    assert tried["ordering"] and tried["filter"] and tried["export"], tried


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
