"""Public (non-admin) URLs of the package: mount with ``path("lfcloud/", include("wagtail_lfcloud.urls"))``.

The headless API lives at ``api/`` below this mount.
"""

from django.urls import path

app_name = "wagtail_lfcloud"

urlpatterns: list = []
