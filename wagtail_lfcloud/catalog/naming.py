"""The file naming convention: ``{sku}_{period}_{angle}_{channel}.{ext}``.

``parse_name("SKU12345_2025-10_front.jpg")`` returns the parts of a master's name;
``format_name(...)`` builds a name. Both raise :class:`NamingError`, whose ``part`` says which part
is wrong and whose message says why, in words an uploader can act on. The templates and the angle
vocabulary are settings (``WAGTAIL_LFCLOUD_MASTER_NAME_TEMPLATE``, ``..._EXPORT_NAME_TEMPLATE``,
``..._ANGLES``).
"""

from __future__ import annotations

import datetime as dt
import re
import string
import unicodedata
from dataclasses import dataclass

from ..conf import lfcloud_settings

SKU_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,63}")
PERIOD_RE = re.compile(r"(\d{4})-(\d{2})")
CHANNEL_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
EXT_RE = re.compile(r"[A-Za-z0-9]{1,8}")


class NamingError(ValueError):
    """A file name that does not follow the convention. ``part`` names the offending part."""

    def __init__(self, part: str, message: str):
        self.part = part
        #: How many parts were valid before this one (used to pick the most telling error).
        self.progress = 0
        super().__init__(message)


@dataclass(frozen=True)
class ParsedName:
    sku: str
    angle: str
    ext: str
    period: str = ""
    channel: str = ""

    @property
    def period_date(self) -> dt.date | None:
        """The first day of the period, or None when the name has no period."""
        if not self.period:
            return None
        year, month = self.period.split("-")
        return dt.date(int(year), int(month), 1)


def _fields(template: str) -> list[tuple[str, str | None]]:
    return [(literal, field) for literal, field, _, _ in string.Formatter().parse(template)]


def check_safe(name: str) -> str:
    """Return ``name`` NFC-normalised, or raise NamingError if it is unsafe as a file name."""
    if not isinstance(name, str) or not name.strip():
        raise NamingError("name", "The file name is empty.")
    name = unicodedata.normalize("NFC", name)
    if "/" in name or "\\" in name:
        raise NamingError(
            "name", f"The file name {name!r} contains a path separator; give the bare file name."
        )
    if ".." in name or name.startswith("."):
        raise NamingError("name", f"The file name {name!r} contains '..' or starts with a dot.")
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in name):
        raise NamingError(
            "name", f"The file name {name!r} contains control or invisible characters."
        )
    limit = lfcloud_settings.MAX_FILENAME_LENGTH
    if len(name) > limit:
        raise NamingError(
            "name", f"The file name is {len(name)} characters long; the limit is {limit}."
        )
    if name != name.strip():
        raise NamingError("name", f"The file name {name!r} starts or ends with white space.")
    return name


def validate_sku(sku: str) -> str:
    if not sku:
        raise NamingError("sku", "The SKU part is empty.")
    if not SKU_RE.fullmatch(sku):
        raise NamingError(
            "sku",
            f"The SKU {sku!r} may only contain ASCII letters, digits and hyphens, start with a letter or "
            "digit, and be at most 64 characters.",
        )
    return sku


def validate_period(period: str | dt.date) -> str:
    if isinstance(period, dt.date):
        return f"{period.year:04d}-{period.month:02d}"
    match = PERIOD_RE.fullmatch(period or "")
    if not match:
        raise NamingError(
            "period",
            f"The period {period!r} is not a year and month written YYYY-MM, e.g. 2025-10.",
        )
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12:
        raise NamingError(
            "period", f"The period {period!r} has month {month:02d}; months run from 01 to 12."
        )
    if not 1900 <= year <= 2999:
        raise NamingError("period", f"The period {period!r} has an implausible year {year}.")
    return period


def angle_vocabulary() -> list[str]:
    """Every name a deliverable can have: the photo angles, then the video deliverables' keys."""
    return list(lfcloud_settings.ANGLES) + [
        key for key in lfcloud_settings.VIDEO_DELIVERABLES if key not in lfcloud_settings.ANGLES
    ]


def is_video_deliverable(angle: str) -> bool:
    return angle in lfcloud_settings.VIDEO_DELIVERABLES


def validate_angle(angle: str) -> str:
    angles = angle_vocabulary()
    if angle not in angles:
        hint = ""
        if angle.lower() in angles:
            hint = f" (angles are lower case: {angle.lower()!r})"
        raise NamingError("angle", f"The angle {angle!r} is not one of: {', '.join(angles)}{hint}.")
    return angle


def validate_channel(channel: str) -> str:
    if not CHANNEL_RE.fullmatch(channel or ""):
        raise NamingError(
            "channel",
            f"The channel {channel!r} is not a channel key (lower-case letters, digits, _ and -).",
        )
    return channel


def validate_ext(ext: str, allowed: list[str] | None = None) -> str:
    if not EXT_RE.fullmatch(ext or ""):
        raise NamingError(
            "ext", f"The extension {ext!r} is missing or not made of letters and digits."
        )
    ext = ext.lower()
    if allowed is not None and ext not in allowed:
        raise NamingError(
            "ext",
            f"The extension .{ext} is not accepted; use one of: {', '.join('.' + e for e in allowed)}.",
        )
    return ext


VALIDATORS = {
    "sku": validate_sku,
    "period": validate_period,
    "angle": validate_angle,
    "channel": validate_channel,
    "ext": validate_ext,
}


def _parse_with(template: str, name: str, allowed_ext: list[str] | None) -> ParsedName:
    pattern = ""
    names = []
    for literal, field in _fields(template):
        pattern += re.escape(literal)
        if field is not None:
            # Every part is matched loosely here and validated strictly below, so the error can
            # name the part that is wrong instead of saying "does not match".
            pattern += rf"(?P<{field}>[^.]*?)" if field != "ext" else r"(?P<ext>[^.]*)"
            names.append(field)
    match = re.fullmatch(pattern, name)
    if match is None:
        example = format_example(template)
        raise NamingError(
            "name",
            f"The file name {name!r} does not follow the pattern {template} (e.g. {example}).",
        )
    parts = {}
    for progress, field in enumerate(names, start=1):
        value = match[field]
        try:
            parts[field] = (
                validate_ext(value, allowed_ext) if field == "ext" else VALIDATORS[field](value)
            )
        except NamingError as exc:
            exc.progress = progress
            raise
    return ParsedName(**parts)


def format_example(template: str) -> str:
    return template.format(
        sku="SKU12345", period="2025-10", angle="front", channel="amazon_main", ext="jpg"
    )


def parse_name(
    name: str, *, template: str | None = None, allowed_extensions: list[str] | None = None
) -> ParsedName:
    """Parse a master's file name into its parts.

    With no ``template``, the master template is tried and then the export template (studios
    sometimes deliver files already named for a channel). Raises :class:`NamingError`.
    """
    name = check_safe(name)
    if allowed_extensions is None:
        allowed_extensions = [
            e.lower()
            for e in [*lfcloud_settings.UPLOAD_EXTENSIONS, *lfcloud_settings.VIDEO_EXTENSIONS]
        ]
    if template is not None:
        return _parse_with(template, name, allowed_extensions)
    templates = [lfcloud_settings.MASTER_NAME_TEMPLATE, lfcloud_settings.EXPORT_NAME_TEMPLATE]
    first_error = None
    for candidate in templates:
        try:
            return _parse_with(candidate, name, allowed_extensions)
        except NamingError as exc:
            # Report the template that matched furthest: its error names the part really wrong.
            if first_error is None or exc.progress > first_error.progress:
                first_error = exc
    raise first_error


def format_name(
    sku: str,
    angle: str,
    ext: str,
    *,
    period: str | dt.date = "",
    channel: str = "",
    template: str | None = None,
) -> str:
    """Build a file name from its parts (export template when a channel is given, else master)."""
    if template is None:
        template = (
            lfcloud_settings.EXPORT_NAME_TEMPLATE
            if channel
            else lfcloud_settings.MASTER_NAME_TEMPLATE
        )
    values = {
        "sku": validate_sku(sku),
        "angle": validate_angle(angle),
        "ext": validate_ext(ext),
        "period": validate_period(period) if period else "",
        "channel": validate_channel(channel) if channel else "",
    }
    used = {field for _, field in _fields(template) if field}
    for field in used:
        if not values[field]:
            raise NamingError(field, f"The template {template} needs a {field}.")
    return check_safe(template.format(**values))
