import pytest

pytest.importorskip("av", reason="video clips need the [video] extra (PyAV)")

from tests.assets.conftest import (  # noqa: E402, F401 - the same people and workflow
    approver,
    marketer,
    product,
    studio,
    workflow,
)
from tests.factories import make_asset  # noqa: E402
from tests.video.clips import make_clip  # noqa: E402
from wagtail_lfcloud.models import AssetKind  # noqa: E402

NAME = "SKU12345_2025-10_turntable-15s.mp4"


@pytest.fixture
def video_asset(product, workflow):  # noqa: F811 - the fixtures imported above
    return make_asset(product, "turntable-15s", kind=AssetKind.VIDEO)


@pytest.fixture(scope="session")
def clip_bytes():
    """A 2 s 320x240 H.264 clip with sound (about 80 KB)."""
    return make_clip()
