"""W040/W041: originals must not be served from a public MEDIA_URL in production."""

from django.urls import include, path

from wagtail_lfcloud.access_checks import check_originals_not_public


def ids(messages):
    return [m.id for m in messages]


def test_nothing_in_debug(settings):
    settings.DEBUG = True
    assert check_originals_not_public() == []


def test_local_originals_in_production_warn(settings):
    settings.DEBUG = False
    assert ids(check_originals_not_public()) == ["wagtail_lfcloud.W040"]


def test_s3_originals_are_left_to_the_storage_checks(settings):
    from tests.s3 import s3_storages_settings

    settings.DEBUG = False
    settings.STORAGES = s3_storages_settings("http://127.0.0.1:9", "originals", "renditions")
    assert check_originals_not_public() == []


# A URLconf that serves media with Django itself, as static() does when DEBUG is on.
urlpatterns = [path("", include("tests.urls"))]


def test_media_served_by_django_in_production_warns(settings):
    from django.views.static import serve

    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    urlpatterns.append(path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))
    try:
        assert ids(check_originals_not_public()) == ["wagtail_lfcloud.W041"]
    finally:
        urlpatterns.pop()
