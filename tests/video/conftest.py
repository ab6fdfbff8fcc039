import pytest

pytest.importorskip("av", reason="video clips need the [video] extra (PyAV)")

from tests.factories import make_asset, make_brand, make_product, make_user  # noqa: E402
from tests.video.clips import make_clip  # noqa: E402
from wagtail_lfcloud.assets.workflows import ensure_default_workflow  # noqa: E402
from wagtail_lfcloud.models import AssetKind  # noqa: E402

NAME = "SKU12345_2025-10_turntable-15s.mp4"


@pytest.fixture
def brand(db):
    return make_brand("Acme")


@pytest.fixture
def workflow(db, brand):
    return ensure_default_workflow()


@pytest.fixture
def product(brand):
    return make_product(brand, "SKU12345")


@pytest.fixture
def video_asset(product, workflow):
    return make_asset(product, "turntable-15s", kind=AssetKind.VIDEO)


@pytest.fixture
def studio(brand):
    return make_user("studio", brand=brand, role="studio")


@pytest.fixture
def approver(brand):
    return make_user("approver", brand=brand, role="approver")


@pytest.fixture
def marketer(brand):
    return make_user("marketer", brand=brand, role="marketer")


@pytest.fixture(scope="session")
def clip_bytes():
    """A 2 s 320x240 H.264 clip with sound (about 80 KB)."""
    return make_clip()
