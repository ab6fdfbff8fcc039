"""The public signed rendition URL: bytes a CDN may cache, refused when tampered, expired, revoked,
unapproved or outside the usage rights; purged through Wagtail's frontend cache on approval."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test.utils import override_settings
from django.utils import timezone
from PIL import Image

from tests.factories import image_upload, make_user
from tests.testapp.frontend_cache import PURGED_URLS
from wagtail_lfcloud.assets.uploads import upload_version
from wagtail_lfcloud.assets.workflows import ensure_default_workflow
from wagtail_lfcloud.channels.deliverables import build_channel_renditions
from wagtail_lfcloud.delivery import usage
from wagtail_lfcloud.delivery.public_urls import asset_urls, public_url, rotate_key
from wagtail_lfcloud.models import (
    AssetVersion,
    BrandLogEntry,
    Role,
    UsageDaily,
    UsageKind,
    UsageRights,
    VersionStatus,
)

from .conftest import approve

pytestmark = pytest.mark.django_db

FRONTEND_CACHE = {
    "cdn": {
        "BACKEND": "tests.testapp.frontend_cache.MockBackend",
        "HOSTNAMES": ["images.example.com"],
    }
}


@pytest.fixture
def cdn(settings):
    """A frontend cache (Wagtail's MockBackend) in front of https://images.example.com."""
    settings.WAGTAILFRONTENDCACHE = FRONTEND_CACHE
    settings.WAGTAIL_LFCLOUD_PUBLIC_URL_BASE = "https://images.example.com"
    PURGED_URLS.clear()
    yield PURGED_URLS
    PURGED_URLS.clear()


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def link(asset, channel="amazon_main", **kwargs) -> str:
    return path_of(public_url(asset.brand, asset.product.sku, asset.angle, channel, **kwargs))


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def pixel(response) -> tuple:
    return Image.open(io.BytesIO(body(response))).convert("RGB").getpixel((5, 5))


def test_serves_the_approved_bytes_with_cdn_cache_headers(client, cdn, approved_asset):
    url = link(approved_asset)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=60, s-maxage=86400"
    assert response["X-LFCloud-Version"] == "1"
    assert response["ETag"].startswith('"1-')
    data = body(response)
    assert int(response["Content-Length"]) == len(data)
    assert Image.open(io.BytesIO(data)).format == "JPEG"
    # The CDN revalidates with the ETag: 304, same cache headers, no body.
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again["Cache-Control"] == response["Cache-Control"]
    assert again["ETag"] == response["ETag"]
    # HEAD works (CDNs and feed checkers use it).
    assert client.head(url).status_code == 200


@override_settings(WAGTAILFRONTENDCACHE=None)
def test_without_a_purgeable_cdn_shared_caches_keep_it_no_longer_than_browsers(
    client, approved_asset
):
    response = client.get(link(approved_asset))
    assert response["Cache-Control"] == "public, max-age=60, s-maxage=60"


def test_expiring_links_and_rights_shorten_the_cache(client, cdn, approved_asset):
    response = client.get(link(approved_asset, expires_in=100))
    assert response.status_code == 200
    max_age, s_maxage = (
        int(part.split("=")[1]) for part in response["Cache-Control"].split(", ")[1:]
    )
    assert 0 < max_age <= 60 and 90 <= s_maxage <= 100  # never past the link's expiry
    UsageRights.objects.create(
        brand=approved_asset.brand,
        asset=approved_asset,
        expires_at=timezone.now() + dt.timedelta(seconds=30),
    )
    response = client.get(link(approved_asset))
    assert response.status_code == 200
    s_maxage = int(response["Cache-Control"].rsplit("=", 1)[1])
    assert 0 < s_maxage <= 30  # never past the rights' expiry


@pytest.mark.parametrize(
    "tamper",
    [
        lambda u: u.replace("/SKU12345/", "/SKU99999/"),
        lambda u: u.replace("/front/", "/back/"),
        lambda u: u.replace("/amazon_main/", "/email_product/"),
        lambda u: u.replace("/acme/", "/globex/"),
        lambda u: u[:-2] + ("AA" if not u.endswith("AA") else "BB"),
        lambda u: u.rsplit("/", 1)[0] + "/",
        lambda u: u.rsplit("/", 1)[0] + "/not-a-token",
    ],
)
def test_a_tampered_link_is_403(client, cdn, approved_asset, other_asset, tamper):
    response = client.get(tamper(link(approved_asset)))
    assert response.status_code in (403, 404)  # 404: the path no longer matches the URL pattern
    if response.status_code == 403:
        assert response.json()["code"] == "invalid_signature"
        assert response["Cache-Control"] == "no-store"


def test_a_tampered_expiry_is_403_and_an_expired_link_410(client, cdn, approved_asset):
    url = link(approved_asset, expires_in=60)
    expires, signature = url.rsplit("/", 1)[1].split(".")
    longer = url.replace(f"/{expires}.", f"/{int(expires) + 86400}.")
    assert client.get(longer).json()["code"] == "invalid_signature"
    # The original works; the signature without expiry does not.
    assert client.get(url).status_code == 200
    assert client.get(url.replace(f"/{expires}.", "/")).status_code == 403
    past = link(approved_asset, expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.get(past)
    assert response.status_code == 410
    assert response.json()["code"] == "link_expired"
    assert response["Cache-Control"] == "no-store"


def test_rotating_the_key_revokes_old_links_and_purges_them(
    client, cdn, approved_asset, django_capture_on_commit_callbacks
):
    old = public_url(approved_asset.brand, "SKU12345", "front", "amazon_main")
    assert client.get(path_of(old)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        purged = rotate_key(approved_asset.brand, user=None)
    assert purged == len(asset_urls(approved_asset)) > 10  # every channel of the approved asset
    assert old in cdn
    assert client.get(path_of(old)).status_code == 403  # revoked at once
    new = public_url(approved_asset.brand, "SKU12345", "front", "amazon_main")
    assert new != old and client.get(path_of(new)).status_code == 200
    assert BrandLogEntry.objects.filter(action="wagtail_lfcloud.public_url_key_rotated").exists()


def test_never_an_unapproved_file(client, cdn, draft_asset, approved_asset):
    """A version in review is never served, even with a valid link; v1 stays until v2 is approved."""
    response = client.get(link(draft_asset))
    assert response.status_code == 404
    assert response.json()["code"] == "not_approved"
    AssetVersion.objects.create(
        asset=approved_asset,
        number=2,
        image=approved_asset.versions.get().image,
        status=VersionStatus.IN_REVIEW,
        original_filename="SKU12345_2026-02_front.png",
    )
    assert client.get(link(approved_asset))["X-LFCloud-Version"] == "1"


def test_outside_the_usage_rights_is_451_without_an_image(
    client, cdn, approved_asset, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        UsageRights.objects.create(
            brand=approved_asset.brand, asset=approved_asset, channels=["shopify"]
        )
    response = client.get(link(approved_asset))
    assert response.status_code == 451
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "rights_channel_not_allowed"
    assert response["Cache-Control"] == "no-store"
    # The rights change purged the asset's links.
    assert public_url(approved_asset.brand, "SKU12345", "front", "amazon_main") in cdn


def test_a_missing_file_is_202_and_not_cached(client, cdn, approved_asset):
    response = client.get(link(approved_asset, channel="email_product"))
    assert response.status_code in (200, 202)  # immediate task backend: made after the response
    if response.status_code == 202:
        assert response["Cache-Control"] == "no-store"


def test_hits_are_counted_as_public_stable_url_usage(client, cdn, approved_asset):
    usage._take()  # counts left by earlier tests
    url = link(approved_asset)
    for _ in range(3):
        assert client.get(url).status_code == 200
    assert client.get(url, HTTP_IF_NONE_MATCH=client.get(url)["ETag"]).status_code == 304
    usage.flush()
    row = UsageDaily.objects.get(kind=UsageKind.STABLE_PUBLIC)
    assert (row.channel, row.count) == ("amazon_main", 4)  # 304s are not deliveries


def test_approval_switches_the_link_and_purges_the_old_answer(
    client, cdn, brand, product, django_capture_on_commit_callbacks
):
    """Through the real workflow: after approving v2 the same link serves v2 and the CDN was told."""
    from tests.factories import make_asset

    ensure_default_workflow()
    asset = make_asset(product, "front", channels=["email_product"])
    studio = make_user("studio", brand=brand, role="studio")
    approver = make_user("approver", brand=brand, role="approver")

    def approve_upload(color):
        from wagtail.models import TaskState

        result = upload_version(
            image_upload("SKU12345_2026-01_front.png", size=(64, 64), color=color),
            brand=brand,
            user=studio,
        )
        assert result.version is not None, result
        step = TaskState.objects.for_instance(asset).filter(status="in_progress").get().specific
        with django_capture_on_commit_callbacks(execute=True):
            step.task.specific.on_action(step, approver, "approve")

    approve_upload((200, 20, 20))
    url = link(asset, channel="email_product")
    expected = set(asset_urls(asset))
    assert cdn == expected  # v1's approval purged every channel's link
    first = client.get(url)
    assert first.status_code == 200 and first["X-LFCloud-Version"] == "1"
    assert pixel(first)[0] > 150
    cdn.clear()

    approve_upload((20, 20, 200))
    assert cdn == expected  # the right URLs: every channel of this asset, on the CDN's host
    assert public_url(brand, "SKU12345", "front", "email_product") in cdn
    second = client.get(url)
    assert second.status_code == 200 and second["X-LFCloud-Version"] == "2"
    assert pixel(second)[2] > 150
    assert second["ETag"] != first["ETag"]
    # The CDN's revalidation of v1's ETag gets the new bytes.
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_no_purge_without_a_frontend_cache(settings, approved_asset):
    from wagtail_lfcloud.delivery.public_urls import purge_asset

    settings.WAGTAILFRONTENDCACHE = None
    PURGED_URLS.clear()
    assert purge_asset(approved_asset) == 0
    assert not PURGED_URLS


def test_v2_approved_directly_is_served_after_v1(client, cdn, approved_asset):
    url = link(approved_asset)
    assert client.get(url)["X-LFCloud-Version"] == "1"
    approve(approved_asset, 2, color=(30, 200, 30))
    assert client.get(url)["X-LFCloud-Version"] == "2"


# --- where brand admins, marketers and storefront tokens get the links ---------------------------


def test_the_api_gives_public_urls_to_read_tokens_of_roles_that_may_share(
    client, cdn, tokens, approved_asset, draft_asset
):
    from .conftest import API, auth

    version = approved_asset.versions.get()
    url = f"{API}/versions/{version.pk}/renditions"
    expected = public_url(approved_asset.brand, "SKU12345", "front", "amazon_main")
    for role in (Role.BRAND_ADMIN, Role.MARKETER):
        (item,) = client.get(url, **auth(tokens[role])).json()["renditions"]
        assert item["public_url"] == expected
        # The link works for anyone, no token.
        assert client.get(path_of(item["public_url"])).status_code == 200
    for role in (Role.APPROVER, Role.STUDIO):
        (item,) = client.get(url, **auth(tokens[role])).json()["renditions"]
        assert item["public_url"] is None
    # A version in review never has one.
    draft = draft_asset.versions.get()
    build_channel_renditions(draft, ["amazon_main"])
    (item,) = client.get(
        f"{API}/versions/{draft.pk}/renditions", **auth(tokens[Role.BRAND_ADMIN])
    ).json()["renditions"]
    assert item["public_url"] is None


def test_a_brand_read_token_of_a_marketer_gets_public_urls(client, cdn, users, approved_asset):
    """Brand tokens carry share_public_links with the read scope when their user has it."""
    from wagtail.models import APIToken

    from wagtail_lfcloud.models import BrandAPIToken

    from .conftest import API, auth

    version = approved_asset.versions.get()
    found = {}
    for role in (Role.MARKETER, Role.STUDIO):
        token, secret = APIToken.create_token(user=users[role], name=f"storefront {role}")
        BrandAPIToken.objects.create(token=token, brand=approved_asset.brand, scopes=["read"])
        response = client.get(f"{API}/versions/{version.pk}/renditions", **auth(secret))
        found[role] = response.json()["renditions"][0]["public_url"]
    assert found[Role.MARKETER] and found[Role.STUDIO] is None


def test_admin_public_links_page_and_key_rotation(
    client, cdn, users, approved_asset, django_capture_on_commit_callbacks
):
    from django.urls import reverse

    page = reverse("wagtail_lfcloud_admin:asset_public_links", args=[approved_asset.pk])
    client.force_login(users[Role.MARKETER])
    response = client.get(page)
    assert response.status_code == 200
    old = public_url(approved_asset.brand, "SKU12345", "front", "amazon_main")
    assert old in response.content.decode()
    assert "Rotate the key" not in response.content.decode()  # brand admins only
    made = client.post(page, {"channel": "amazon_main", "days": "2"})
    expiring = made.context["expiring"]["url"]
    assert client.get(path_of(expiring)).status_code == 200
    rotate = reverse("wagtail_lfcloud_admin:public_key_rotate", args=["acme"])
    assert client.post(rotate).status_code in (403, 404)
    assert client.get(path_of(old)).status_code == 200

    client.force_login(users[Role.BRAND_ADMIN])
    assert "Rotate the key" in client.get(page).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(rotate, {"next": page})
    assert response.status_code == 302 and response["Location"] == page
    assert client.get(path_of(old)).status_code == 403
    assert client.get(path_of(expiring)).status_code == 403
    assert old in cdn
    # Unsafe next: back to the rotation page, not elsewhere.
    response = client.post(rotate, {"next": "https://evil.example/"})
    assert response["Location"] == rotate
