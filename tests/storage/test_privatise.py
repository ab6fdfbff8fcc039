"""Existing installs: ``manage.py lfcloud_privatise_files`` moves draft files written before the
private-files rule out of public reach, and check E030/E031/W030 say when the setup would leak."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from wagtail.images import get_image_model

from tests.factories import make_asset, make_brand, make_image, make_product, make_user
from tests.s3 import rendition_models
from wagtail_lfcloud.catalog.library import collection_for_product
from wagtail_lfcloud.models import AssetVersion, Role, VersionStatus
from wagtail_lfcloud.storage import PRIVATE_PREFIX
from wagtail_lfcloud.storage.checks import check_private_files

pytestmark = pytest.mark.django_db


def use_public_rendition_storage(monkeypatch):
    """How installs were set up before: renditions straight into the (public) default storage."""
    for model in rendition_models():
        monkeypatch.setattr(model._meta.get_field("file"), "storage", default_storage)


def legacy_world(monkeypatch):
    """A draft and an approved final written the old way: guessable original names, previews in
    public storage. Returns (draft image, final image, approver)."""
    brand = make_brand("Acme")
    product = make_product(brand, "ACME1")
    asset = make_asset(product)
    images = []
    for stage, status, number in (
        ("raw", VersionStatus.IN_REVIEW, 2),
        ("finals", VersionStatus.CURRENT, 1),
    ):
        image = make_image(
            title=f"ACME1_2025-10_front_{stage}"
        )  # outside the tree: named as before
        get_image_model().objects.filter(pk=image.pk).update(
            collection=collection_for_product(product, stage)
        )
        image.refresh_from_db()
        AssetVersion.objects.create(
            asset=asset,
            number=number,
            image=image,
            status=status,
            original_filename="ACME1_2025-10_front.png",
        )
        images.append(image)
    with monkeypatch.context() as patch:
        use_public_rendition_storage(patch)
        for image in images:
            image.get_rendition("max-165x165")
            image.get_rendition("max-800x600")
    return images[0], images[1], make_user("approver", brand=brand, role=Role.APPROVER)


@pytest.mark.urls("tests.storage.media_urls")
def test_the_command_moves_legacy_draft_files_out_of_public_reach_once(client, monkeypatch):
    draft, final, approver = legacy_world(monkeypatch)
    draft_urls = [f"/media/{draft.file.name}"] + [
        f"/media/{r.file.name}" for r in draft.renditions.all()
    ]
    final_renditions = {r.pk: r.file.name for r in final.renditions.all()}
    assert all(client.get(url).status_code == 200 for url in draft_urls)  # the leak being fixed

    dry = io.StringIO()
    call_command("lfcloud_privatise_files", "--dry-run", stdout=dry)
    assert "Dry run: 4 file(s) would change" in dry.getvalue()  # 2 originals, 2 draft renditions
    assert all(client.get(url).status_code == 200 for url in draft_urls)  # nothing changed

    out = io.StringIO()
    call_command("lfcloud_privatise_files", stdout=out)
    assert "Made 4 file(s) private or unguessable" in out.getvalue()
    assert all(client.get(url).status_code == 404 for url in draft_urls)
    draft.refresh_from_db()
    final.refresh_from_db()
    assert re.match(r"original_images/lfc[0-9a-f]{16}_", draft.file.name)
    assert re.match(r"original_images/lfc[0-9a-f]{16}_", final.file.name)
    for rendition in draft.renditions.all():
        assert rendition.file.name.startswith(PRIVATE_PREFIX)
        assert client.get(f"/media/{rendition.file.name}").status_code == 404
        client.force_login(approver)
        assert client.get(rendition.url).status_code == 200  # still shown to those who may see it
        client.logout()
    # The approved final's renditions stay public, where they were.
    assert {r.pk: r.file.name for r in final.renditions.all()} == final_renditions
    assert all(
        client.get(f"/media/{name}").status_code == 200 for name in final_renditions.values()
    )

    again = io.StringIO()
    call_command("lfcloud_privatise_files", stdout=again)
    assert "Nothing to do" in again.getvalue()


def test_the_command_refuses_while_renditions_would_go_public_again(monkeypatch):
    use_public_rendition_storage(monkeypatch)
    with pytest.raises(CommandError, match="RenditionStorage"):
        call_command("lfcloud_privatise_files")


def ids(messages):
    return [m.id for m in messages]


def test_e030_a_public_rendition_storage_fails_the_checks(monkeypatch):
    assert (
        check_private_files() == []
    )  # the test settings: RenditionStorage, private storage outside MEDIA_ROOT
    use_public_rendition_storage(monkeypatch)
    assert ids(check_private_files()) == ["wagtail_lfcloud.E030"]


def test_e030_an_unsigned_s3_rendition_storage_fails_the_checks(monkeypatch):
    from storages.backends.s3 import S3Storage

    for model in rendition_models():
        monkeypatch.setattr(
            model._meta.get_field("file"),
            "storage",
            S3Storage(bucket_name="renditions", querystring_auth=False),
        )
    assert ids(check_private_files()) == ["wagtail_lfcloud.E030"]
    for model in rendition_models():
        monkeypatch.setattr(
            model._meta.get_field("file"),
            "storage",
            S3Storage(bucket_name="renditions", querystring_auth=True),
        )
    assert check_private_files() == []  # private (if slow): W024 speaks about that


def test_e031_a_public_private_storage_fails_the_checks(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "private", "querystring_auth": False},
        },
    }
    assert ids(check_private_files()) == ["wagtail_lfcloud.E031"]


def test_w030_private_files_inside_media_root_are_flagged(settings):
    settings.STORAGES = {
        k: v for k, v in settings.STORAGES.items() if k != "private"
    }  # falls back to default
    assert ids(check_private_files()) == ["wagtail_lfcloud.W030"]
    settings.DEBUG = True
    assert check_private_files() == []
