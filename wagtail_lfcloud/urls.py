"""Public (non-admin) URLs of the package: mount with ``path("lfcloud/", include("wagtail_lfcloud.urls"))``.

The headless API lives at ``api/v1/`` below this mount.
"""

from django.urls import path

from .api import api
from .views import files, public

app_name = "wagtail_lfcloud"


urlpatterns: list = [
    # The headless API (namespace wagtail_lfcloud_api); see wagtail_lfcloud.api to mount it elsewhere.
    path("api/v1/", api.urls),
    path("files/original/<int:version_id>/", files.original, name="original_file"),
    # Public signed rendition URLs (CDN-cacheable): wagtail_lfcloud.delivery.public_urls.
    path(
        "public/<slug:brand>/<str:sku>/<str:angle>/<str:channel>/<str:token>",
        public.public_rendition,
        name="public_rendition",
    ),
    # A video channel's poster frame, with the same token as its clip.
    path(
        "public/<slug:brand>/<str:sku>/<str:angle>/<str:channel>/<str:token>/poster.jpg",
        public.public_poster,
        name="public_poster",
    ),
]
