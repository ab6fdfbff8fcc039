"""Two brands, each with an asset whose v1 is approved (current) and v2 in review, and one user per role."""

from __future__ import annotations

import pytest

from tests.roles.helpers import make_brand_world
from wagtail_lfcloud.assets.workflows import ensure_default_workflow


@pytest.fixture
def acme(db):
    ensure_default_workflow()
    return make_brand_world("Acme")


@pytest.fixture
def zed(db):
    return make_brand_world("Zedcorp")


def login(client, user):
    client.force_login(user)
    return client


def approve_with_file(world, channels=("amazon_main",)):
    """Give ``world.asset`` an amazon_main file for its current version (and the asset the channel)."""
    from wagtail_lfcloud.channels.deliverables import build_channel_renditions

    world.asset.channels = list(channels)
    world.asset.save(update_fields=["channels"])
    build_channel_renditions(world.version, list(channels))
    return world.version
