"""The test URLconf plus what a web server serving MEDIA_ROOT at MEDIA_URL does (``/media/<path>``).

Production sites serve MEDIA_ROOT with nginx or a CDN, not Django; this emulates that so a test
can ask for a file the way an attacker's browser would.
"""

from django.conf import settings
from django.urls import re_path
from django.views.static import serve

from tests.urls import urlpatterns as site_urlpatterns


def media(request, path):
    # Read MEDIA_ROOT per request: each test has its own.
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [re_path(r"^media/(?P<path>.*)$", media), *site_urlpatterns]
