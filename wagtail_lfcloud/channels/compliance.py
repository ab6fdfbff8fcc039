"""Compliance checks: does a file meet a channel's rules?

Public API::

    report = check_file("SKU1_front_amazon.jpg", "amazon_main")   # an output file
    report = check_source(image, "amazon_main")                    # a master vs source rules
    report = check_rendition(rendition, "amazon_main")             # a Wagtail rendition
    report.status            # "pass" | "warn" | "fail"
    report.to_dict()         # JSON-ready, what ChannelRendition.compliance stores

Every check yields a :class:`CheckResult` with a stable ``code`` (listed in
``docs/reference/channels.md``). Files that cannot be read give a single ``readable`` failure
instead of raising, so a batch of checks always completes.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from typing import IO, Any

from PIL import Image

from . import analysis, text
from .citations import citation
from .errors import ImageError
from .imaging import (
    FORMAT_EXTENSIONS,
    apply_orientation,
    icc_description,
    is_srgb_description,
    load_pixels,
    open_image,
    oriented_size,
    read_bytes,
    reduce_lean,
    return_free_memory,
    wagtail_format,
)
from .jpeg_quality import jpeg_quality
from .operations import Placement, to_srgb
from .presets import BUILTIN_PRESETS
from .registry import ChannelPreset, get_preset
from .rules import BACKGROUND_LEVELS, CODE_RULES, thresholds

logger = logging.getLogger(__name__)

PASS, WARN, FAIL = "pass", "warn", "fail"
_RANK = {PASS: 0, WARN: 1, FAIL: 2}

GPS_IFD, EXIF_IFD = 0x8825, 0x8769
SERIAL_TAGS = {0xA431: "BodySerialNumber", 0xA435: "LensSerialNumber", 0xC62F: "CameraSerialNumber"}
MAKER_NOTE = 0x927C


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check. ``measured`` and ``limit`` are JSON-serialisable."""

    code: str
    status: str  #: "pass", "warn" or "fail"
    message: str
    measured: Any = None
    limit: Any = None
    #: URL of the published rule the check enforces (``citations.RULE_CITATIONS``), if any.
    source: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Report:
    """All check results for one file against one channel."""

    channel: str
    name: str = ""
    results: list[CheckResult] = field(default_factory=list)
    #: Checks left to finish (``check_bytes(..., defer_text=True)``): index in ``results`` ->
    #: the result. Until :meth:`finish`, their place holds a warning saying so.
    pending: dict[int, Callable[[], CheckResult]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def finish(self) -> Report:
        """Finish the checks left pending: the text check of an output rendered while the
        master's text was being read waits for it here, not in the rendering thread."""
        for index, result in sorted(self.pending.items()):
            self.results[index] = result()
        self.pending = {}
        return self

    @property
    def status(self) -> str:
        return max((r.status for r in self.results), key=_RANK.__getitem__, default=PASS)

    @property
    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if r.status == FAIL]

    @property
    def warnings(self) -> list[CheckResult]:
        return [r for r in self.results if r.status == WARN]

    def __getitem__(self, code: str) -> CheckResult:
        for result in self.results:
            if result.code == code:
                return result
        raise KeyError(code)

    def __contains__(self, code: str) -> bool:
        return any(r.code == code for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "name": self.name,
            "status": self.status,
            "results": [r.to_dict() for r in self.results],
        }


def _worst(*statuses: str) -> str:
    return max(statuses, key=_RANK.__getitem__)


def _min_check(code, value, rule, label, unit="px") -> CheckResult:
    t = thresholds(rule)
    shown = f"{value:g}{unit}" if isinstance(value, (int, float)) else str(value)
    if "fail" in t and value < t["fail"]:
        return CheckResult(
            code, FAIL, f"{label} is {shown}, below the minimum of {t['fail']:g}{unit}", value, t
        )
    if "warn" in t and value < t["warn"]:
        return CheckResult(
            code, WARN, f"{label} is {shown}, below the recommended {t['warn']:g}{unit}", value, t
        )
    return CheckResult(code, PASS, f"{label} is {shown}", value, t)


def _max_check(code, value, rule, label, unit="px") -> CheckResult:
    t = thresholds(rule)
    shown = f"{value:g}{unit}"
    if "fail" in t and value > t["fail"]:
        return CheckResult(
            code, FAIL, f"{label} is {shown}, above the maximum of {t['fail']:g}{unit}", value, t
        )
    if "warn" in t and value > t["warn"]:
        return CheckResult(
            code, WARN, f"{label} is {shown}, above the recommended {t['warn']:g}{unit}", value, t
        )
    return CheckResult(code, PASS, f"{label} is {shown}", value, t)


# --- file-level facts ------------------------------------------------------------------------


def _bit_depth(data: bytes, image: Image.Image) -> int:
    if image.format == "PNG" and data[12:16] == b"IHDR":
        return data[24]
    if image.mode.startswith("I;16") or image.mode == "I":
        return 16
    return 1 if image.mode == "1" else 8


def _privacy_findings(image: Image.Image) -> list[str]:
    found = []
    try:
        exif = image.getexif()
        if exif.get_ifd(GPS_IFD) or GPS_IFD in exif:
            found.append("GPS location")
        sub = exif.get_ifd(EXIF_IFD)
        for tag, name in SERIAL_TAGS.items():
            if tag in exif or tag in sub:
                found.append(name)
        if MAKER_NOTE in sub:
            found.append("camera maker notes")
    except Exception:  # noqa: BLE001 - malformed EXIF is still EXIF
        if image.info.get("exif"):
            found.append("unparseable EXIF block")
    xmp = image.info.get("xmp") or image.info.get("XML:com.adobe.xmp") or b""
    xmp = xmp.encode() if isinstance(xmp, str) else bytes(xmp)
    if b"GPS" in xmp:
        found.append("XMP GPS location")
    if b"SerialNumber" in xmp:
        found.append("XMP serial number")
    return found


def _file_checks(data: bytes, name: str, image: Image.Image, rules: dict) -> list[CheckResult]:
    results = []
    fmt = wagtail_format(image)
    allowed = rules.get("formats")
    if allowed:
        status = PASS if fmt in allowed else FAIL
        results.append(
            CheckResult(
                "format",
                status,
                f"the file is {fmt.upper()}"
                + (
                    "" if status == PASS else f"; accepted: {', '.join(a.upper() for a in allowed)}"
                ),
                fmt,
                list(allowed),
            )
        )
    ext = os.path.splitext(name)[1].lower().lstrip(".")
    if ext:
        matches = ext in FORMAT_EXTENSIONS.get(fmt, {fmt})
        status = PASS if matches else rules.get("extension_matches", WARN)
        results.append(
            CheckResult(
                "extension",
                status,
                f"the extension .{ext} matches the {fmt.upper()} content"
                if matches
                else f"the extension .{ext} does not match the real format ({fmt.upper()})",
                ext,
                fmt,
            )
        )
    if "max_bytes" in rules:
        results.append(
            _max_check("file_size", len(data), rules["max_bytes"], "the file size", " bytes")
        )

    frames = getattr(image, "n_frames", 1)
    animated = frames > 1 and fmt in ("gif", "png", "webp", "avif")
    results.append(
        CheckResult(
            "animation",
            rules.get("no_animation", WARN) if animated else PASS,
            f"the image is animated ({frames} frames)" if animated else "a single frame",
            frames,
            1,
        )
    )
    if "colour_mode" in rules:
        results.append(_colour_mode_check(data, image, rules["colour_mode"]))
    if "srgb" in rules:
        icc = image.info.get("icc_profile")
        desc = icc_description(icc)
        ok = image.mode != "CMYK" and (not icc or is_srgb_description(desc))
        results.append(
            CheckResult(
                "srgb",
                PASS if ok else rules["srgb"],
                (f"ICC profile '{desc}'" if icc else "no ICC profile (assumed sRGB)")
                + ("" if ok else "; sRGB is required"),
                desc or None,
                "sRGB",
            )
        )
    if "no_alpha" in rules:
        alpha = analysis.has_alpha(image)
        results.append(
            CheckResult(
                "alpha",
                rules["no_alpha"] if alpha else PASS,
                "the image has an alpha channel" if alpha else "no alpha channel",
                alpha,
                False,
            )
        )
    findings = _privacy_findings(image)
    results.append(
        CheckResult(
            "privacy",
            rules.get("privacy", WARN) if findings else PASS,
            ("private metadata found: " + ", ".join(findings)) if findings else "no GPS or serials",
            findings,
            [],
        )
    )
    return results


_COLOUR_WORDS = {
    "cmyk": "CMYK",
    "grey": "greyscale",
    "palette": "a palette (indexed colours)",
    "16bit": "16 bits per channel",
}


def colour_kinds(data: bytes, image: Image.Image) -> list[str]:
    """What sets a file apart from plain 8-bit RGB: ``cmyk``, ``grey``, ``palette``, ``16bit``."""
    kinds = []
    mode = image.mode
    if mode == "CMYK":
        kinds.append("cmyk")
    if mode in ("L", "LA", "1", "I", "I;16", "I;16B", "I;16L", "F"):
        kinds.append("grey")
    if mode in ("P", "PA"):
        kinds.append("palette")
    if _bit_depth(data, image) == 16:
        kinds.append("16bit")
    return kinds


def _colour_mode_check(data: bytes, image: Image.Image, rule) -> CheckResult:
    """``colour_mode``: the statuses a channel gives each colour kind it refuses or converts.

    A plain ``"fail"``/``"warn"`` treats every kind alike (anything but 8-bit RGB(A)).
    """
    kinds = colour_kinds(data, image)
    per_kind = rule if isinstance(rule, dict) else dict.fromkeys(_COLOUR_WORDS, rule)
    statuses = [per_kind[k] for k in kinds if k in per_kind]
    status = _worst(PASS, *statuses)
    depth = _bit_depth(data, image)
    described = ", ".join(_COLOUR_WORDS[k] for k in kinds) or "8-bit RGB"
    if status == PASS:
        message = f"{image.mode}, {depth}-bit: {described}, which the channel accepts"
    else:
        flagged = ", ".join(_COLOUR_WORDS[k] for k in kinds if k in per_kind)
        message = f"{image.mode}, {depth}-bit: {flagged} " + (
            "is refused; convert to 8-bit RGB"
            if status == FAIL
            else "is accepted but not preferred (the channel converts it or shows it with "
            "colour shifts)"
        )
    return CheckResult(
        "colour_mode",
        status,
        message,
        {"mode": image.mode, "bits": depth, "kinds": kinds},
        per_kind,
    )


def _dimension_checks(size: tuple[int, int], rules: dict, prefix: str = "") -> list[CheckResult]:
    w, h = size
    measures = {
        "longest": (max(w, h), "the longest side"),
        "shortest": (min(w, h), "the shortest side"),
        "width": (w, "the width"),
        "height": (h, "the height"),
    }
    results = []
    who = "source " if prefix else ""
    for what, (value, label) in measures.items():
        if (rule := rules.get(f"{prefix}min_{what}")) is not None:
            results.append(_min_check(f"{prefix}min_{what}", value, rule, who + label))
        if not prefix and (rule := rules.get(f"max_{what}")) is not None:
            results.append(_max_check(f"max_{what}", value, rule, label))
    if not prefix and (rule := rules.get("max_megapixels")) is not None:
        results.append(
            _max_check("max_megapixels", round(w * h / 1e6, 2), rule, "the pixel count", " MP")
        )
    if not prefix and (rule := rules.get("aspect_ratio")):
        ratio = w / h
        target, tol = rule["ratio"], rule.get("tolerance", 0.01)
        ok = abs(ratio / target - 1) <= tol
        accepted = rule.get("accepted")
        limit = {"ratio": round(target, 4), "tolerance": tol}
        if accepted:
            limit["accepted"] = list(accepted)
        if ok:
            status, message = PASS, f"the aspect ratio is {ratio:.4f}"
        elif accepted and not accepted[0] * (1 - 1e-3) <= ratio <= accepted[1] * (1 + 1e-3):
            status = FAIL
            message = (
                f"the aspect ratio is {ratio:.4f}, outside the {accepted[0]:.4g}-"
                f"{accepted[1]:.4g} the channel accepts"
            )
        else:
            status = rule.get("status", FAIL)
            message = f"the aspect ratio is {ratio:.4f}, expected {target:.4f} ±{tol:.1%}"
        results.append(CheckResult("aspect_ratio", status, message, round(ratio, 4), limit))
    return results


# --- master checks -------------------------------------------------------------------------

#: What a master should be re-exported at when its JPEG quality is too low: the built-in presets
#: encode at 85-92, so a master at 90+ adds no visible blocks of its own.
REEXPORT_QUALITY = 90


def _jpeg_quality_check(
    image: Image.Image, rule, preset: ChannelPreset, estimate=None
) -> CheckResult:
    """``source_jpeg_quality``: the quality the master was last saved at, from its tables
    (``estimate``: already computed, else read from ``image``'s header)."""
    code, t = "source_jpeg_quality", thresholds(rule)
    fmt = wagtail_format(image)
    if fmt != "jpeg":
        return CheckResult(
            code,
            PASS,
            f"the master is a {fmt.upper()} file, not a JPEG: the JPEG quality check does not "
            "apply",
            None,
            t,
        )
    if estimate is None:
        estimate = jpeg_quality(image)
    if estimate is None:
        return CheckResult(
            code,
            PASS,
            "the master is a JPEG without readable quantisation tables: its quality cannot be "
            "estimated",
            None,
            t,
        )
    q = estimate.quality
    saved = (
        f"the master was saved at JPEG quality {q}"
        if estimate.standard
        else f"the master was saved with non-standard JPEG tables (Photoshop, a camera...), so "
        f"its quality is an estimate: ~{q}"
    )
    redo = (
        f"re-export it from the original (raw or layered file, not this JPEG) at quality "
        f"{REEXPORT_QUALITY} or more"
    )
    who = f"{preset.label} masters"
    if "fail" in t and q < t["fail"]:
        status = FAIL
        message = f"{saved}; {who} need at least {t['fail']:g}: {redo}"
    elif "warn" in t and q < t["warn"]:
        status = WARN
        message = (
            f"{saved}, below the {t['warn']:g} recommended for {who}: compression blocks may "
            f"show when shoppers zoom in; {redo} if you can"
        )
    else:
        status = PASS
        message = saved
    return CheckResult(code, status, message, estimate.to_dict(), t)


# --- pixel checks --------------------------------------------------------------------------


def normalised_rgb(image: Image.Image, oriented: bool = False) -> Image.Image:
    """First frame, EXIF-oriented, converted to sRGB and flattened on white (§3.4 step 1).

    ``oriented``: the pixels are already upright (rendered pixels, not a decoded file)."""
    if getattr(image, "n_frames", 1) > 1:
        image.seek(0)
    if not oriented:
        apply_orientation(image)
    rgb, _notes = to_srgb(image)
    return analysis.flatten_on_white(rgb)


PIXEL_RULES = {
    "background",
    "min_fill",
    "max_fill",
    "edge_touch",
    "no_border",
    "no_grayscale",
    "sharpness",
    "no_text",
}


def _pixel_checks(
    image: Image.Image,
    rules: dict,
    oriented: bool = False,
    placed_words=None,
    pending: dict[int, Callable[[], CheckResult]] | None = None,
) -> list[CheckResult]:
    """``placed_words(crop)``: the words read once on the master, in the pixels of ``image``
    cropped to ``crop`` (or None: read the image itself). ``pending``: with ``placed_words``,
    the text check is left to finish later if the master's words are still being read:
    :data:`TEXT_PENDING` stands at its index in the results, ``pending[index]()`` gives it."""
    if not PIXEL_RULES & set(rules):
        return []
    rgb = normalised_rgb(image, oriented=oriented)
    results = []
    if "background" in rules:
        rule = rules["background"]
        level, status = (
            (rule["level"], rule.get("status", FAIL)) if isinstance(rule, dict) else (rule, FAIL)
        )
        threshold = BACKGROUND_LEVELS[level]
        ring = analysis.ring_stats(rgb, threshold)
        if level == "strict":
            ok = ring.white_share >= 0.995 and ring.mean >= 254.5
            limit = {"threshold": threshold, "share": 0.995, "mean": 254.5}
        else:
            ok = ring.white_share >= 0.98
            limit = {"threshold": threshold, "share": 0.98}
        measured = {
            "share": round(ring.white_share, 4),
            "mean": round(ring.mean, 2),
            "exact": round(ring.exact_share, 4),
            "neutral": round(ring.neutral_share, 4),
            "corners": [round(c, 3) for c in ring.corners_white],
        }
        if ok:
            message = (
                "the background is pure white (255,255,255)"
                if ring.exact_share == 1
                else f"the background is white ({level}: {ring.white_share:.1%} of the border ring)"
            )
        else:
            message = (
                f"the background is not {'pure ' if level == 'strict' else ''}white: "
                f"{ring.white_share:.1%} of the border ring has all channels >= {threshold}, "
                f"mean {ring.mean:.1f}"
            )
        results.append(CheckResult("background", PASS if ok else status, message, measured, limit))

    small, _factor = analysis.reduced(rgb, 800)
    # An added frame is reported by the border check; the product is looked for inside it.
    # Frames are found on a 400 px copy: a line's statistics cost the same at any length.
    lines, _ = analysis.reduced(small, 400)
    runs = analysis.border_runs(lines)
    inset = analysis.border_inset(lines.size, runs)
    crop = None
    if inset is not None:
        f = rgb.width / lines.width
        crop = tuple(round(v * f) for v in inset)
        framed = rgb.crop(crop)
    else:
        framed = rgb
    # The product is what the background (estimated from the frame, so an off-white or light
    # grey backdrop is background, not product) does not reach from the frame.
    seg = analysis.segment(framed)
    mask = seg.product
    bbox = None
    if seg.bbox is not None:
        bbox = analysis.foreground_bbox(framed, seg.tolerance, seg.background)
        if bbox is not None:
            f = small.width / rgb.width
            bbox = tuple(round(v * f) for v in bbox)

    if "min_fill" in rules or "max_fill" in rules:
        if bbox is None:
            results.append(
                CheckResult("fill", FAIL, "no product found on the background", 0.0, None)
            )
        else:
            bw, bh = bbox[2] - bbox[0], bbox[3] - bbox[1]
            fill = max(bw / small.width, bh / small.height)
            area = bw * bh / (small.width * small.height)
            measured = {"fill": round(fill, 4), "area": round(area, 4)}
            result = None
            if "min_fill" in rules:
                t = thresholds(rules["min_fill"])
                if "fail" in t and fill < t["fail"]:
                    result = CheckResult(
                        "fill",
                        FAIL,
                        f"the product fills {fill:.1%} of the frame (longest side), below {t['fail']:.0%}",
                        measured,
                        t,
                    )
                elif "warn" in t and fill < t["warn"]:
                    result = CheckResult(
                        "fill",
                        WARN,
                        f"the product fills {fill:.1%} of the frame, below the recommended {t['warn']:.0%}",
                        measured,
                        t,
                    )
            if result is None and "max_fill" in rules:
                t = thresholds(rules["max_fill"])
                for status in (FAIL, WARN):
                    if status in t and fill > t[status]:
                        result = CheckResult(
                            "fill",
                            status,
                            f"the product fills {fill:.1%} of the frame, above {t[status]:.0%}",
                            measured,
                            t,
                        )
                        break
            results.append(
                result
                or CheckResult(
                    "fill",
                    PASS,
                    f"the product fills {fill:.1%} of the frame (longest side)",
                    measured,
                    {k: rules[k] for k in ("min_fill", "max_fill") if k in rules},
                )
            )

    if "edge_touch" in rules:
        results.append(_edge_check("edge_touch", mask, rules["edge_touch"]))

    if "no_border" in rules:
        sides = list(runs)
        status = rules["no_border"] if len(sides) >= 3 else (WARN if len(sides) == 2 else PASS)
        message = f"an added border/frame on {', '.join(sides)}" if sides else "no added border"
        results.append(CheckResult("border", status, message, sides, []))

    if "no_grayscale" in rules:
        if image.mode in ("L", "LA", "1", "I", "I;16"):
            results.append(
                CheckResult(
                    "grayscale",
                    rules["no_grayscale"],
                    f"a greyscale image ({image.mode}); colour is required",
                    image.mode,
                    "RGB",
                )
            )
        else:
            share = analysis.chroma_share(small)
            ok = share >= 0.001
            results.append(
                CheckResult(
                    "grayscale",
                    PASS if ok else rules["no_grayscale"],
                    "a colour image"
                    if ok
                    else "the image looks black-and-white; colour is required",
                    round(share, 4),
                    0.001,
                )
            )

    if "no_text" in rules:
        if (
            pending is not None
            and placed_words is not None
            and not placed_words.ready()
            and text.available()
        ):
            pending[len(results)] = _text_check_later(
                framed, seg, rules["no_text"], placed_words, crop
            )
            results.append(TEXT_PENDING)
        else:
            words = placed_words(crop) if placed_words is not None else None
            results.append(_text_check(framed, seg, rules["no_text"], words))

    if "sharpness" in rules:
        region = None
        if bbox is not None:
            f = rgb.width / small.width
            region = tuple(round(v * f) for v in bbox)
        value = round(analysis.sharpness(rgb, region), 2)
        t = thresholds(rules["sharpness"])
        status = (
            FAIL
            if "fail" in t and value < t["fail"]
            else WARN
            if "warn" in t and value < t["warn"]
            else PASS
        )
        results.append(
            CheckResult(
                "sharpness",
                status,
                "the product looks sharp"
                if status == PASS
                else f"the product may be blurry (Laplacian variance {value:g})",
                value,
                t,
            )
        )
    return results


def _edge_check(code: str, mask: Image.Image, status: str, who: str = "the product") -> CheckResult:
    """The product (``mask``) reaches the frame: it is cut off, not entirely visible.

    A packshot keeps a margin on every side, so one side reached is enough: Amazon suppresses a
    "cropped product" and Google wants the "entire product" visible.
    """
    touched = analysis.edges_touched(mask)
    sides = [s for s, hit in touched.items() if hit]
    if sides:
        return CheckResult(
            code, status, f"{who} is cut off by the frame ({', '.join(sides)})", sides, []
        )
    return CheckResult(code, PASS, f"{who} is clear of the frame", sides, [])


def _text_off() -> CheckResult | None:
    ok, why = text.availability()
    if ok:
        return None
    return CheckResult(
        "text",
        WARN,
        f"text detection is off ({why}): check by eye for added text and watermarks",
        None,
        None,
    )


def _text_check(
    rgb: Image.Image, seg: analysis.Segmentation, status: str, words=None
) -> CheckResult:
    return _text_off() or _text_verdict(text.find_text(rgb, seg, words), status)


def _text_check_later(
    rgb: Image.Image, seg: analysis.Segmentation, status: str, placed_words, crop
) -> Callable[[], CheckResult]:
    """:func:`_text_check` with the master's words, finished later: what it needs of ``rgb``
    is kept (a reduced copy), the words are asked for when the result is."""
    prepared = text.prepare(rgb, seg)
    return lambda: _text_verdict(text.find_prepared(prepared, placed_words(crop)), status)


#: Where a text check left to finish later stands until then (never a pass).
TEXT_PENDING = CheckResult("text", WARN, "the text check has not finished", None, None)


def _text_verdict(findings: text.TextFindings, status: str) -> CheckResult:
    measured = {
        "added": [w.text for w in findings.added],
        "on_product": [w.text for w in findings.on_product],
    }
    if findings.added:
        shown = " ".join(w.text for w in findings.added[:8])
        return CheckResult(
            "text",
            status,
            f"added text or a watermark around or across the product: {shown!r}",
            measured,
            [],
        )
    if findings.on_product:
        shown = " ".join(w.text for w in findings.on_product[:8])
        return CheckResult(
            "text",
            PASS,
            f"no added text; text on the product itself (a label or print) is allowed: {shown!r}",
            measured,
            [],
        )
    return CheckResult("text", PASS, "no added text or watermark found", measured, [])


def _cite(preset: ChannelPreset, results: list[CheckResult]) -> list[CheckResult]:
    """Attach the URL of the published rule each check enforces."""
    builtin_rules = BUILTIN_PRESETS.get(preset.key, {}).get("rules", {})
    cited = []
    for result in results:
        rule = CODE_RULES.get(result.code, result.code)
        found = citation(preset.key, rule)
        # A project that overrides a built-in's rule enforces its own figure, not the cited one.
        if found and preset.rules.get(rule) == builtin_rules.get(rule):
            result = replace(result, source=found.url)
        cited.append(result)
    return cited


# --- entry points ----------------------------------------------------------------------------


def _readable_failure(channel: str, name: str, error: ImageError) -> Report:
    return Report(channel, name, [CheckResult("readable", FAIL, str(error), None, None)])


def check_bytes(
    data: bytes,
    name: str,
    preset: ChannelPreset | str,
    *,
    pixels: Image.Image | None = None,
    master: Master | None = None,
    placement: Placement | None = None,
    defer_text: bool = False,
) -> Report:
    """Check an output file's bytes against ``preset``'s output rules.

    ``pixels``: the pixels that were encoded into ``data``, when the caller still has them (the
    rendition pipeline does). The file checks then read only the file's header and the pixel
    checks run on those pixels, instead of decoding the file again. They are the pixels before
    the lossy encode: the checks measure what was rendered, not the encoder's rounding (a
    fraction of a level on flat white, where the background checks look).

    ``master`` and ``placement``: the :class:`Master` the pixels were rendered from and where
    its pixels landed in them (:class:`~.operations.Placement`). The text check then uses the
    words read once on the master (:meth:`Master.text_words`), mapped into the output, instead
    of reading every output (see :func:`.text.words_in_output` for what counts).
    ``defer_text``: that text check does not wait for the master's words; it is left pending in
    the report (:data:`TEXT_PENDING` until :meth:`Report.finish`), keeping only a reduced copy
    of the pixels, so a rendering thread goes on with the next output meanwhile.
    """
    preset = get_preset(preset) if isinstance(preset, str) else preset
    rules = dict(preset.rules)
    placed_words = None
    if master is not None and placement is not None and pixels is not None:
        placed_words = _placed_words(master, placement, pixels.size)
    try:
        image = open_image(data, name)
        results = _file_checks(data, name, image, rules)
        if pixels is None:
            load_pixels(image, name)
    except ImageError as e:
        return _readable_failure(preset.key, name, e)
    results += _dimension_checks(oriented_size(image), rules)
    if pixels is not None and pixels.size == oriented_size(image):
        # Already upright: no EXIF orientation to apply, no decode.
        offset = len(results)
        later: dict[int, Callable[[], CheckResult]] = {}
        results += _pixel_checks(
            pixels,
            rules,
            oriented=True,
            placed_words=placed_words,
            pending=later if defer_text else None,
        )
        pending = {
            offset + i: (lambda result=result: _cite(preset, [result()])[0])
            for i, result in later.items()
        }
    else:
        if pixels is not None:
            load_pixels(image, name)
        results += _pixel_checks(image, rules)
        pending = {}
    return Report(preset.key, name, _cite(preset, results), pending)


def _placed_words(master: Master, placement: Placement, size: tuple[int, int]):
    """``crop -> words`` for :func:`_pixel_checks`: the master's words in the output's pixels
    cropped to ``crop`` (None: the output's own reading is needed)."""

    def placed(crop):
        if placement.size != tuple(size):
            return None
        words = master.text_words()
        if words is None:
            return None
        where = placement
        if crop is not None:
            where = replace(
                placement,
                left=placement.left - crop[0],
                top=placement.top - crop[1],
                size=(crop[2] - crop[0], crop[3] - crop[1]),
            )
        return text.words_in_output(words, where)

    #: Whether ``placed`` answers at once (the master's text has been read).
    placed.ready = master.text_ready
    return placed


def check_file(source: str | bytes | IO[bytes], channel_key: str) -> Report:
    """Check a file (path, bytes or binary file object) against a channel's output rules."""
    preset = get_preset(channel_key)
    try:
        data, name = read_bytes(source)
    except OSError as e:
        return Report(
            preset.key, str(source), [CheckResult("readable", FAIL, f"{source}: {e.strerror or e}")]
        )
    return check_bytes(data, os.path.basename(name), preset)


def check_rendition(rendition, channel_key: str) -> Report:
    """Check a Wagtail rendition's file against a channel's output rules."""
    with rendition.open_file() as f:
        data = f.read()
    return check_bytes(data, os.path.basename(rendition.file.name), channel_key)


def _image_bytes(source) -> tuple[bytes, str]:
    if hasattr(source, "open_file") and hasattr(source, "file"):
        with source.open_file() as f:
            return f.read(), os.path.basename(source.file.name)
    data, name = read_bytes(source)
    return data, os.path.basename(name)


class Master:
    """A master read once and measured once, for the source checks of many channels.

    :func:`check_source` accepts one instead of an image or a file: the approval path checks
    one master against up to 19 channels, and the file read, the header parse, the JPEG
    quality estimate and the product segmentation are the same for all of them.
    Thread-safe; every measurement is made on first use.
    """

    def __init__(self, source):
        self.data, self.name = _image_bytes(source)
        self._lock = threading.Lock()
        self._text_lock = threading.Lock()
        self._text_read = False
        self._words: text.RawWords | None = None
        #: A copy of the master to read, made by the pipeline from its decode.
        self._text_copy: tuple[Image.Image, float] | None = None

    @cached_property
    def _opened(self) -> tuple[Image.Image | None, ImageError | None]:
        try:
            return open_image(self.data, self.name), None
        except ImageError as e:
            return None, e

    @cached_property
    def jpeg_estimate(self):
        image, _error = self._opened
        return jpeg_quality(image) if image is not None else None

    @cached_property
    def _survey(self):
        """A normalised reduced copy (about 600-1200 px) of the master, or its ImageError."""
        return _source_copy(self.data, self.name)

    @cached_property
    def _product_mask(self):
        survey = self._survey
        if isinstance(survey, ImageError):
            return survey
        return analysis.segment(survey).product

    def text_words(self) -> text.RawWords | None:
        """The words on the master, read once for every channel (:func:`.text.read_master`),
        boxes in its full-size upright pixels; None when text detection is off or the master
        cannot be read (each output is then read itself). Thread-safe: the first caller reads,
        the others wait for it."""
        with self._text_lock:
            if not self._text_read:
                try:
                    self._words = self._read_text()
                except Exception:  # noqa: BLE001 - each output is read itself, as before
                    logger.exception("Reading the text of %s failed", self.name)
                    self._words = None
                self._text_read = True
            return self._words

    def text_ready(self) -> bool:
        """Whether :meth:`text_words` answers without waiting (the text has been read)."""
        return self._text_read

    def read_text_from(self, copy) -> None:
        """Read the master's text (in a thread) from ``copy(side) -> (image, scale)``: the
        pipeline's reduced copy of its decode (see ``generate_renditions(on_decode=...)``), the
        pixels the outputs are made from, instead of decoding the master again."""
        try:
            side = self._text_side()
            if side is None:
                return
            image, scale = copy(side)
            rgb = normalised_rgb(image, oriented=True)
            del image
        except Exception:  # noqa: BLE001 - never fail the rendering: read it apart, as before
            logger.exception("Could not copy %s for reading its text", self.name)
            return
        self._text_copy = (rgb, scale)
        threading.Thread(target=self.text_words, name="lfcloud-master-text", daemon=True).start()

    def _text_side(self) -> int | None:
        """The longest side to read the master at (None: it cannot be read, or text detection
        is off)."""
        if not text.available():
            return None
        image, error = self._opened
        if error is not None:
            return None
        with self._lock:
            survey, mask = self._survey, self._product_mask
        if isinstance(survey, ImageError):
            return None
        longest = max(oriented_size(image))
        # As finely as the finest output's own reading: a trimmed output shows the product
        # (the region the background does not reach) across its whole frame.
        bbox = mask.getbbox()
        region = longest
        if bbox is not None:
            region = max(bbox[2] - bbox[0], bbox[3] - bbox[1]) * longest / max(mask.size)
        return text.master_read_side(longest, region)

    def _read_text(self) -> text.RawWords | None:
        if self._text_copy is not None:
            rgb, scale = self._text_copy
            self._text_copy = None
            return text.read_master(rgb, scale)
        side = self._text_side()
        if side is None:
            return None
        image, _error = self._opened
        longest = max(oriented_size(image))
        survey = self._survey
        copy = survey
        if max(survey.size) < side:
            copy = _source_copy(self.data, self.name, side)
            if isinstance(copy, ImageError):
                return None
        copy, _factor = analysis.reduced(copy, side)
        return text.read_master(copy, max(copy.size) / longest)

    def product_mask(self):
        """The master's product mask (or the ImageError): measured once, thread-safe."""
        with self._lock:
            return self._product_mask

    def edge_check(self, status: str) -> CheckResult:
        with self._lock:
            mask = self._product_mask
        if isinstance(mask, ImageError):
            return CheckResult("source_edge_touch", WARN, f"the master could not be read: {mask}")
        return _edge_check("source_edge_touch", mask, status, who="the product in the master")


def check_source(source, channel_key: str) -> Report:
    """Check a master (an image model instance, a path, bytes, a file or a :class:`Master`)
    against the channel's *source* rules: minimum size, the JPEG quality it was saved at, and
    whether the output would be smaller than the preset asks for (Wagtail never upscales)."""
    preset = get_preset(channel_key)
    rules = dict(preset.rules)
    master = source if isinstance(source, Master) else Master(source)
    name = master.name
    image, error = master._opened
    if error is not None:
        return _readable_failure(preset.key, name, error)
    size = oriented_size(image)
    frames = getattr(image, "n_frames", 1)
    results = [
        CheckResult(
            "readable",
            PASS,
            f"{wagtail_format(image).upper()} {size[0]}x{size[1]}",
            list(size),
            None,
        ),
        CheckResult(
            "animation",
            WARN if frames > 1 else PASS,
            f"animated ({frames} frames): only the first frame is used"
            if frames > 1
            else "a single frame",
            frames,
            1,
        ),
    ]
    results += _dimension_checks(size, rules, prefix="source_")
    if (rule := rules.get("source_jpeg_quality")) is not None:
        results.append(_jpeg_quality_check(image, rule, preset, master.jpeg_estimate))
    if (rule := rules.get("edge_touch")) is not None:
        results.append(master.edge_check(rule))
    nominal = preset.nominal_size
    if "upscale" in rules and nominal:
        sw, sh = size
        tw, th = nominal
        fill_like = preset.spec.split("|")[0].startswith("fill-")
        small = (sw < tw or sh < th) if fill_like else (sw < tw and sh < th)
        results.append(
            CheckResult(
                "upscale",
                rules["upscale"] if small else PASS,
                f"the source ({sw}x{sh}) is smaller than the {tw}x{th} output; Wagtail will not "
                "upscale it, so the output will be smaller"
                if small
                else f"the source covers the {tw}x{th} output",
                [sw, sh],
                [tw, th],
            )
        )
    return Report(preset.key, name, _cite(preset, results))


def _source_copy(data: bytes, name: str, side: int = 600):
    """A normalised copy of the master (upright, sRGB, flattened on white) from a DCT-scaled
    decode, reduced to about ``side`` px (at least that, less than twice), or the
    :class:`ImageError` when it cannot be read.

    At 600 px it is what ``source_edge_touch`` segments: is the product cut off in the
    *master*? Presets that trim and pad (``trimbg|padsquare``) give every output a margin, so a
    product cut by the master's frame arrives in the output still cut but clear of the frame:
    only the master shows it. Larger, it is what the text check reads once for every channel.
    """
    try:
        image = open_image(data, name)
        if image.format == "JPEG":
            # A DCT-scaled decode covering `side` on the longest side (the edge check's
            # 600 px: both sides, as it always asked).
            if side == 600:
                image.draft("RGB", (600, 600))
            else:
                f = side / max(image.size)
                image.draft("RGB", (math.ceil(image.width * f), math.ceil(image.height * f)))
        load_pixels(image, name)
        # Reduce the decoded master before any conversion, so colour conversion and alpha
        # flattening never copy the full-size pixels (a 16-bit TIFF or an RGBA PNG near the
        # decoded-size limit would otherwise need several full-size copies at once).
        factor = max(1, max(image.size) // side)
        if factor > 1:
            try:
                # Not image.reduce(): for RGBA it premultiplies a full-size copy first.
                small = reduce_lean(image, factor)
            except ValueError:  # modes reduce() does not take
                small = image.resize(
                    (max(1, image.width // factor), max(1, image.height // factor)),
                    Image.Resampling.NEAREST,
                )
            small.format = image.format
            image.close()
            image = small
        rgb = normalised_rgb(image)
        del image
    except ImageError as e:
        return e
    finally:
        return_free_memory()  # the full-size decode, freed above
    return rgb
