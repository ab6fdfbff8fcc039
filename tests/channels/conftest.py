import pytest

from .images import encode, exif_with_privacy, make_image, product_shot


@pytest.fixture
def product_image(db):
    """A 600x600 product shot JPEG with GPS and a camera serial in its EXIF."""
    data = encode(product_shot((600, 600), fill=0.7), quality=92, exif=exif_with_privacy())
    return make_image(data, "SKU1_2025-10_front.jpg")


def _in_ci() -> bool:
    import os

    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture
def tesseract():
    """Text detection must run: skip locally without Tesseract, fail in CI (``CI=true``)."""
    from wagtail_lfcloud.channels import text

    ok, why = text.availability()
    if not ok:
        if _in_ci():
            pytest.fail(f"text detection is off in CI: {why}", pytrace=False)
        pytest.skip(f"text detection is off: {why}")
