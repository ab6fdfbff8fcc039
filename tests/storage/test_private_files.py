"""Files of unapproved versions are private: an attacker who guesses their names gets nothing,
people of another brand get 404, and the people who may see them get them through signed,
permission-checked URLs. Approved channel renditions stay public. On local files and on S3.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from types import SimpleNamespace

import pytest
from django.urls import reverse
from wagtail.models import TaskState

from tests.factories import image_upload, make_asset, make_brand, make_product, make_user
from wagtail_lfcloud.assets.previews import PREVIEW_SPECS
from wagtail_lfcloud.assets.uploads import upload_version
from wagtail_lfcloud.assets.workflows import ensure_default_workflow
from wagtail_lfcloud.channels import get_channel_rendition
from wagtail_lfcloud.models import Role, VersionStatus
from wagtail_lfcloud.storage import PRIVATE_PREFIX, RenditionStorage

pytestmark = pytest.mark.django_db

SKU, PERIOD, ANGLE = "ACME1", "2025-10", "front"
UPLOAD = f"{SKU}_{PERIOD}_{ANGLE}.jpg"
#: Renditions Wagtail's own admin makes: listing and chooser, edit page, duplicate check, file link.
WAGTAIL_ADMIN_SPECS = ("max-165x165", "max-800x600", "max-150x150", "original")
SPECS = tuple(dict.fromkeys(PREVIEW_SPECS + WAGTAIL_ADMIN_SPECS))
EXTENSIONS = ("jpg", "jpeg", "png", "webp", "avif")
MAY_SEE_DRAFTS = {Role.BRAND_ADMIN, Role.APPROVER, Role.STUDIO}


def guessed_names() -> list[str]:
    """What an attacker who knows the naming convention tries: the original under Wagtail's
    folder, every preview and admin rendition under Wagtail's rendition names, with and without
    the private folder, for the usual spellings of the SKU and period."""
    stems = {
        "_".join(part for part in (sku, period, ANGLE) if part)
        for sku in (SKU, SKU.lower())
        for period in (PERIOD, PERIOD.replace("-", ""), "")
    }
    names = []
    for stem in sorted(stems):
        for ext in EXTENSIONS:
            names.append(f"original_images/{stem}.{ext}")
            for spec in SPECS:
                for folder in ("images/", PRIVATE_PREFIX + "images/"):
                    names.append(f"{folder}{stem}.{spec.replace('|', '.')}.{ext}")
    return names


def make_world(client, django_capture_on_commit_callbacks):
    """Acme's studio uploads ACME1_2025-10_front.jpg (in review); the studio then opens Wagtail's
    image listing, chooser and edit page, which make Wagtail's own renditions of the draft."""
    ensure_default_workflow()
    acme, zed = make_brand("Acme"), make_brand("Zed")
    asset = make_asset(make_product(acme, SKU), ANGLE)
    users = {
        (brand.name, role): make_user(f"{brand.slug}_{role}", brand=brand, role=role)
        for brand in (acme, zed)
        for role in Role.values
    }
    with django_capture_on_commit_callbacks(execute=True):
        version = upload_version(
            image_upload(UPLOAD, size=(900, 700)), brand=acme, user=users["Acme", Role.STUDIO]
        ).version
    image = version.image
    client.force_login(users["Acme", Role.STUDIO])
    for url in (
        reverse("wagtailimages:index"),
        reverse("wagtailimages_chooser:choose"),
        reverse("wagtailimages:edit", args=[image.pk]),
    ):
        assert client.get(url).status_code == 200, url
    client.logout()
    renditions = list(image.renditions.all())
    assert {r.filter_spec for r in renditions} >= {"max-165x165", "max-800x600", "original"}
    return SimpleNamespace(
        acme=acme,
        zed=zed,
        asset=asset,
        version=version,
        image=image,
        renditions=renditions,
        users=users,
    )


def approve(world, django_capture_on_commit_callbacks):
    step = TaskState.objects.for_instance(world.asset).filter(status="in_progress").get().specific
    with django_capture_on_commit_callbacks(execute=True):
        step.task.specific.on_action(step, world.users["Acme", Role.APPROVER], "approve")
    world.version.refresh_from_db()
    assert world.version.status == VersionStatus.CURRENT


def assert_only_allowed_people_get(client, world, url: str, content_check) -> None:
    """Anonymous: sent to log in. Every role of the other brand, and Acme's marketer and finance:
    404. Acme's admin, approver and studio: the file."""
    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and reverse("wagtailadmin_login") in anonymous["Location"]
    for (brand, role), user in world.users.items():
        client.force_login(user)
        response = client.get(url)
        if brand == "Acme" and role in MAY_SEE_DRAFTS:
            assert response.status_code in (200, 302), (brand, role)
            content_check(response)
        else:
            assert response.status_code == 404, (brand, role, url)
        client.logout()


def signed_urls_in(html: str) -> list[str]:
    return sorted(set(re.findall(r'src="(/admin/lfcloud/files/[^"]+)"', html)))


@pytest.mark.urls("tests.storage.media_urls")
def test_an_attacker_guessing_draft_file_names_on_local_storage_gets_404(
    client, django_capture_on_commit_callbacks
):
    world = make_world(client, django_capture_on_commit_callbacks)
    # Every guess, as an anonymous browser, at the web server serving MEDIA_ROOT.
    found = [name for name in guessed_names() if client.get(f"/media/{name}").status_code != 404]
    assert found == []
    # Even knowing the real names does not help: no rendition of the draft is under MEDIA_ROOT.
    for rendition in world.renditions:
        assert rendition.file.name.startswith(PRIVATE_PREFIX)
        assert client.get(f"/media/{rendition.file.name}").status_code == 404
        assert client.get(f"/media/{rendition.file.name[len(PRIVATE_PREFIX) :]}").status_code == 404
    # ... and the original is stored under an unguessable name.
    assert re.fullmatch(
        r"original_images/lfc[0-9a-f]{16}_ACME1_2025-10_front(_\w+)?\.jpg", world.image.file.name
    )


@pytest.mark.urls("tests.storage.media_urls")
def test_people_who_may_see_the_draft_get_it_through_signed_checked_urls(
    client, django_capture_on_commit_callbacks
):
    world = make_world(client, django_capture_on_commit_callbacks)
    client.force_login(world.users["Acme", Role.APPROVER])
    review = client.get(reverse("wagtail_lfcloud_admin:asset_review", args=[world.asset.pk]))
    assert review.status_code == 200
    urls = signed_urls_in(review.content.decode())
    assert urls, "the review page shows the draft's preview through the file view"
    for rendition in world.renditions:
        urls.append(rendition.url)
    expected = {r.url: r.file.open("rb").read() for r in world.renditions}

    def is_an_image(response):
        body = b"".join(response.streaming_content)
        assert body[:3] == b"\xff\xd8\xff" or body[:8] == b"\x89PNG\r\n\x1a\n"

    for url in urls:
        assert_only_allowed_people_get(client, world, url, is_an_image)
    for url, data in expected.items():
        client.force_login(world.users["Acme", Role.STUDIO])
        assert b"".join(client.get(url).streaming_content) == data


def test_a_forged_or_expired_signed_url_answers_404(
    client, django_capture_on_commit_callbacks, settings
):
    world = make_world(client, django_capture_on_commit_callbacks)
    url = world.renditions[0].url
    client.force_login(world.users["Acme", Role.BRAND_ADMIN])
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert (
        client.get(
            url.replace(token, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
        ).status_code
        == 404
    )
    settings.WAGTAIL_LFCLOUD_SIGNED_URL_EXPIRY = -1
    assert client.get(url).status_code == 404


@pytest.mark.urls("tests.storage.media_urls")
def test_approved_channel_renditions_stay_public(client, django_capture_on_commit_callbacks):
    world = make_world(client, django_capture_on_commit_callbacks)
    approve(world, django_capture_on_commit_callbacks)
    channel = get_channel_rendition(world.image, "ig_square")
    assert not channel.file.name.startswith(PRIVATE_PREFIX)
    assert channel.url == f"/media/{channel.file.name}"
    response = client.get(channel.url)  # anonymous, as a storefront
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == channel.file.open("rb").read()
    # Approval published the final's earlier previews too.
    thumbnail = world.image.renditions.get(filter_spec="max-165x165")
    assert not thumbnail.file.name.startswith(PRIVATE_PREFIX)
    assert client.get(thumbnail.url).status_code == 200


# --- S3 (moto server: real HTTP, ACLs enforced) ----------------------------------------------


@pytest.fixture
def s3_private_by_default(s3_storages, settings, monkeypatch):  # noqa: F811
    """The production page's S3 setup: originals (and private renditions) in a signed private
    bucket; the renditions bucket public (public-read objects, as a public bucket policy would)."""
    storages_setting = {**settings.STORAGES}
    storages_setting["renditions"] = {
        **storages_setting["renditions"],
        "OPTIONS": {**storages_setting["renditions"]["OPTIONS"], "default_acl": "public-read"},
    }
    settings.STORAGES = storages_setting
    settings.WAGTAILIMAGES_RENDITION_STORAGE = "wagtail_lfcloud.storage.RenditionStorage"
    settings.WAGTAIL_LFCLOUD_PRIVATE_STORAGE = "default"
    from tests.s3 import rendition_models

    for model in rendition_models():
        monkeypatch.setattr(model._meta.get_field("file"), "storage", RenditionStorage())
    return s3_storages


def anonymous_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, b""


@pytest.mark.s3
def test_on_s3_draft_files_are_unreachable_by_url_and_approved_channel_files_are_public(
    client, s3_private_by_default, django_capture_on_commit_callbacks
):
    buckets = s3_private_by_default
    world = make_world(client, django_capture_on_commit_callbacks)
    endpoint = buckets.server.endpoint_url
    # Guesses, and every key the draft really has, by unauthenticated HTTP GET to both buckets.
    real_keys = [world.image.file.name] + [r.file.name for r in world.renditions]
    assert not set(real_keys) & set(buckets.rendition_keys()), (
        "nothing of the draft is in the public bucket"
    )
    reachable = [
        (bucket, key)
        for bucket in (buckets.originals, buckets.renditions)
        for key in guessed_names() + real_keys
        if anonymous_get(f"{endpoint}/{bucket}/{key}")[0] == 200
    ]
    assert reachable == []
    # People who may see the draft are redirected to a short-lived signed URL; nobody else is.
    rendition = world.image.renditions.get(filter_spec="max-800x600")

    def signed_redirect_works(response):
        assert response.status_code == 302
        assert "X-Amz-Expires=" in response["Location"] or "Expires=" in response["Location"]
        status, body = anonymous_get(response["Location"])
        assert status == 200 and body[:3] == b"\xff\xd8\xff"

    assert_only_allowed_people_get(client, world, rendition.url, signed_redirect_works)

    approve(world, django_capture_on_commit_callbacks)
    channel = get_channel_rendition(world.image, "ig_square")
    assert channel.file.name in buckets.rendition_keys()
    status, body = anonymous_get(channel.url)
    assert status == 200 and body == channel.file.open("rb").read()


@pytest.mark.urls("tests.storage.media_urls")
def test_a_draft_replaced_by_a_newer_upload_stays_private(
    client, django_capture_on_commit_callbacks
):
    """A newer upload supersedes the version in review without approving it: superseded is not
    approved, so its files stay private and marketers still get 404."""
    world = make_world(client, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        upload_version(
            image_upload(UPLOAD, size=(900, 700), color=(9, 9, 9)),
            brand=world.acme,
            user=world.users["Acme", Role.STUDIO],
        )
    world.version.refresh_from_db()
    assert (
        world.version.status == VersionStatus.SUPERSEDED
        and world.version.approved_task_state_id is None
    )
    made_after = world.image.get_rendition("fill-120x120")  # e.g. the versions page, later on
    assert made_after.file.name.startswith(PRIVATE_PREFIX)
    assert client.get(f"/media/{made_after.file.name}").status_code == 404
    for role in (Role.MARKETER, Role.FINANCE):
        client.force_login(world.users["Acme", role])
        assert client.get(made_after.url).status_code == 404
        assert client.get(world.renditions[0].url).status_code == 404
    client.force_login(world.users["Acme", Role.STUDIO])
    assert client.get(made_after.url).status_code == 200
