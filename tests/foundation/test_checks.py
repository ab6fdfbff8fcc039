"""Every system check of the foundation, by id."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from wagtail_lfcloud.checks import check_currencies, check_installed_apps, check_naming


def ids(errors):
    return [e.id for e in errors]


def test_defaults_pass():
    assert check_naming() == [] and check_currencies() == [] and check_installed_apps() == []


@pytest.mark.parametrize(
    "template,expected",
    [
        (42, "wagtail_lfcloud.E001"),
        ("{sku}_{colour}_{angle}.{ext}", "wagtail_lfcloud.E001"),
        ("{sku}_{angle", "wagtail_lfcloud.E001"),
        ("{sku}_{sku}_{angle}.{ext}", "wagtail_lfcloud.E001"),
        ("{sku}_{period}.{ext}", "wagtail_lfcloud.E002"),
    ],
)
def test_master_template(settings, template, expected):
    settings.WAGTAIL_LFCLOUD_MASTER_NAME_TEMPLATE = template
    assert expected in ids(check_naming())


def test_export_template_needs_channel(settings):
    settings.WAGTAIL_LFCLOUD_EXPORT_NAME_TEMPLATE = "{sku}_{angle}.{ext}"
    errors = check_naming()
    assert ids(errors) == ["wagtail_lfcloud.E002"]
    assert "channel" in errors[0].msg


@pytest.mark.parametrize("angles", [[], "front", ["Front"], ["front_left"], [3]])
def test_angles(settings, angles):
    settings.WAGTAIL_LFCLOUD_ANGLES = angles
    assert ids(check_naming()) == ["wagtail_lfcloud.E003"]


def test_currencies(settings):
    settings.WAGTAIL_LFCLOUD_CURRENCIES = ["EUR", "euro"]
    assert ids(check_currencies()) == ["wagtail_lfcloud.E004"]
    settings.WAGTAIL_LFCLOUD_CURRENCIES = ["USD"]
    assert ids(check_currencies()) == ["wagtail_lfcloud.E005"]


def test_installed_apps(monkeypatch):
    from django.apps import apps

    real = apps.is_installed
    monkeypatch.setattr(
        apps, "is_installed", lambda name: name != "wagtail.documents" and real(name)
    )
    errors = check_installed_apps()
    assert ids(errors) == ["wagtail_lfcloud.E006"] and "wagtail.documents" in errors[0].msg


def test_manage_py_check_reports_misconfiguration(settings):
    settings.WAGTAIL_LFCLOUD_ANGLES = []
    with pytest.raises(SystemCheckError, match="wagtail_lfcloud.E003"):
        call_command("check")


@pytest.mark.parametrize("setting", ["RENDITION_THREADS", "RENDITION_MEMORY"])
@pytest.mark.parametrize("value", [0, -2, "four", "0", 1.5, True])
def test_rendition_resources_are_positive_integers(settings, setting, value):
    from wagtail_lfcloud.checks import check_rendition_resources

    setattr(settings, f"WAGTAIL_LFCLOUD_{setting}", value)
    errors = check_rendition_resources()
    assert ids(errors) == ["wagtail_lfcloud.E007"]
    assert f"WAGTAIL_LFCLOUD_{setting}" in errors[0].msg and repr(value) in errors[0].msg
    for fine in (2, "4", None):  # a string of digits: read from the environment
        setattr(settings, f"WAGTAIL_LFCLOUD_{setting}", fine)
        assert check_rendition_resources() == [], fine
