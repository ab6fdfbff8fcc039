"""Admin URLs (under ``/admin/lfcloud/``) for the views a viewset does not cover.

Each part of the package adds its patterns here.
"""

from django.urls import path

from .views import catalog

app_name = "wagtail_lfcloud_admin"

urlpatterns = [
    path("products/import/", catalog.ProductImportView.as_view(), name="product_import"),
]
