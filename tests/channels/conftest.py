import pytest

from .images import encode, exif_with_privacy, make_image, product_shot


@pytest.fixture
def product_image(db):
    """A 600x600 product shot JPEG with GPS and a camera serial in its EXIF."""
    data = encode(product_shot((600, 600), fill=0.7), quality=92, exif=exif_with_privacy())
    return make_image(data, "SKU1_2025-10_front.jpg")

