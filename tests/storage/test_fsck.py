"""``manage.py lfcloud_fsck`` finds what a user would trip over: missing files, stray files, assets without a current file."""

import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command

from wagtail_lfcloud.models import VersionStatus
from wagtail_lfcloud.storage.fsck import check

from .helpers import add_version, make_versioned_asset

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[int, str, str]:
    import io

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("lfcloud_fsck", *args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def codes(report) -> list[str]:
    return sorted(p.code for p in report.problems)


def test_a_consistent_library_passes():
    make_versioned_asset(VersionStatus.SUPERSEDED, VersionStatus.CURRENT)
    code, out, _ = run()
    assert code == 0
    assert "No problems found." in out
    assert "2 versions" in out


def test_a_missing_version_file_is_reported_and_exits_non_zero():
    asset, (v1,) = make_versioned_asset(VersionStatus.CURRENT)
    default_storage.delete(v1.image.file.name)
    code, out, err = run()
    assert code == 1
    assert f"missing_file: Version 1 of asset {asset.pk} references {v1.image.file.name!r}" in out
    assert "1 problem(s) found." in err


def test_a_stray_file_is_reported_as_orphan():
    make_versioned_asset(VersionStatus.CURRENT)
    stray = default_storage.save("original_images/left-behind.png", ContentFile(b"x"))
    report = check()
    assert codes(report) == ["orphan_file"]
    assert report.problems[0].details == {"file": stray}
    # Skipping the listing skips orphans.
    assert check(orphans=False).ok


def test_a_stray_rendition_file_is_reported():
    default_storage.save("images/stray.fill-10x10.png", ContentFile(b"x"))
    assert codes(check()) == ["orphan_rendition_file"]


def test_rendition_files_of_real_renditions_are_not_orphans():
    _asset, (v1,) = make_versioned_asset(VersionStatus.CURRENT)
    v1.image.get_rendition("fill-8x8")
    assert check().ok


def test_an_approved_asset_without_current_version_is_reported():
    from wagtail.log_actions import log

    asset, (v1, _v2) = make_versioned_asset(VersionStatus.SUPERSEDED, VersionStatus.IN_REVIEW)
    log(asset, "wagtail_lfcloud.version_approved", data={"version": 1, "version_id": v1.pk})
    report = check()
    assert codes(report) == ["no_current_version"]
    assert report.problems[0].details["asset"] == asset.pk


def test_a_live_asset_with_versions_but_none_current_is_reported():
    asset, _ = make_versioned_asset(VersionStatus.REJECTED)
    asset.live = True
    asset.save(update_fields=["live"])
    assert codes(check()) == ["no_current_version"]


def test_assets_never_approved_are_fine_without_current_version():
    make_versioned_asset(VersionStatus.IN_REVIEW)
    # Superseded by a newer upload before anyone approved it.
    make_versioned_asset(
        VersionStatus.SUPERSEDED, VersionStatus.SUPERSEDED, VersionStatus.IN_REVIEW
    )
    make_versioned_asset(VersionStatus.CHANGES_REQUESTED, VersionStatus.REJECTED)
    assert check().ok


@pytest.mark.postgres
def test_two_current_versions_are_reported():
    """Impossible under the constraint; simulated by dropping it for the length of the test."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL to drop a constraint inside the test transaction")
    asset, (v1,) = make_versioned_asset(VersionStatus.CURRENT)
    v2 = add_version(asset)
    with connection.cursor() as cursor:
        # A conditional unique constraint is a partial unique index on PostgreSQL; dropping it is
        # rolled back with the test transaction.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DROP INDEX lfcloud_version_one_current")
    type(v2).objects.filter(pk=v2.pk).update(status=VersionStatus.CURRENT)
    report = check()
    assert codes(report) == ["several_current_versions"]
    assert report.problems[0].details == {"asset": asset.pk, "current_versions": 2}


def test_json_output():
    asset, (v1,) = make_versioned_asset(VersionStatus.CURRENT)
    default_storage.delete(v1.image.file.name)
    code, out, _ = run("--json")
    assert code == 1
    data = json.loads(out)
    assert data["ok"] is False
    assert data["checked"]["versions"] == 1
    assert data["problems"] == [
        {
            "code": "missing_file",
            "message": data["problems"][0]["message"],
            "details": {
                "asset": asset.pk,
                "version": v1.pk,
                "image": v1.image_id,
                "file": v1.image.file.name,
            },
        }
    ]


@pytest.mark.s3
def test_on_s3(s3_storages):
    """The same checks over a real S3 API: one listing per folder, missing and stray objects found."""
    asset, (v1, v2) = make_versioned_asset(VersionStatus.SUPERSEDED, VersionStatus.CURRENT)
    v2.image.get_rendition("fill-8x8")
    assert check().ok
    assert any(key.startswith("images/") for key in s3_storages.rendition_keys())
    s3_storages.server.client().delete_object(Bucket=s3_storages.originals, Key=v1.image.file.name)
    default_storage.save("original_images/stray.png", ContentFile(b"x"))
    report = check()
    assert codes(report) == ["missing_file", "orphan_file"]
    code, out, _ = run()
    assert code == 1
    assert "original_images/stray.png" in out
