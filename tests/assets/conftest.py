import pytest

from tests.factories import make_asset, make_product, make_user
from wagtail_lfcloud.assets.workflows import ensure_default_workflow

# ``brand`` is tests/conftest.py's.


@pytest.fixture
def workflow(db, brand):
    # Created by post_migrate in a migrated database; flushes (transactional tests) remove it.
    return ensure_default_workflow()


@pytest.fixture
def product(brand):
    return make_product(brand, "SKU12345")


@pytest.fixture
def asset(product, workflow):
    return make_asset(product, "front")


@pytest.fixture
def studio(brand):
    return make_user("studio", brand=brand, role="studio")


@pytest.fixture
def approver(brand):
    return make_user("approver", brand=brand, role="approver")


@pytest.fixture
def marketer(brand):
    return make_user("marketer", brand=brand, role="marketer")
