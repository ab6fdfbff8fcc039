import pytest
from wagtail.models import TaskState

from tests.factories import image_upload
from wagtail_lfcloud.assets.uploads import upload_version
from wagtail_lfcloud.models import VersionStatus


@pytest.mark.django_db
def test_upload_and_approve(brand, asset, studio, approver):
    result = upload_version(image_upload("SKU12345_2025-10_front.jpg"), brand=brand, user=studio)
    v1 = result.version
    assert v1.number == 1 and v1.status == VersionStatus.IN_REVIEW, result.message
    assert v1.image.width == 64 and v1.image.file_hash
    ts = TaskState.objects.for_instance(asset).filter(status="in_progress").get()
    ts.task.specific.on_action(ts.specific, approver, "approve")
    v1.refresh_from_db()
    assert v1.status == VersionStatus.CURRENT
    assert v1.approved_by == approver
