"""The vocabulary of compliance rules a preset may carry, and its validation.

Rule values take one of these shapes:

``min``/``max`` thresholds
    a number (below/above it fails) or ``{"fail": x, "warn": y}`` (either key optional).
    ``source_jpeg_quality`` thresholds are JPEG qualities, at most 100.
``status`` rules
    ``"fail"`` or ``"warn"``: the status a violation gets.
``formats``
    list of accepted output formats (Wagtail names: jpeg, png, gif, webp, avif, tiff, bmp, heic).
``aspect_ratio``
    ``{"ratio": w/h, "tolerance": 0.01, "status": "fail"}`` (relative tolerance), optionally
    with ``"accepted": [lowest, highest]``: ratios the channel takes at all (outside = fail,
    inside but off the target ratio = ``status``).
``colour_mode``
    ``"fail"``/``"warn"`` for anything but 8-bit RGB(A), or a dict naming the status of each
    kind the channel refuses or converts: ``{"cmyk": "warn", "grey": "warn", "16bit": "fail",
    "palette": "fail"}`` (kinds not named pass).
``background``
    ``"strict"`` / ``"lenient"`` (fails), or ``{"level": ..., "status": "warn"}``.
"""

from __future__ import annotations

from typing import Any

MIN, MAX, STATUS, FORMATS, RATIO, BACKGROUND, COLOUR = (
    "min",
    "max",
    "status",
    "formats",
    "ratio",
    "background",
    "colour",
)

#: rule name -> (shape, applies to "output" or "source", one-line description)
RULES: dict[str, tuple[str, str, str]] = {
    "min_longest": (MIN, "output", "longest side in px"),
    "min_shortest": (MIN, "output", "shortest side in px"),
    "min_width": (MIN, "output", "width in px"),
    "min_height": (MIN, "output", "height in px"),
    "max_longest": (MAX, "output", "longest side in px"),
    "max_width": (MAX, "output", "width in px"),
    "max_height": (MAX, "output", "height in px"),
    "max_megapixels": (MAX, "output", "megapixels"),
    "max_bytes": (MAX, "output", "file size in bytes"),
    "aspect_ratio": (RATIO, "output", "width / height"),
    "formats": (FORMATS, "output", "accepted formats (by magic bytes)"),
    "extension_matches": (STATUS, "output", "file extension names the real format"),
    "colour_mode": (COLOUR, "output", "colour kind: CMYK, greyscale, palette, 16-bit"),
    "srgb": (STATUS, "output", "ICC profile is sRGB (or absent)"),
    "no_alpha": (STATUS, "output", "no alpha channel"),
    "no_animation": (STATUS, "output", "a single frame"),
    "privacy": (STATUS, "output", "no GPS, camera serial numbers or XMP location"),
    "background": (BACKGROUND, "output", "border ring is white"),
    "min_fill": (MIN, "output", "product's longest side / frame (0-1)"),
    "max_fill": (MAX, "output", "product's longest side / frame (0-1)"),
    "edge_touch": (STATUS, "output", "product not cut at the frame (master and output)"),
    "no_border": (STATUS, "output", "no added frame lines"),
    "no_grayscale": (STATUS, "output", "a colour image"),
    "sharpness": (MIN, "output", "variance of the Laplacian (blur warning)"),
    "no_text": (STATUS, "output", "no text or watermark added around or across the product"),
    "source_min_longest": (MIN, "source", "source longest side in px"),
    "source_min_shortest": (MIN, "source", "source shortest side in px"),
    "source_min_width": (MIN, "source", "source width in px"),
    "source_min_height": (MIN, "source", "source height in px"),
    "source_jpeg_quality": (
        MIN,
        "source",
        "JPEG quality (1-100) the master was saved at, estimated from its quantisation tables",
    ),
    "upscale": (STATUS, "source", "source at least as large as the preset's output"),
}

#: Threshold rules whose values have an upper bound: rule name -> largest meaningful value.
UPPER_BOUNDS = {"source_jpeg_quality": 100}

#: check code -> the rule it reports (codes not listed report the rule of the same name).
CODE_RULES = {
    "format": "formats",
    "extension": "extension_matches",
    "file_size": "max_bytes",
    "animation": "no_animation",
    "alpha": "no_alpha",
    "fill": "min_fill",
    "border": "no_border",
    "grayscale": "no_grayscale",
    "text": "no_text",
    "source_edge_touch": "edge_touch",
}

STATUSES = ("fail", "warn")
COLOUR_KINDS = ("cmyk", "grey", "palette", "16bit")
BACKGROUND_LEVELS = {"strict": 253, "lenient": 240}
KNOWN_FORMATS = {"jpeg", "png", "gif", "webp", "avif", "tiff", "bmp", "heic", "ico"}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0


def validate_rules(rules: Any) -> list[str]:
    """Human-readable problems with a preset's ``rules`` (empty when valid)."""
    if not isinstance(rules, dict):
        return ["'rules' must be a dict of rule name -> value"]
    problems = []
    for name, value in rules.items():
        if name not in RULES:
            problems.append(f"unknown rule {name!r} (known: {', '.join(sorted(RULES))})")
            continue
        shape = RULES[name][0]
        if shape in (MIN, MAX):
            if isinstance(value, dict):
                if not value or set(value) - set(STATUSES):
                    problems.append(f"rule {name!r}: use {{'fail': n, 'warn': n}}")
                elif not all(_is_number(v) for v in value.values()):
                    problems.append(f"rule {name!r}: thresholds must be non-negative numbers")
                elif name in UPPER_BOUNDS and max(value.values()) > UPPER_BOUNDS[name]:
                    problems.append(f"rule {name!r}: thresholds go up to {UPPER_BOUNDS[name]}")
            elif not _is_number(value):
                problems.append(f"rule {name!r}: expected a number or {{'fail': n, 'warn': n}}")
            elif name in UPPER_BOUNDS and value > UPPER_BOUNDS[name]:
                problems.append(f"rule {name!r}: thresholds go up to {UPPER_BOUNDS[name]}")
        elif shape == STATUS:
            if value not in STATUSES:
                problems.append(f"rule {name!r}: expected 'fail' or 'warn', got {value!r}")
        elif shape == FORMATS:
            if not isinstance(value, (list, tuple)) or not value or set(value) - KNOWN_FORMATS:
                problems.append(
                    f"rule {name!r}: expected a list of formats from {sorted(KNOWN_FORMATS)}"
                )
        elif shape == RATIO:
            accepted = value.get("accepted", [0, 1]) if isinstance(value, dict) else None
            ok = (
                isinstance(value, dict)
                and _is_number(value.get("ratio"))
                and value.get("ratio", 0) > 0
                and _is_number(value.get("tolerance", 0.01))
                and value.get("status", "fail") in STATUSES
                and not set(value) - {"ratio", "tolerance", "status", "accepted"}
                and isinstance(accepted, (list, tuple))
                and len(accepted) == 2
                and all(_is_number(v) for v in accepted)
                and accepted[0] <= accepted[1]
            )
            if not ok:
                problems.append(
                    f"rule {name!r}: expected {{'ratio': w/h, 'tolerance': 0.01, 'status': 'fail'"
                    "[, 'accepted': [lowest, highest]]}"
                )
        elif shape == COLOUR:
            ok = value in STATUSES or (
                isinstance(value, dict)
                and bool(value)
                and not set(value) - set(COLOUR_KINDS)
                and all(v in STATUSES for v in value.values())
            )
            if not ok:
                problems.append(
                    f"rule {name!r}: expected 'fail', 'warn' or a dict of "
                    f"{list(COLOUR_KINDS)} -> 'fail'/'warn'"
                )
        elif shape == BACKGROUND:
            level, status = (
                (value.get("level"), value.get("status", "fail"))
                if isinstance(value, dict)
                else (value, "fail")
            )
            if level not in BACKGROUND_LEVELS or status not in STATUSES:
                problems.append(
                    f"rule {name!r}: expected 'strict', 'lenient' or "
                    "{'level': 'strict'|'lenient', 'status': 'fail'|'warn'}"
                )
    return problems


def thresholds(value: Any) -> dict[str, float]:
    """``{"fail": x, "warn": y}`` for a threshold rule value."""
    return dict(value) if isinstance(value, dict) else {"fail": value}
