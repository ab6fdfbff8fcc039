"""Registrations only."""

from wagtail_modeladmin.options import modeladmin_register

from .options import LFCloudModelAdminGroup

modeladmin_register(LFCloudModelAdminGroup)
