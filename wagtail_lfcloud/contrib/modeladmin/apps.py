from django.apps import AppConfig


class LFCloudModelAdminConfig(AppConfig):
    name = "wagtail_lfcloud.contrib.modeladmin"
    label = "wagtail_lfcloud_modeladmin"
    verbose_name = "LF Cloud (modeladmin)"
