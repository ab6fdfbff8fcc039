"""Fixtures for the API tests: two brands, a user per role, tokens, approved and draft assets."""

from __future__ import annotations

import pytest
from wagtail.models import APIToken

from tests.factories import make_asset, make_image, make_product, make_user
from wagtail_lfcloud.channels.deliverables import build_channel_renditions
from wagtail_lfcloud.models import AssetVersion, Role, VersionStatus

API = "/lfcloud/api/v1"
ROLES = [Role.BRAND_ADMIN, Role.MARKETER, Role.APPROVER, Role.STUDIO, Role.FINANCE]


def token_for(user) -> str:
    return APIToken.create_token(user=user, name=f"{user.username} token")[1]


def auth(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def approve(asset, number: int, color=(200, 30, 30), channels=("amazon_main",)) -> AssetVersion:
    """Make version ``number`` the asset's current one (superseding the previous), with channel files."""
    AssetVersion.objects.filter(asset=asset, status=VersionStatus.CURRENT).update(
        status=VersionStatus.SUPERSEDED
    )
    version = AssetVersion.objects.create(
        asset=asset,
        number=number,
        image=make_image(size=(48, 40), color=color),
        status=VersionStatus.CURRENT,
        period="2026-01",
        original_filename=f"{asset.product.sku}_2026-01_{asset.angle}.png",
    )
    if channels:
        build_channel_renditions(version, list(channels))
    return version


@pytest.fixture
def users(brand, other_brand):
    """One user per role on ``brand``, plus ``other`` (a marketer of ``other_brand`` only)."""
    found = {role: make_user(f"acme_{role}", brand=brand, role=role) for role in ROLES}
    found["other"] = make_user("globex_marketer", brand=other_brand, role=Role.MARKETER)
    return found


@pytest.fixture
def tokens(users):
    return {key: token_for(user) for key, user in users.items()}


@pytest.fixture
def product(brand):
    return make_product(brand, sku="SKU12345", asin="B000TEST01", name="Runner")


@pytest.fixture
def approved_asset(product):
    """An asset of ``product`` (front) whose v1 is approved with an amazon_main file."""
    asset = make_asset(product, "front", channels=["amazon_main"])
    approve(asset, 1)
    return asset


@pytest.fixture
def draft_asset(product):
    """An asset of ``product`` (back) with a version in review and nothing approved."""
    asset = make_asset(product, "back", channels=["amazon_main"])
    AssetVersion.objects.create(
        asset=asset,
        number=1,
        image=make_image(size=(48, 40)),
        status=VersionStatus.IN_REVIEW,
        original_filename="SKU12345_2026-01_back.png",
    )
    return asset


@pytest.fixture
def other_asset(other_brand):
    """An approved asset of the other brand, which no Acme token may see."""
    asset = make_asset(
        make_product(other_brand, sku="GLX-1", asin="B000GLOBEX"), "front", channels=["amazon_main"]
    )
    approve(asset, 1, color=(30, 30, 200))
    return asset


@pytest.fixture
def public_dns(monkeypatch):
    """``public_dns({"name": ["ip", ...]})`` makes names resolve to those addresses, at the
    ``socket.getaddrinfo`` level (what any HTTP client calls); a value may be a callable giving
    the answer of each call (DNS rebinding). Returns the list of names looked up, in order."""
    import socket

    real = socket.getaddrinfo
    names: dict = {}
    lookups: list[str] = []

    def fake(host, port, family=0, type=0, proto=0, flags=0):
        key = host.lower() if isinstance(host, str) else host
        if key not in names:
            return real(host, port, family, type, proto, flags)
        lookups.append(key)
        answers = names[key]() if callable(names[key]) else names[key]
        port = int(port or 0)
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (ip, port, 0, 0))
            if ":" in ip
            else (socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))
            for ip in answers
        ]

    monkeypatch.setattr(socket, "getaddrinfo", fake)

    def define(mapping):
        names.update({k.lower(): v for k, v in mapping.items()})
        return lookups

    return define
