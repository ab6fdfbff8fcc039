"""The channel preset registry: built-in presets merged with ``WAGTAIL_LFCLOUD_CHANNELS``.

``WAGTAIL_LFCLOUD_CHANNELS`` maps a key to a preset dict (see :mod:`.presets`) or to None:

* a new key adds a preset (``spec`` and ``label`` required);
* a built-in key with a dict *updates* that preset key by key (give ``rules`` in full to
  replace them);
* a built-in key with None removes it.

The setting is read on every call, so ``override_settings`` works in tests.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from wagtail import hooks
from wagtail.images.exceptions import InvalidFilterSpecError
from wagtail.images.models import Filter

from wagtail_lfcloud.conf import lfcloud_settings

from .encoders import ENCODER_FIELDS, EncoderOptions
from .errors import InvalidPresetError, UnknownChannelError
from .operations import get_image_operations
from .presets import BUILTIN_PRESETS
from .rules import validate_rules

KEY_RE = re.compile(r"^[a-z][a-z0-9_]*$")
PRESET_FIELDS = {"label", "spec", "rules", "export_name", "encoder", "sources"}
LOSSY_QUALITY_OPS = {"jpeg": "jpegquality", "webp": "webpquality", "avif": "avifquality"}
EXPORT_PLACEHOLDERS = {"sku", "period", "angle", "channel", "ext", "asin", "gtin", "n"}


@dataclass(frozen=True)
class ChannelPreset:
    """One channel deliverable: how to render it, how to check it, how to name it."""

    key: str  #: registry key, stored on ``ChannelRendition.channel``
    label: str
    spec: str  #: Wagtail filter spec, ``|``-separated
    rules: Mapping[str, Any] = field(default_factory=dict)
    export_name: str | None = None  #: file-name pattern; None = ``EXPORT_NAME_TEMPLATE``
    encoder: EncoderOptions = field(default_factory=EncoderOptions)
    sources: tuple[str, ...] = ()
    builtin: bool = False

    @cached_property
    def filter(self) -> Filter:
        return Filter(spec=self.spec)

    def _op(self, name: str) -> list[str] | None:
        for part in self.spec.split("|"):
            bits = part.split("-")
            if bits[0] == name:
                return bits
        return None

    @property
    def format(self) -> str | None:
        """Output format pinned by the spec (``format-jpeg`` -> ``"jpeg"``)."""
        op = self._op("format")
        return op[1] if op and len(op) > 1 else None

    @property
    def quality(self) -> int | None:
        op = self._op(LOSSY_QUALITY_OPS.get(self.format or "", ""))
        return int(op[1]) if op and len(op) > 1 else None

    @property
    def extension(self) -> str:
        return {"jpeg": "jpg"}.get(self.format or "", self.format or "")

    @property
    def nominal_size(self) -> tuple[int, int] | None:
        """The output box the spec asks for (``max-2000x2000`` -> (2000, 2000)), if any."""
        for part in self.spec.split("|"):
            bits = part.split("-")
            if bits[0] in ("fill", "max", "min") and len(bits) > 1 and "x" in bits[1]:
                w, h = bits[1].split("x")
                return int(w), int(h)
            if bits[0] == "padratio" and len(bits) > 1:
                w, h = (int(v) for v in bits[1].split("x"))
                if min(w, h) >= 100:
                    return w, h
        return None

    def export_filename(self, default_template: str | None = None, **values: Any) -> str:
        """The download file name for this channel.

        ``values`` fill the placeholders (``sku``, ``period``, ``angle``, ``asin``, ``gtin``,
        ``n``...). If the channel's own pattern needs a value that is missing (no ASIN on the
        product), the package's ``EXPORT_NAME_TEMPLATE`` is used instead.
        """
        values = {"channel": self.key, "ext": self.extension, "n": 1, **values}
        template = default_template or lfcloud_settings.EXPORT_NAME_TEMPLATE
        for pattern in (self.export_name, template):
            if not pattern:
                continue
            try:
                return pattern.format(**values)
            except (KeyError, IndexError, ValueError):
                continue
        raise InvalidPresetError(
            f"Channel {self.key!r}: cannot build a file name, missing values for "
            f"{self.export_name or template!r}"
        )


def _raw_presets() -> dict[str, tuple[dict[str, Any], bool]]:
    merged: dict[str, tuple[dict[str, Any], bool]] = {
        key: (dict(data), True) for key, data in BUILTIN_PRESETS.items()
    }
    for key, data in (lfcloud_settings.CHANNELS or {}).items():
        if data is None:
            merged.pop(key, None)
        elif key in merged and isinstance(data, Mapping):
            merged[key] = ({**merged[key][0], **data}, True)
        else:
            merged[key] = (data, False)
    return merged


def _build(key: str, data: Mapping[str, Any], builtin: bool) -> ChannelPreset:
    encoder = {**(lfcloud_settings.CHANNEL_ENCODER or {}), **(data.get("encoder") or {})}
    return ChannelPreset(
        key=key,
        label=str(data.get("label") or key),
        spec=data["spec"],
        rules=dict(data.get("rules") or {}),
        export_name=data.get("export_name"),
        encoder=EncoderOptions.from_dict(encoder),
        sources=tuple(data.get("sources") or ()),
        builtin=builtin,
    )


def get_presets() -> dict[str, ChannelPreset]:
    """Every configured preset, keyed by channel key, built-ins first."""
    presets = {}
    for key, (data, builtin) in _raw_presets().items():
        if isinstance(data, Mapping) and isinstance(data.get("spec"), str):
            presets[key] = _build(key, data, builtin)
    return presets


def get_preset(key: str) -> ChannelPreset:
    """The preset for ``key``; raises :class:`~.errors.UnknownChannelError` if there is none."""
    presets = get_presets()
    try:
        return presets[key]
    except KeyError:
        raise UnknownChannelError(key, list(presets)) from None


# --- validation (used by the system checks) ---------------------------------------------------


def _registered_operations() -> dict[str, type]:
    ops: dict[str, type] = dict(get_image_operations())
    for fn in hooks.get_hooks("register_image_operations"):
        ops.update(dict(fn()))
    return ops


def validate_spec(spec: Any) -> list[str]:
    """Problems with a filter spec's syntax: unknown or malformed operations."""
    if not isinstance(spec, str) or not spec:
        return ["'spec' must be a non-empty filter spec string such as 'max-800x800|format-jpeg'"]
    if not Filter.pipe_spec_pattern.match(spec):
        return [f"spec {spec!r} contains characters Wagtail does not accept"]
    ops = _registered_operations()
    problems = []
    for part in spec.split("|"):
        bits = part.split("-")
        if bits[0] not in ops:
            problems.append(f"unknown operation {bits[0]!r} in {spec!r}")
            continue
        try:
            ops[bits[0]](*bits)
        except (InvalidFilterSpecError, ValueError, TypeError) as e:
            problems.append(f"operation {part!r}: {e}")
    return problems


def validate_output_pinning(spec: str) -> list[str]:
    """Problems with how the spec pins the output: format, quality, byte-budget position."""
    parts = [p.split("-") for p in spec.split("|")]
    names = [bits[0] for bits in parts]
    problems = []
    fmt_parts = [bits for bits in parts if bits[0] == "format" and len(bits) > 1]
    if not fmt_parts:
        problems.append("the spec must pin the output format with a format-* operation")
    else:
        fmt = fmt_parts[-1][1]
        quality_op = LOSSY_QUALITY_OPS.get(fmt)
        if quality_op and "lossless" not in fmt_parts[-1] and quality_op not in names:
            problems.append(f"the spec must pin the quality with {quality_op}-N for format-{fmt}")
    if "maxbytes" in names:
        last_setting = max(
            (i for i, n in enumerate(names) if n == "format" or n.endswith("quality")), default=-1
        )
        if names.index("maxbytes") < last_setting:
            problems.append("maxbytes must come after format-* and the quality operation")
    return problems


def rendition_name_length(spec: str) -> int:
    """Length of the file name Wagtail gives a rendition of ``spec`` once the master's name is
    truncated away: "images/", the focal point key of ``fill`` specs, the spec, the extension.

    Django can shorten a longer name only by cutting into the master's part, which long
    specs have already emptied, so this must fit ``Rendition.file``'s max_length (100).
    """
    focal = 9 if any(p.startswith("fill-") for p in spec.split("|")) else 0
    formats = [p.split("-")[1] for p in spec.split("|") if p.startswith("format-") and "-" in p]
    ext = {"jpeg": ".jpg"}.get(formats[-1], "." + formats[-1]) if formats else ".avif"
    return len("images/") + 1 + focal + len(spec) + len(ext)


def validate_preset(key: Any, data: Any) -> list[str]:
    """Human-readable problems with one preset definition (empty when valid)."""
    if not isinstance(key, str) or not KEY_RE.match(key):
        return [f"channel key {key!r} must be lower case letters, digits and underscores"]
    if not isinstance(data, Mapping):
        return ["a preset must be a dict (or None to remove a built-in)"]
    problems = [f"unknown preset field {f!r}" for f in sorted(set(data) - PRESET_FIELDS)]
    spec_problems = validate_spec(data.get("spec"))
    problems += spec_problems or validate_output_pinning(data["spec"])
    problems += validate_rules(data.get("rules", {}))
    encoder = data.get("encoder") or {}
    if not isinstance(encoder, Mapping) or set(encoder) - ENCODER_FIELDS:
        problems.append(f"'encoder' may only set {sorted(ENCODER_FIELDS)}")
    pattern = data.get("export_name")
    if pattern is not None:
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(pattern) if f}
        except (ValueError, TypeError):
            fields = {"<malformed>"}
        if not isinstance(pattern, str) or fields - EXPORT_PLACEHOLDERS:
            problems.append(
                f"export_name {pattern!r} may only use {{{'}, {'.join(sorted(EXPORT_PLACEHOLDERS))}}}"
            )
    return problems
