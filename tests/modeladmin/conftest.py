import pytest
from django.conf import settings


def pytest_collection_modifyitems(config, items):
    if "wagtail_lfcloud.contrib.modeladmin" in settings.INSTALLED_APPS:
        return
    skip = pytest.mark.skip(reason="needs DJANGO_SETTINGS_MODULE=tests.settings_modeladmin")
    for item in items:
        if "tests/modeladmin/" in str(item.fspath):
            item.add_marker(skip)
