"""System checks for channel presets (``manage.py check``), ids wagtail_lfcloud.E101-E149/W101-W149.

=================================  ==========================================================
``wagtail_lfcloud.E101``           ``WAGTAIL_LFCLOUD_CHANNELS`` is not a dict
``wagtail_lfcloud.E102``           a channel key is not lower_snake_case
``wagtail_lfcloud.E103``           a preset is not a dict, has no spec, or has unknown fields
``wagtail_lfcloud.E104``           a preset's filter spec has an unknown or malformed operation
``wagtail_lfcloud.E105``           a preset's spec does not pin format/quality, or misplaces maxbytes
``wagtail_lfcloud.E106``           a preset's compliance rules are invalid
``wagtail_lfcloud.E107``           a preset's export_name uses unknown placeholders
``wagtail_lfcloud.E108``           encoder settings name unknown options
``wagtail_lfcloud.E109``           a preset's spec is too long for Wagtail's rendition file names
``wagtail_lfcloud.W101``           ``None`` removes a channel that is not built in
``wagtail_lfcloud.W102``           a channel forbids added text but text detection is off
=================================  ==========================================================
"""

from __future__ import annotations

import string
from collections.abc import Mapping

from django.core.checks import Error, Tags, Warning, register
from wagtail.images import get_image_model

from wagtail_lfcloud.conf import lfcloud_settings

from ..conf import docs_url
from . import text
from .encoders import ENCODER_FIELDS
from .presets import BUILTIN_PRESETS
from .registry import (
    EXPORT_PLACEHOLDERS,
    KEY_RE,
    PRESET_FIELDS,
    get_presets,
    rendition_name_length,
    validate_output_pinning,
    validate_spec,
)
from .rules import validate_rules

SETTING = "WAGTAIL_LFCLOUD_CHANNELS"


def _error(code: int, msg: str, hint: str, key: str | None = None) -> Error:
    where = f"{SETTING}[{key!r}]: " if key else ""
    return Error(where + msg, hint=hint, id=f"wagtail_lfcloud.E{code}")


def _preset_errors(key: str, data: Mapping, builtin: bool) -> list[Error]:
    errors: list[Error] = []
    unknown = set(data) - PRESET_FIELDS
    if unknown:
        errors.append(
            _error(
                103,
                f"unknown preset field(s) {sorted(unknown)}",
                f"Preset fields are {sorted(PRESET_FIELDS)}.",
                key,
            )
        )
    if not builtin and not isinstance(data.get("spec"), str):
        errors.append(
            _error(
                103,
                "a new preset needs a 'spec'",
                "Add 'spec': 'max-1000x1000|srgb|stripmeta|format-jpeg|jpegquality-90'.",
                key,
            )
        )
        return errors
    merged = {**BUILTIN_PRESETS.get(key, {}), **data}
    spec_problems = validate_spec(merged.get("spec"))
    for problem in spec_problems:
        errors.append(
            _error(
                104,
                problem,
                "Use Wagtail operations (fill, max, format, ...) or this package's "
                "srgb, trimbg, padsquare, padratio, stripmeta, maxbytes.",
                key,
            )
        )
    if not spec_problems:
        for problem in validate_output_pinning(merged["spec"]):
            errors.append(
                _error(
                    105,
                    problem,
                    "Channel outputs must be reproducible: add e.g. "
                    "'|format-jpeg|jpegquality-90' and put maxbytes last.",
                    key,
                )
            )
        max_length = _rendition_name_max_length()
        if rendition_name_length(merged["spec"]) > max_length:
            errors.append(
                _error(
                    109,
                    f"the spec is {len(merged['spec'])} characters; Wagtail writes it into rendition "
                    f"file names, which must fit {max_length} characters",
                    "Shorten it: drop redundant operations (bgcolor before pad/trim), use defaults "
                    "(trimbg, padsquare-88), or split the channel.",
                    key,
                )
            )
    for problem in validate_rules(merged.get("rules", {})):
        errors.append(_error(106, problem, f"See {docs_url('reference/channels.md#rules')}.", key))
    pattern = merged.get("export_name")
    if pattern is not None:
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(pattern) if f}
            bad = fields - EXPORT_PLACEHOLDERS
        except (ValueError, TypeError, AttributeError):
            bad = {"<malformed pattern>"}
        if bad:
            errors.append(
                _error(
                    107,
                    f"export_name {pattern!r} uses {sorted(bad)}",
                    f"Placeholders: {sorted(EXPORT_PLACEHOLDERS)}.",
                    key,
                )
            )
    encoder = merged.get("encoder") or {}
    if not isinstance(encoder, Mapping) or set(encoder) - ENCODER_FIELDS:
        errors.append(
            _error(
                108,
                f"encoder {encoder!r} is invalid",
                f"Encoder options are {sorted(ENCODER_FIELDS)}.",
                key,
            )
        )
    return errors


def _rendition_name_max_length() -> int:
    return get_image_model().get_rendition_model()._meta.get_field("file").max_length or 100


@register(Tags.compatibility)
def check_channel_presets(app_configs=None, **kwargs) -> list:
    """Validate ``WAGTAIL_LFCLOUD_CHANNELS`` and ``WAGTAIL_LFCLOUD_CHANNEL_ENCODER``."""
    messages: list = []
    encoder = lfcloud_settings.CHANNEL_ENCODER
    if not isinstance(encoder, Mapping) or set(encoder) - ENCODER_FIELDS:
        messages.append(
            Error(
                f"WAGTAIL_LFCLOUD_CHANNEL_ENCODER {encoder!r} is invalid",
                hint=f"Encoder options are {sorted(ENCODER_FIELDS)}.",
                id="wagtail_lfcloud.E108",
            )
        )
    channels = lfcloud_settings.CHANNELS
    if channels is None:
        return messages
    if not isinstance(channels, Mapping):
        messages.append(
            _error(
                101,
                f"{SETTING} must be a dict, not {type(channels).__name__}",
                "Map channel keys to preset dicts (or None to remove a built-in).",
            )
        )
        return messages
    for key, data in channels.items():
        if not isinstance(key, str) or not KEY_RE.match(key):
            messages.append(
                _error(
                    102,
                    f"channel key {key!r} is invalid",
                    "Use lower case letters, digits and underscores, e.g. 'zalando_model'.",
                )
            )
            continue
        builtin = key in BUILTIN_PRESETS
        if data is None:
            if not builtin:
                messages.append(
                    Warning(
                        f"{SETTING}[{key!r}] is None but {key!r} is not a built-in channel",
                        hint="None only removes built-in presets; delete the entry.",
                        id="wagtail_lfcloud.W101",
                    )
                )
            continue
        if not isinstance(data, Mapping):
            messages.append(
                _error(
                    103,
                    "a preset must be a dict or None",
                    "Give {'label': ..., 'spec': ..., 'rules': {...}}.",
                    key,
                )
            )
            continue
        messages += _preset_errors(key, data, builtin)
    # Built-in presets are validated too: a Wagtail upgrade could break one of their specs.
    for key, data in BUILTIN_PRESETS.items():
        if key not in channels:
            messages += _preset_errors(key, data, True)
    return messages


@register(Tags.compatibility)
def check_text_detection(app_configs=None, **kwargs) -> list:
    """W102: channels with a ``no_text`` rule need Tesseract and pytesseract to check it."""
    try:
        channels = [p.key for p in get_presets().values() if "no_text" in p.rules]
    except Exception:  # noqa: BLE001 - a broken setting is reported by E101-E109
        return []
    if not channels:
        return []
    ok, why = text.availability()
    if ok:
        return []
    return [
        Warning(
            f"Text and watermark detection is off: {why}. The 'text' check of "
            f"{', '.join(channels)} reports 'warn' (not checked) on every file.",
            hint="Install Tesseract (Debian/Ubuntu: apt-get install tesseract-ocr) and "
            "pip install 'wagtail-lfcloud[ocr]'.",
            id="wagtail_lfcloud.W102",
        )
    ]
