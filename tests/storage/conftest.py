"""Fixtures of the storage tests: an uploader (the moto S3 server's fixtures are in tests/s3.py)."""

import pytest

from tests.factories import make_asset, make_brand, make_product, make_user
from wagtail_lfcloud.models import Role


class Studio:
    """A brand with product SKU10001 (front and back ordered) and a studio user who may upload."""

    def __init__(self):
        self.brand = make_brand()
        self.product = make_product(self.brand, sku="SKU10001")
        self.front = make_asset(self.product, "front", channels=["ig_square"])
        self.back = make_asset(self.product, "back")
        self.user = make_user(brand=self.brand, role=Role.STUDIO)


@pytest.fixture
def studio(db) -> Studio:
    return Studio()
