"""Files of versions are never lost by deleting or archiving; only ``lfcloud_purge`` removes them, logged."""

import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone
from wagtail.images import get_image_model
from wagtail.log_actions import registry as log_registry
from wagtail.models import Collection

from tests.factories import make_image, make_user
from wagtail_lfcloud.models import AssetVersion, BrandLogEntry, VersionStatus

from .helpers import make_versioned_asset, original_files, stored

pytestmark = pytest.mark.django_db


def age(version: AssetVersion, days: int) -> None:
    AssetVersion.objects.filter(pk=version.pk).update(
        status_changed_at=timezone.now() - timedelta(days=days)
    )


def purge(*args) -> str:
    out = io.StringIO()
    call_command("lfcloud_purge", *args, stdout=out)
    return out.getvalue()


# --- deleting images through Wagtail --------------------------------------------------------


@pytest.mark.parametrize(
    "status", [VersionStatus.CURRENT, VersionStatus.SUPERSEDED, VersionStatus.REJECTED]
)
def test_wagtail_image_delete_view_refuses_an_image_a_version_uses(client, status):
    _asset, (version,) = make_versioned_asset(status)
    image = version.image
    client.force_login(make_user(superuser=True))
    url = reverse("wagtailimages:delete", args=[image.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert "prevent it from being deleted" in page.content.decode()

    assert 'type="submit"' not in page.content.decode().split("prevent it from being deleted")[1]

    # A forged POST is refused too (Wagtail answers PermissionDenied with a redirect and a message).
    response = client.post(url)
    assert response.status_code in (302, 403)
    assert get_image_model().objects.filter(pk=image.pk).exists()
    assert stored(image.file.name)


def test_wagtail_bulk_delete_refuses_images_a_version_uses(client):
    _asset, (version,) = make_versioned_asset(VersionStatus.CURRENT)
    free = make_image()
    client.force_login(make_user(superuser=True))
    Image = get_image_model()
    url = (
        reverse(
            "wagtail_bulk_action", args=(Image._meta.app_label, Image._meta.model_name, "delete")
        )
        + f"?id={version.image_id}&id={free.pk}"
    )
    page = client.get(url)
    assert "prevent" in page.content.decode()
    client.post(url)
    assert Image.objects.filter(pk=version.image_id).exists()
    assert stored(version.image.file.name)


def test_deleting_a_versioned_image_in_code_is_refused():
    _asset, (version,) = make_versioned_asset(VersionStatus.SUPERSEDED)
    with pytest.raises(ProtectedError):
        version.image.delete()
    assert stored(version.image.file.name)


def test_unused_images_can_still_be_deleted(client):
    image = make_image()
    client.force_login(make_user(superuser=True))
    client.post(reverse("wagtailimages:delete", args=[image.pk]))
    assert not get_image_model().objects.filter(pk=image.pk).exists()


# --- lfcloud_purge ------------------------------------------------------------------------------


def test_purge_needs_something_to_do():
    with pytest.raises(CommandError, match="Nothing to do"):
        purge()


def test_dry_run_lists_old_rejected_versions_and_deletes_nothing():
    asset, (old, recent, current) = make_versioned_asset(
        VersionStatus.REJECTED, VersionStatus.REJECTED, VersionStatus.CURRENT
    )
    age(old, 40)
    age(recent, 5)
    out = purge("--rejected-older-than", "30", "--dry-run")
    assert f"Would delete version {asset} v1 ({old.image.file.name})" in out
    assert "v2" not in out and "v3" not in out
    assert "Would delete 1 rejected version(s)." in out
    assert AssetVersion.objects.count() == 3
    assert stored(old.image.file.name)
    assert not BrandLogEntry.objects.filter(action="wagtail_lfcloud.purged").exists()


def test_purge_removes_old_rejected_versions_with_their_files_and_logs_it(
    django_capture_on_commit_callbacks,
):
    asset, (old, superseded, current) = make_versioned_asset(
        VersionStatus.REJECTED, VersionStatus.SUPERSEDED, VersionStatus.CURRENT
    )
    for version in (old, superseded, current):
        age(version, 400)
    old.image.get_rendition("fill-8x8")
    name = old.image.file.name
    with django_capture_on_commit_callbacks(execute=True):
        out = purge("--rejected-older-than", "30")
    assert "Deleted 1 rejected version(s)." in out
    assert list(asset.versions.values_list("number", flat=True)) == [3, 2]
    assert not get_image_model().objects.filter(pk=old.image_id).exists()
    assert not stored(name)
    # Superseded and current files stay, whatever their age.
    assert stored(superseded.image.file.name) and stored(current.image.file.name)
    entry = BrandLogEntry.objects.get(action="wagtail_lfcloud.purged")
    assert entry.object_id == str(asset.pk)
    assert entry.data["version"] == 1
    assert entry.data["file"] == name
    assert entry.data["file_deleted"] is True


def test_purge_keeps_an_image_another_version_still_uses(django_capture_on_commit_callbacks):
    asset, (old, current) = make_versioned_asset(VersionStatus.REJECTED, VersionStatus.CURRENT)
    # A re-upload of the same file on another asset reuses the image.
    other, _ = make_versioned_asset()
    AssetVersion.objects.create(
        asset=other, number=1, image=old.image, status=VersionStatus.CURRENT
    )
    age(old, 90)
    with django_capture_on_commit_callbacks(execute=True):
        out = purge("--rejected-older-than", "30")
    assert "Kept the image of" in out
    assert not AssetVersion.objects.filter(pk=old.pk).exists()
    assert stored(old.image.file.name)


def test_purge_orphan_files_only_when_old_enough(settings):
    make_versioned_asset(VersionStatus.CURRENT)
    kept = set(original_files())
    stray = default_storage.save("original_images/stray.png", ContentFile(b"x"))
    # A fresh file may be an upload in progress.
    assert "Would delete 0 orphan file(s)." in purge("--orphans", "--dry-run")
    out = purge("--orphans", "--orphans-older-than", "0", "--dry-run")
    assert f"Would delete orphan file {stray}" in out
    assert stored(stray)

    out = purge("--orphans", "--orphans-older-than", "0")
    assert f"Deleted orphan file {stray}" in out
    assert not stored(stray)
    assert original_files() == kept
    # Logged on the root collection (not a brand's object), where Wagtail keeps its own lines.
    root = Collection.get_first_root_node()
    entry = log_registry.get_logs_for_instance(root).get(action="wagtail_lfcloud.purged")
    assert entry.data == {"orphan_files": [stray]}


def test_purge_never_touches_files_of_images(settings):
    image = make_image()
    out = purge("--orphans", "--orphans-older-than", "0")
    assert "Deleted 0 orphan file(s)." in out
    assert stored(image.file.name)


# --- replacing the file of a version's image ----------------------------------------------------


FORM_BASE = "wagtail_lfcloud.storage.retention.LFCloudImageForm"


def edit(client, image, **data):
    from tests.factories import image_upload

    post = {
        "title": image.title,
        "collection": image.collection_id,
        "tags": "",
        "file": image_upload("replacement.png", (20, 20), (0, 0, 0)),
    }
    post.update(data)
    return client.post(reverse("wagtailimages:edit", args=[image.pk]), post)


def test_image_edit_form_locks_the_file_of_a_version(client, settings):
    settings.WAGTAILIMAGES_IMAGE_FORM_BASE = FORM_BASE
    asset, (version,) = make_versioned_asset(VersionStatus.CURRENT)
    image = version.image
    name = image.file.name
    client.force_login(make_user(superuser=True))

    page = client.get(reverse("wagtailimages:edit", args=[image.pk])).content.decode()
    assert f"This file is version 1 of {asset}. It cannot be replaced here" in page

    response = edit(client, image, title="Renamed")
    assert response.status_code == 302
    image.refresh_from_db()
    assert image.title == "Renamed"  # other fields still edit
    assert image.file.name == name
    assert stored(name)


def test_replacing_a_version_file_in_code_is_refused():
    from django.core.exceptions import ValidationError
    from django.core.files.base import ContentFile

    asset, (version,) = make_versioned_asset(VersionStatus.SUPERSEDED)
    image = version.image
    name = image.file.name
    from tests.factories import image_bytes

    image.file = ContentFile(image_bytes((8, 8)), name="other.png")
    with pytest.raises(ValidationError, match="upload a new version of the asset instead"):
        image.save()
    assert get_image_model().objects.get(pk=image.pk).file.name == name
    assert stored(name)
    assert original_files() == {name}


def test_without_the_form_base_the_save_is_still_refused(client, settings):
    from django.core.exceptions import ValidationError

    del settings.WAGTAILIMAGES_IMAGE_FORM_BASE

    _asset, (version,) = make_versioned_asset(VersionStatus.CURRENT)
    name = version.image.file.name
    client.force_login(make_user(superuser=True))
    client.raise_request_exception = True
    with pytest.raises(ValidationError):
        edit(client, version.image)
    assert stored(name)
    assert get_image_model().objects.get(pk=version.image_id).file.name == name


def test_files_of_other_images_can_still_be_replaced(client, settings):
    settings.WAGTAILIMAGES_IMAGE_FORM_BASE = FORM_BASE
    image = make_image()
    old = image.file.name
    client.force_login(make_user(superuser=True))
    assert edit(client, image).status_code == 302
    image.refresh_from_db()
    assert image.file.name != old


def test_check_w029_when_the_form_base_is_not_set(settings):
    from wagtail_lfcloud.storage.production_checks import check_image_form

    del settings.WAGTAILIMAGES_IMAGE_FORM_BASE
    messages = check_image_form()
    assert [m.id for m in messages] == ["wagtail_lfcloud.W029"]
    assert FORM_BASE in messages[0].hint
    settings.WAGTAILIMAGES_IMAGE_FORM_BASE = FORM_BASE
    assert check_image_form() == []
    settings.WAGTAILIMAGES_IMAGE_FORM_BASE = "no.such.Form"
    assert [m.id for m in check_image_form()] == ["wagtail_lfcloud.E022"]


def test_purge_orphan_rendition_files(django_capture_on_commit_callbacks):
    _asset, (version,) = make_versioned_asset(VersionStatus.CURRENT)
    kept = version.image.get_rendition("fill-8x8").file.name
    stray = default_storage.save("images/left-by-a-dead-worker.fill-8x8.png", ContentFile(b"x"))
    out = purge("--orphans", "--orphans-older-than", "0", "--dry-run")
    assert f"Would delete orphan file {stray}" in out
    assert kept not in out
    purge("--orphans", "--orphans-older-than", "0")
    assert not stored(stray) and stored(kept)


# Outside a test transaction: only the transaction's owner retries (locking.run_with_retry).
@pytest.mark.django_db(transaction=True)
def test_purge_runs_a_version_again_when_the_database_aborts_it_for_a_race(
    monkeypatch, django_capture_on_commit_callbacks
):
    """A deadlock while purging one version (another process approving on the same asset) is
    retried: the version is purged and logged once, and the command does not fail."""
    from django.db import OperationalError

    from wagtail_lfcloud.storage import purge as purge_module

    asset, (old, current) = make_versioned_asset(VersionStatus.REJECTED, VersionStatus.CURRENT)
    age(old, 90)
    real_lock = purge_module.lock_asset
    attempts = []

    class Deadlock(Exception):
        pgcode = "40P01"

    def lock_then_deadlock_once(asset_id):
        attempts.append(asset_id)
        locked = real_lock(asset_id)
        if len(attempts) == 1:
            raise OperationalError("deadlock detected") from Deadlock()
        return locked

    monkeypatch.setattr(purge_module, "lock_asset", lock_then_deadlock_once)
    with django_capture_on_commit_callbacks(execute=True):
        out = purge("--rejected-older-than", "30")
    assert attempts == [asset.pk, asset.pk]
    assert "Deleted 1 rejected version(s)." in out
    assert not AssetVersion.objects.filter(pk=old.pk).exists()
    assert BrandLogEntry.objects.filter(action="wagtail_lfcloud.purged").count() == 1
