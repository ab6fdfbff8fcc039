"""Property-based run of the package's own OpenAPI schema: no 500s, responses match the schema.

Bounded (few examples per operation) so it stays well under a minute per run. Generated requests
carry a brand admin's token (its roles), then a brand token with every scope (read, usage,
products:write, orders:write, upload, review), so they reach the code behind authentication and
every write endpoint; ids mostly miss and must 404.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from wagtail_lfcloud.models import Role

from .conftest import API

# Reading the schema touches no database, so it can be loaded at collection time.
schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Like Django's test client: the WSGI handler must not close the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SETTINGS = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@SETTINGS
def test_api_conforms_to_its_schema(case, tokens, approved_asset, other_asset):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {tokens[Role.BRAND_ADMIN]}"}, checks=CHECKS
    )


@pytest.fixture
def every_scope_token(users, brand):
    """A brand token of the brand admin with every scope: every write endpoint is reachable."""
    from wagtail.models import APIToken

    from wagtail_lfcloud.access.capabilities import TOKEN_SCOPES
    from wagtail_lfcloud.models import BrandAPIToken

    token, secret = APIToken.create_token(user=users[Role.BRAND_ADMIN], name="every scope")
    BrandAPIToken.objects.create(token=token, brand=brand, scopes=sorted(TOKEN_SCOPES))
    return secret


@schema.parametrize()
@SETTINGS
def test_api_conforms_to_its_schema_with_a_token_of_every_scope(
    case, every_scope_token, approved_asset, draft_asset, other_asset
):
    """The full read-write schema under a brand token: writes reach their services (products are
    created, uploads refused with a reason, decisions on unknown versions 404), never a 5xx."""
    case.call_and_validate(headers={"Authorization": f"Bearer {every_scope_token}"}, checks=CHECKS)
