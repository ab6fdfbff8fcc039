"""System checks. Ids are stable: ``wagtail_lfcloud.E0xx`` (errors) and ``W0xx`` (warnings).

Each is listed with its fix in ``docs/reference/checks.md`` and has a test.
"""

from __future__ import annotations

import re
import string

from django.apps import apps
from django.core.checks import Error, Tags, register

from .channels.registry import get_presets
from .conf import docs_url, lfcloud_settings
from .video.presets import get_video_presets, video_channel_keys

NAME_PARTS = {"sku", "period", "angle", "channel", "ext"}


def _template_errors(setting: str, template, required: set[str]) -> list[Error]:
    name = f"WAGTAIL_LFCLOUD_{setting}"
    if not isinstance(template, str):
        return [
            Error(
                f"{name} must be a string.",
                hint='e.g. "{sku}_{period}_{angle}.{ext}"',
                id="wagtail_lfcloud.E001",
            )
        ]
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]
    except ValueError as exc:
        return [Error(f"{name} is not a valid template: {exc}.", id="wagtail_lfcloud.E001")]
    unknown = set(fields) - NAME_PARTS
    missing = required - set(fields)
    errors = []
    if unknown:
        errors.append(
            Error(
                f"{name} uses unknown placeholders: {', '.join(sorted(unknown))}.",
                hint=f"Use only {{{'}, {'.join(sorted(NAME_PARTS))}}}.",
                id="wagtail_lfcloud.E001",
            )
        )
    if missing:
        errors.append(
            Error(
                f"{name} lacks the placeholders {', '.join(sorted(missing))}.",
                hint="Files could not be matched to their product and angle without them.",
                id="wagtail_lfcloud.E002",
            )
        )
    if not errors and len(fields) != len(set(fields)):
        errors.append(Error(f"{name} repeats a placeholder.", id="wagtail_lfcloud.E001"))
    return errors


@register(Tags.compatibility)
def check_naming(app_configs=None, **kwargs):
    errors = _template_errors(
        "MASTER_NAME_TEMPLATE", lfcloud_settings.MASTER_NAME_TEMPLATE, {"sku", "angle", "ext"}
    )
    errors += _template_errors(
        "EXPORT_NAME_TEMPLATE",
        lfcloud_settings.EXPORT_NAME_TEMPLATE,
        {"sku", "angle", "channel", "ext"},
    )
    angles = lfcloud_settings.ANGLES
    bad = (
        [a for a in angles if not isinstance(a, str) or not re.fullmatch(r"[a-z0-9-]{1,32}", a)]
        if isinstance(angles, (list, tuple))
        else [angles]
    )
    if not isinstance(angles, (list, tuple)) or not angles or bad:
        errors.append(
            Error(
                "WAGTAIL_LFCLOUD_ANGLES must be a non-empty list of lower-case words (a-z, 0-9, hyphen; no underscore).",
                hint=f"Offending values: {bad!r}" if bad else None,
                id="wagtail_lfcloud.E003",
            )
        )
    return errors


@register(Tags.compatibility)
def check_video_deliverables(app_configs=None, **kwargs):
    """``VIDEO_DELIVERABLES`` keys name clips like angles: the same rules, and no key that is also
    a photo angle (an upload named for it would be ambiguous)."""
    videos = lfcloud_settings.VIDEO_DELIVERABLES
    angles = lfcloud_settings.ANGLES if isinstance(lfcloud_settings.ANGLES, (list, tuple)) else []
    if not isinstance(videos, dict):
        bad = [videos]
    else:
        bad = [
            key
            for key, label in videos.items()
            if not isinstance(key, str)
            or not re.fullmatch(r"[a-z0-9-]{1,32}", key)
            or key in angles
            or not isinstance(label, str)
            or not label
        ]
    if bad:
        return [
            Error(
                "WAGTAIL_LFCLOUD_VIDEO_DELIVERABLES must map keys written like angles (a-z, 0-9, "
                "hyphen; no underscore) and not also in WAGTAIL_LFCLOUD_ANGLES to non-empty labels.",
                hint=f"Offending keys: {bad!r}",
                id="wagtail_lfcloud.E060",
            )
        ]
    return []


@register(Tags.compatibility)
def check_video_channels(app_configs=None, **kwargs):
    """``VIDEO_CHANNELS`` builds (known transcode settings and rules) and no video channel key is
    also a photo channel's (assets and order lines list both kinds in one ``channels``)."""
    problems = []
    try:
        get_video_presets()
    except (TypeError, ValueError, AttributeError) as exc:
        problems.append(str(exc))
    keys = video_channel_keys()
    problems += [
        f"{k!r} is not a channel key (a-z, 0-9, _)"
        for k in keys
        if not re.fullmatch(r"[a-z][a-z0-9_]*", str(k))
    ]
    problems += [f"{k!r} is also a photo channel" for k in keys if k in get_presets()]
    if problems:
        return [
            Error(
                "WAGTAIL_LFCLOUD_VIDEO_CHANNELS has presets that cannot be used: "
                + "; ".join(problems),
                hint="The fields of a video preset: "
                + docs_url("reference/channels.md#video-channels"),
                id="wagtail_lfcloud.E061",
            )
        ]
    return []


@register(Tags.compatibility)
def check_currencies(app_configs=None, **kwargs):
    currencies = lfcloud_settings.CURRENCIES
    errors = []
    if not isinstance(currencies, (list, tuple)) or not all(
        isinstance(c, str) and re.fullmatch(r"[A-Z]{3}", c) for c in currencies
    ):
        errors.append(
            Error(
                "WAGTAIL_LFCLOUD_CURRENCIES must be a list of ISO 4217 codes such as 'EUR'.",
                id="wagtail_lfcloud.E004",
            )
        )
    elif lfcloud_settings.DEFAULT_CURRENCY not in currencies:
        errors.append(
            Error(
                f"WAGTAIL_LFCLOUD_DEFAULT_CURRENCY {lfcloud_settings.DEFAULT_CURRENCY!r} is not in WAGTAIL_LFCLOUD_CURRENCIES.",
                id="wagtail_lfcloud.E005",
            )
        )
    return errors


@register(Tags.compatibility)
def check_rendition_resources(app_configs=None, **kwargs):
    errors = []
    for setting in ("RENDITION_THREADS", "RENDITION_MEMORY"):
        value = getattr(lfcloud_settings, setting)
        # A string of digits (read from the environment) is a number too.
        number = int(value) if isinstance(value, str) and value.strip().isdigit() else value
        if number is not None and (
            isinstance(number, bool) or not isinstance(number, int) or number < 1
        ):
            errors.append(
                Error(
                    f"WAGTAIL_LFCLOUD_{setting} must be None or a positive integer, not {value!r}.",
                    id="wagtail_lfcloud.E007",
                )
            )
    return errors


@register(Tags.compatibility)
def check_installed_apps(app_configs=None, **kwargs):
    required = [
        "wagtail.images",
        "wagtail.snippets",
        "wagtail.documents",
        "modelcluster",
        "taggit",
        "ninja",  # the headless API's docs page renders ninja's templates
    ]
    missing = [app for app in required if not apps.is_installed(app)]
    if missing:
        return [
            Error(
                f"wagtail_lfcloud needs {', '.join(missing)} in INSTALLED_APPS.",
                hint=f"See {docs_url('installation.md#2-settings')}.",
                id="wagtail_lfcloud.E006",
            )
        ]
    return []


# Checks owned by other parts of the package register themselves on import.
from .access import checks as _access_checks  # noqa: E402,F401
from .channels import checks as _channel_checks  # noqa: E402,F401
from .delivery import checks as _webhook_checks  # noqa: E402,F401
from .storage import checks as _private_file_checks  # noqa: E402,F401
from .storage import production_checks as _storage_checks  # noqa: E402,F401
