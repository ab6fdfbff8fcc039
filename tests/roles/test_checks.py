"""W040/W041: originals must not be served from a public MEDIA_URL in production; W042: the workflow
reports run the brand-scoped views."""

import pytest
from django.urls import include, path

from wagtail_lfcloud.access.checks import check_originals_not_public


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


@pytest.mark.django_db
def test_workflow_reports_run_the_brand_scoped_views(client):
    from django.urls import resolve, reverse

    from wagtail_lfcloud.access.checks import check_workflow_reports_scoped
    from wagtail_lfcloud.access.reports import REPORT_VIEWS

    for name, (_wagtail_class, ours) in REPORT_VIEWS.items():
        match = resolve(reverse(f"wagtailadmin_reports:{name}"))
        assert match.func.view_class is ours, name
        # Still behind Wagtail's admin-access decorator: the swap happened before it wrapped them.
        response = client.get(reverse(f"wagtailadmin_reports:{name}"))
        assert response.status_code == 302 and "/login/" in response["Location"], name
    assert check_workflow_reports_scoped() == []


def test_w042_when_another_app_put_back_an_unscoped_report():
    from django.urls import resolve, reverse
    from wagtail.admin.urls import reports
    from wagtail.admin.views.reports.workflows import WorkflowView

    from wagtail_lfcloud.access.checks import check_workflow_reports_scoped

    pattern = next(p for p in reports.urlpatterns if p.name == "workflow")
    kept = pattern.callback
    pattern.callback = WorkflowView.as_view()
    try:
        assert resolve(reverse("wagtailadmin_reports:workflow")).func.view_class is WorkflowView
        messages = check_workflow_reports_scoped()
        assert ids(messages) == ["wagtail_lfcloud.W042"]
        assert "workflow" in messages[0].msg
    finally:
        pattern.callback = kept
