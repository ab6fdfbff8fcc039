"""Test settings with wagtail-modeladmin and the package's optional modeladmin integration."""

from tests.settings import *
from tests.settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "wagtail_modeladmin", "wagtail_lfcloud.contrib.modeladmin"]
