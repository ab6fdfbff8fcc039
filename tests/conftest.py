import pytest
from django.core.cache import caches


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Each test writes files into its own temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture(autouse=True)
def _clear_caches():
    """Primary keys repeat across rolled-back tests, so a rendition (or anything else) cached by an
    earlier test must not leak into the next one."""
    for cache in caches.all():
        cache.clear()
    yield
