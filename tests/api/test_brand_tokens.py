"""Brand admins make, scope and revoke API tokens for their brand, without a superuser; the API
honours the token's brand, its read-only scope and its revocation."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.factories import make_user
from wagtail_lfcloud.models import BrandAPIToken, Role

from .conftest import API, auth

pytestmark = pytest.mark.django_db

INDEX = "wagtail_lfcloud_admin:api_tokens"
ADD = "wagtail_lfcloud_admin:api_token_add"


def create(client, brand, name="Storefront", scopes=("read",)):
    response = client.post(reverse(ADD), {"name": name, "brand": brand.pk, "scopes": list(scopes)})
    assert response.status_code == 200, response.content
    secret = re.search(r'value="(wagtail_[^"]+)"', response.content.decode()).group(1)
    return BrandAPIToken.objects.get(token__name=name), secret


def test_brand_admin_creates_and_revokes_a_read_only_token_without_a_superuser(
    client, users, brand, approved_asset, draft_asset
):
    admin = users[Role.BRAND_ADMIN]
    assert not admin.is_superuser
    client.force_login(admin)
    assert client.get(reverse(INDEX)).status_code == 200
    assert (
        reverse(INDEX) in client.get(reverse("wagtailadmin_home")).content.decode()
    )  # LF Cloud menu
    scope, secret = create(client, brand)
    assert scope.brand == brand and scope.scopes == ["read"]
    listing = client.get(reverse(INDEX)).content.decode()
    assert "Storefront" in listing and secret not in listing  # the secret is shown once only
    # The token reads the brand's approved files, but not the drafts its creator may see.
    assets = client.get(f"{API}/assets", **auth(secret))
    assert assets.status_code == 200
    assert {a["angle"] for a in assets.json()["results"]} == {"front"}
    # Read-only: a bundle request (POST) is refused.
    refused = client.post(
        f"{API}/bundles",
        {"channel": "amazon_main", "assets": [approved_asset.pk]},
        content_type="application/json",
        **auth(secret),
    )
    assert refused.status_code == 403 and refused.json()["error"] == "read_only_token"
    # Revoked: 401.
    client.post(reverse("wagtail_lfcloud_admin:api_token_revoke", args=[scope.pk]))
    assert client.get(f"{API}/assets", **auth(secret)).status_code == 401


def test_a_brand_token_never_reads_another_brand(
    client, users, brand, other_brand, approved_asset, other_asset
):
    # A user with roles on both brands makes a token for one of them.
    from wagtail_lfcloud.models import BrandRole

    both = make_user("both_admin", brand=brand, role=Role.BRAND_ADMIN)
    make_user("globex_admin", brand=other_brand, role=Role.BRAND_ADMIN)
    BrandRole.objects.get(brand=other_brand, role=Role.BRAND_ADMIN).group.user_set.add(both)
    client.force_login(both)
    _, secret = create(client, other_brand, name="Globex shop")
    skus = [a["sku"] for a in client.get(f"{API}/assets", **auth(secret)).json()["results"]]
    assert skus == ["GLX-1"]
    assert client.get(f"{API}/assets/{approved_asset.pk}", **auth(secret)).status_code == 404
    assert client.get(f"{API}/products", {"brand": "acme"}, **auth(secret)).status_code == 404


def test_other_roles_and_other_brands_admins_cannot_see_or_revoke(
    client, users, brand, other_brand
):
    client.force_login(users[Role.BRAND_ADMIN])
    scope, secret = create(client, brand)
    revoke = reverse("wagtail_lfcloud_admin:api_token_revoke", args=[scope.pk])
    for role in (Role.MARKETER, Role.APPROVER, Role.STUDIO, Role.FINANCE):
        client.force_login(users[role])
        # Wagtail's admin turns the refusal into a redirect to the dashboard with a message.
        assert client.get(reverse(INDEX)).status_code in (302, 403)
        assert client.post(revoke).status_code in (302, 403)
        assert "API tokens" not in client.get(reverse("wagtailadmin_home")).content.decode()
    other_admin = make_user("globex_admin", brand=other_brand, role=Role.BRAND_ADMIN)
    client.force_login(other_admin)
    assert "Storefront" not in client.get(reverse(INDEX)).content.decode()
    assert client.post(revoke).status_code == 404
    # Nor can they make a token for a brand they do not manage.
    response = client.post(reverse(ADD), {"name": "x", "brand": brand.pk, "scopes": ["read"]})
    assert (
        response.status_code == 200 and not BrandAPIToken.objects.filter(token__name="x").exists()
    )
    scope.token.refresh_from_db()
    assert scope.token.revoked_at is None
    assert client.get(f"{API}/assets", **auth(secret)).status_code == 200


def test_brand_admin_gives_a_token_write_scopes_and_they_are_listed(client, users, brand):
    client.force_login(users[Role.BRAND_ADMIN])
    form = client.get(reverse(ADD)).content.decode()
    for name in ("read", "products:write", "orders:write", "upload", "review"):
        assert f'value="{name}"' in form
    response = client.post(
        reverse(ADD),
        {"name": "PIM", "brand": brand.pk, "scopes": ["products:write", "read"]},
    )
    assert response.status_code == 200
    scope = BrandAPIToken.objects.get(token__name="PIM")
    assert scope.scopes == ["read", "products:write"]  # stored in the form's order
    assert "read, products:write" in client.get(reverse(INDEX)).content.decode()
    # No scope at all is refused.
    client.post(reverse(ADD), {"name": "Nothing", "brand": brand.pk, "scopes": []})
    assert not BrandAPIToken.objects.filter(token__name="Nothing").exists()


def test_a_token_with_a_write_scope_still_cannot_write_what_its_scopes_do_not_grant(
    client, users, brand, approved_asset
):
    # A download bundle needs download_bundles, which no token scope grants.
    client.force_login(users[Role.BRAND_ADMIN])
    response = client.post(
        reverse(ADD), {"name": "Capture", "brand": brand.pk, "scopes": ["upload"]}
    )
    secret = re.search(r'value="(wagtail_[^"]+)"', response.content.decode()).group(1)
    refused = client.post(
        f"{API}/bundles",
        {"channel": "amazon_main", "assets": [approved_asset.pk]},
        content_type="application/json",
        **auth(secret),
    )
    assert refused.status_code in (403, 404) and refused.json()["error"] != "read_only_token"
    # Nor read the approved files: that is the read scope.
    assets = client.get(f"{API}/assets", **auth(secret))
    assert assets.status_code == 200 and assets.json()["results"] == []


def test_scopes_offered_follow_the_creators_roles(users, brand, other_brand):
    from wagtail_lfcloud.access.capabilities import scopes_allowed

    assert scopes_allowed(users[Role.BRAND_ADMIN], brand) == [
        "read",
        "usage",
        "products:write",
        "orders:write",
        "upload",
        "review",
    ]
    assert scopes_allowed(users[Role.STUDIO], brand) == ["read", "upload"]
    assert scopes_allowed(users[Role.MARKETER], brand) == ["read", "usage"]
    assert scopes_allowed(users[Role.APPROVER], brand) == ["read", "review"]
    assert scopes_allowed(users[Role.BRAND_ADMIN], other_brand) == []


def test_usage_figures_need_the_usage_scope(client, users, brand, approved_asset):
    """A storefront's read token does not read the brand's delivery figures; a usage token does."""
    client.force_login(users[Role.BRAND_ADMIN])
    _, storefront = create(client, brand)
    _, report = create(client, brand, name="BI", scopes=("usage",))
    refused = client.get(f"{API}/usage", **auth(storefront))
    assert refused.status_code in (403, 404), refused.content
    answered = client.get(f"{API}/usage", **auth(report))
    assert answered.status_code == 200 and answered.json()["brand"] == brand.slug
    # The usage token is read-only and does not serve files.
    assert (
        client.post(
            f"{API}/bundles", {}, content_type="application/json", **auth(report)
        ).status_code
        == 403
    )
