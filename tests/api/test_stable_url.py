"""The stable URL serves the current approved rendition, follows new approvals, never renders inline."""

from __future__ import annotations

import pytest
from django.test.utils import override_settings

from wagtail_lfcloud.models import ChannelRendition, Role

from .conftest import API, approve, auth

URL = f"{API}/renditions/acme/SKU12345/front/amazon_main"


@pytest.mark.django_db
def test_redirects_to_v1_then_v2_after_approval(client, tokens, approved_asset):
    token = tokens[Role.MARKETER]
    first = client.get(URL, **auth(token))
    assert first.status_code == 302
    assert first["Cache-Control"] == "private, max-age=60"
    assert first["X-LFCloud-Version"] == "1"
    v1_file = first["Location"]
    assert client.get(v1_file.removeprefix("http://testserver")).status_code in (
        200,
        404,
    )  # served by storage

    approve(approved_asset, 2, color=(30, 200, 30))
    second = client.get(URL, **auth(token))
    assert second.status_code == 302
    assert second["X-LFCloud-Version"] == "2"
    assert second["Location"] != v1_file
    # Same URL, case-insensitive SKU.
    assert (
        client.get(URL.replace("SKU12345", "sku12345"), **auth(token))["Location"]
        == second["Location"]
    )


@pytest.mark.django_db
def test_404_while_nothing_is_approved(client, tokens, draft_asset):
    response = client.get(
        f"{API}/renditions/acme/SKU12345/back/amazon_main", **auth(tokens[Role.BRAND_ADMIN])
    )
    assert response.status_code == 404
    assert response.json()["error"] == "not_approved"


DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.mark.django_db
def test_missing_file_is_enqueued_and_answered_202(
    client, tokens, approved_asset, django_capture_on_commit_callbacks
):
    """An approved version without the channel's file: 202 + Retry-After, generation left to a worker."""
    from django_tasks import default_task_backend

    url = f"{API}/renditions/acme/SKU12345/front/email_product"
    with override_settings(WAGTAIL_LFCLOUD_STABLE_URL_RETRY_AFTER=7, TASKS=DUMMY_TASKS):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get(url, **auth(tokens[Role.MARKETER]))
            again = client.get(url, **auth(tokens[Role.MARKETER]))
        queued = [
            (r.task.name, r.args)
            for r in default_task_backend.results
            if r.task.name == "build_channel_renditions_task"
        ]
    assert response.status_code == 202
    assert response["Retry-After"] == "7"
    assert response.json()["status"] == "pending"
    assert again.status_code == 202
    version = approved_asset.versions.get()
    # Enqueued once for both polls, and nothing was rendered on the request.
    assert queued == [("build_channel_renditions_task", [version.pk, ["email_product"]])]
    assert not ChannelRendition.objects.filter(version=version, channel="email_product").exists()


@pytest.mark.django_db
def test_enqueued_generation_makes_the_url_redirect(
    client, tokens, approved_asset, django_capture_on_commit_callbacks
):
    """With the immediate task backend the enqueued task runs after the response; the next poll redirects."""
    url = f"{API}/renditions/acme/SKU12345/front/email_product"
    token = tokens[Role.MARKETER]
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(url, **auth(token)).status_code == 202
    version = approved_asset.versions.get()
    assert ChannelRendition.objects.get(version=version, channel="email_product").status == "ready"
    assert client.get(url, **auth(token)).status_code == 302


@pytest.mark.django_db
def test_failed_generation_is_a_409_with_the_reason(client, tokens, approved_asset):
    ChannelRendition.objects.filter(channel="amazon_main").update(
        status="failed", error="the master is corrupt"
    )
    response = client.get(URL, **auth(tokens[Role.MARKETER]))
    assert response.status_code == 409
    assert "the master is corrupt" in response.json()["detail"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.BRAND_ADMIN, Role.MARKETER, Role.APPROVER, Role.STUDIO])
def test_library_roles_resolve_own_brand(client, tokens, role, approved_asset):
    assert client.get(URL, **auth(tokens[role])).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("who", [Role.FINANCE, "other"])
def test_no_library_role_or_other_brand_is_404(client, tokens, who, approved_asset, other_asset):
    response = client.get(URL, **auth(tokens[who]))
    assert response.status_code == 404
    assert response.json()["error"] == "unknown_brand"
    # And the other brand's own URL works for its token but not for Acme's.
    globex = f"{API}/renditions/globex/GLX-1/front/amazon_main"
    assert client.get(globex, **auth(tokens["other"])).status_code == 302
    assert client.get(globex, **auth(tokens[Role.BRAND_ADMIN])).status_code == 404


@pytest.mark.django_db
def test_warm_redirect_costs_two_queries(
    client, tokens, approved_asset, django_assert_max_num_queries
):
    """The token (with its brand scope) and the user's roles; the target comes from the cache."""
    token = tokens[Role.MARKETER]
    cold = client.get(URL, **auth(token))
    assert cold.status_code == 302
    with django_assert_max_num_queries(2):
        warm = client.get(URL, **auth(token))
    assert warm.status_code == 302
    assert warm["Location"] == cold["Location"]
    assert warm["X-LFCloud-Version"] == "1"


@pytest.mark.django_db
def test_a_cached_target_is_still_refused_to_other_brands_and_forgotten_on_approval(
    client, tokens, approved_asset
):
    assert client.get(URL, **auth(tokens[Role.MARKETER])).status_code == 302
    # Warm for acme's marketer; globex's marketer still gets the unknown-brand 404.
    refused = client.get(URL, **auth(tokens["other"]))
    assert refused.status_code == 404
    assert refused.json()["error"] == "unknown_brand"
    approve(approved_asset, 2, color=(30, 30, 200))
    assert client.get(URL, **auth(tokens[Role.MARKETER]))["X-LFCloud-Version"] == "2"


@pytest.mark.django_db
def test_a_channel_set_that_fails_again_is_answered_at_once_not_from_the_cache(
    client, tokens, approved_asset, monkeypatch
):
    """The set's rows are written in one statement (no ``post_save``): writing them must still
    forget the cached redirect, or the URL would send clients to the old file until it expires."""
    from wagtail_lfcloud.channels import deliverables
    from wagtail_lfcloud.channels.errors import ChannelError

    token = tokens[Role.MARKETER]
    assert client.get(URL, **auth(token)).status_code == 302  # now cached

    def broken(*args, **kwargs):
        raise ChannelError("the master is corrupt")

    monkeypatch.setattr(deliverables, "generate_renditions", broken)
    (row,) = deliverables.build_channel_renditions(approved_asset.versions.get(), ["amazon_main"])
    assert row.status == ChannelRendition.Status.FAILED
    response = client.get(URL, **auth(token))
    assert response.status_code == 409
    assert "the master is corrupt" in response.json()["detail"]
