"""``get_for_user_or_404``: the one "fetch this row for this user" of the package.

Another brand's id and an id that does not exist must be indistinguishable: the same 404 with the
same body, in the function and through every admin view and API operation that fetches by id.
"""

from __future__ import annotations

import pytest
from django.http import Http404
from django.urls import reverse
from wagtail.models import APIToken

from tests.factories import make_user
from tests.roles.helpers import make_full_world
from wagtail_lfcloud.access import brand_path_for, get_for_user_or_404, reachable
from wagtail_lfcloud.models import (
    Asset,
    AssetVersion,
    DownloadBundle,
    Invoice,
    Order,
    OrderMessage,
    Product,
    Role,
)

pytestmark = pytest.mark.django_db

API = "wagtail_lfcloud:wagtail_lfcloud_api"


@pytest.fixture
def worlds():
    return make_full_world("Acme"), make_full_world("Zedcorp")


def _message(callable_, *args, **kwargs) -> str:
    with pytest.raises(Http404) as exc:
        callable_(*args, **kwargs)
    return str(exc.value)


#: (model, world attribute, capability): a row of each kind the views fetch by id.
CASES = [
    (Asset, "asset", "view_drafts"),
    (AssetVersion, "draft_version", "download_originals"),
    (Order, "order", "view_orders"),
    (OrderMessage, "message", "message_orders"),
    (Invoice, "invoice", "view_invoices"),
    (DownloadBundle, "bundle", "download_bundles"),
    (Product, "product", "view_catalog"),
]


@pytest.mark.parametrize(("model", "attr", "capability"), CASES, ids=[c[0].__name__ for c in CASES])
def test_other_brand_unknown_and_malformed_ids_raise_the_same_404(worlds, model, attr, capability):
    acme, zed = worlds
    user = acme.users[Role.BRAND_ADMIN]
    own = getattr(acme, attr)
    assert get_for_user_or_404(user, model, own.pk, capability) == own
    missing = model.objects.order_by("-pk").first().pk + 1000
    messages = {
        "other brand": _message(
            get_for_user_or_404, user, model, getattr(zed, attr).pk, capability
        ),
        "unknown": _message(get_for_user_or_404, user, model, missing, capability),
        "not a number": _message(get_for_user_or_404, user, model, "1; drop", capability),
        "anonymous": _message(get_for_user_or_404, None, model, own.pk, capability),
    }
    assert len(set(messages.values())) == 1, messages
    assert "zedcorp" not in next(iter(messages.values())).lower()


def test_a_role_without_the_capability_gets_the_same_404(worlds):
    acme, _ = worlds
    marketer = acme.users[Role.MARKETER]
    # Marketers see approved finals, not orders or drafts.
    assert _message(get_for_user_or_404, marketer, Order, acme.order.pk, "view_orders") == _message(
        get_for_user_or_404, marketer, Order, 0, "view_orders"
    )
    assert get_for_user_or_404(marketer, Asset, acme.asset.pk, "view_finals") == acme.asset


def test_superusers_reach_every_brand_and_querysets_keep_their_filters(worlds):
    acme, zed = worlds
    root = make_user("root", superuser=True)
    assert get_for_user_or_404(root, Order, zed.order.pk, "view_orders") == zed.order
    # A queryset passed in keeps its own filters (here: only this order's messages).
    user = acme.users[Role.STUDIO]
    with pytest.raises(Http404):
        get_for_user_or_404(
            user, acme.order.messages.filter(pk=0), acme.message.pk, "message_orders"
        )
    assert set(reachable(user, Order, "view_orders")) == {acme.order}
    assert list(reachable(user, Invoice, "view_invoices")) == []


def test_message_and_brand_path():
    assert brand_path_for(Invoice) == "order__brand"
    assert brand_path_for(AssetVersion) == "asset__brand"
    with pytest.raises(ValueError, match="brand_path="):
        brand_path_for(APIToken)
    assert _message(get_for_user_or_404, None, Order, 1, "view_orders", message="Nope.") == "Nope."


# --- through the views ---------------------------------------------------------------------------

#: URL name -> (world -> args, role): admin views that fetch an object by the id in the URL.
ADMIN_URLS = {
    "wagtail_lfcloud_admin:asset_review": (lambda w: [w.asset.pk], Role.APPROVER),
    "wagtail_lfcloud_admin:asset_versions": (lambda w: [w.asset.pk], Role.STUDIO),
    "wagtail_lfcloud_admin:asset_compare": (lambda w: [w.asset.pk], Role.BRAND_ADMIN),
    "wagtail_lfcloud_admin:order_detail": (lambda w: [w.order.pk], Role.FINANCE),
    "wagtail_lfcloud_admin:order_grid": (lambda w: [w.order.pk], Role.STUDIO),
    "wagtail_lfcloud_admin:order_message_attachment": (
        lambda w: [w.order.pk, w.message.pk],
        Role.APPROVER,
    ),
    "wagtail_lfcloud_admin:bundle_order": (lambda w: [w.order.pk], Role.MARKETER),
    "wagtail_lfcloud_admin:bundle_detail": (lambda w: [w.bundle.pk], Role.MARKETER),
    "wagtail_lfcloud_admin:bundle_download": (lambda w: [w.bundle.pk], Role.BRAND_ADMIN),
    "wagtail_lfcloud:original_file": (lambda w: [w.draft_version.pk], Role.STUDIO),
}

API_URLS = {
    f"{API}:get_asset": (lambda w: [w.asset.pk], Role.MARKETER),
    f"{API}:version_renditions": (lambda w: [w.draft_version.pk], Role.APPROVER),
    f"{API}:get_product": (lambda w: [w.product.pk], Role.FINANCE),
    f"{API}:get_order": (lambda w: [w.order.pk], Role.STUDIO),
    f"{API}:get_invoice": (lambda w: [w.invoice.pk], Role.FINANCE),
    f"{API}:bundle_detail": (lambda w: [w.bundle.pk], Role.MARKETER),
    f"{API}:bundle_download": (lambda w: [w.bundle.pk], Role.BRAND_ADMIN),
}


def _unknown(args: list) -> list:
    return [a + 100_000 if isinstance(a, int) else a for a in args]


def _normalised(response, args: list) -> dict:
    """An API error with the ids of the URL blanked (its detail names the id that was asked for)."""
    body = response.json()
    for a in args:
        body["detail"] = body["detail"].replace(str(a), "<id>")
    return body


@pytest.mark.parametrize("name", sorted(ADMIN_URLS))
def test_admin_views_answer_other_brands_ids_like_unknown_ones(client, worlds, name):
    acme, zed = worlds
    make_args, role = ADMIN_URLS[name]
    client.force_login(acme.users[role])
    theirs, unknown = make_args(zed), _unknown(make_args(zed))
    other = client.get(reverse(name, args=theirs))
    missing = client.get(reverse(name, args=unknown))
    assert other.status_code == missing.status_code == 404
    assert other.content == missing.content


@pytest.mark.parametrize("name", sorted(API_URLS))
def test_api_answers_other_brands_ids_like_unknown_ones(client, worlds, name):
    acme, zed = worlds
    make_args, role = API_URLS[name]
    _, token = APIToken.create_token(user=acme.users[role], name="t")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    theirs, unknown = make_args(zed), _unknown(make_args(zed))
    other = client.get(reverse(name, args=theirs), **headers)
    missing = client.get(reverse(name, args=unknown), **headers)
    assert other.status_code == missing.status_code == 404
    assert other.json()["error"] == "not_found"
    assert _normalised(other, theirs) == _normalised(missing, unknown)
    assert b"zedcorp" not in other.content.lower()


def test_roles_page_of_another_brand_is_an_unknown_brand(client, worlds):
    acme, zed = worlds
    client.force_login(acme.users[Role.BRAND_ADMIN])
    other = client.get(reverse("wagtail_lfcloud_admin:roles_brand", args=[zed.brand.slug]))
    missing = client.get(reverse("wagtail_lfcloud_admin:roles_brand", args=["no-such-brand"]))
    assert other.status_code == missing.status_code == 404
    assert other.content == missing.content
