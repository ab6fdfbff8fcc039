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
