"""Image operations Wagtail lacks, registered through ``register_image_operations``.

Arguments are short on purpose: Wagtail puts the whole spec into each rendition's file name,
which must fit the 100-character ``Rendition.file`` column (system check E109).

All are ``FilterOperation``s: Wagtail folds every transform into one crop+resize before any
filter runs, so these work on the already-resized image (see channel-specs.md §4.5).

==================  ====================================================================
``srgb``            ICC-aware conversion to 8-bit sRGB (CMYK with or without profile,
                    L/P/1/16-bit/I;16 -> RGB or RGBA). Put it first among the filters.
``trimbg[-T[-HEX]]`` crop to the product: pixels differing from the background (default:
                    top-left pixel) by more than T (default 12); alpha is the mask if present.
``padsquare[-FILL[-HEX[-SIZE]]]``
                    centre the image on a square canvas of colour HEX (default ffffff) with
                    its longest side at FILL % (default 100) of the canvas.
``padratio-WxH[-FILL[-HEX]]``
                    the same for a W:H canvas. Both never upscale the product and never crop
                    it; the canvas is at most as large as the image entering the step (before
                    ``trimbg``), or at most WxH when W and H are real pixel sizes (>= 100).
``stripmeta[-keepai]``
                    drop EXIF (GPS, camera serials), XMP, IPTC, comments; keep the ICC
                    profile and dpi. ``keepai`` re-writes a minimal XMP packet carrying the
                    IPTC DigitalSourceType when the source was AI-generated (pipeline only).
``maxbytes-SIZE[-MINQ]``
                    byte budget (``200k``, ``5m``; decimal units): the output quality is
                    lowered by bisection down to MINQ (default 50) until the file fits.
==================  ====================================================================

``maxbytes`` must follow ``format-*`` and the quality operation. Under Wagtail's own
``get_rendition`` it finds the quality by encoding exactly as Wagtail's saver will and sets
``env["jpeg-quality"]`` (or webp/avif), so stock renditions honour the budget too. Under the
pipeline (``env["lfcloud-pipeline"]``) it only records the budget; the pipeline's encoder
applies it with its own encoder settings.
"""

from __future__ import annotations

import io
import logging
import math
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from PIL import Image, ImageCms
from wagtail.images import image_operations as wagtail_ops
from wagtail.images.image_operations import FilterOperation
from wagtail.images.utils import parse_color_string
from willow.plugins.pillow import PillowImage

from . import analysis
from .encoders import BUDGETABLE_FORMATS, fit_budget, parse_byte_size
from .imaging import icc_description, is_srgb_description, srgb_profile_bytes

logger = logging.getLogger(__name__)

#: env key the pipeline sets so operations know the pipeline's encoder will do the saving.
PIPELINE_FLAG = "lfcloud-pipeline"
#: env key: size of the image as it entered ``trimbg`` (the canvas bound for pad operations).
TRIM_FROM = "lfcloud-trim-from"
#: env key: notes operations leave for the caller (e.g. "cmyk-without-profile").
NOTES = "lfcloud-notes"
#: env key the pipeline sets when it renders a ``trimbg`` spec from reduced pixels, not from the
#: full-size ones Wagtail uses: the margin (levels) within which no pixel may decide the box.
TRIM_MARGIN = "lfcloud-trim-margin"
#: env key the pipeline sets when it renders a ``trimbg`` spec from reduced pixels and can give
#: Wagtail's exact pixels of parts of the output: ``resolve(pixels, tolerance, color)`` returns
#: the box Wagtail's pixels give (:func:`.exact.trim_box`), or False if it cannot tell. With
#: :data:`TRIM_MARGIN` too, it is asked only when the box is not certain on the pixels.
TRIM_RESOLVE = "lfcloud-trim-resolve"
#: env key ``trimbg`` sets when it asked :data:`TRIM_RESOLVE` (the box was not certain).
TRIM_RESOLVED = "lfcloud-trim-resolved"
#: env key the pipeline sets when it resized an output straight to the size a pad operation
#: would scale it down to: the size the pixels stand for (the pad lays them out as that).
PAD_PRESCALED = "lfcloud-pad-prescaled"
#: env key: how the operations moved the pixels they were given, for callers that map positions
#: on the master into the output (the approval path's text check): a list of
#: ``("crop", left, top)`` and ``("place", scale_x, scale_y, left, top)`` steps, in order.
GEOMETRY = "lfcloud-geometry"


@dataclass(frozen=True)
class Placement:
    """Where a position on the (upright, full-size) master lands in an output:
    ``x_out = x * scale_x + left``, ``y_out = y * scale_y + top``, in an output of ``size``."""

    scale_x: float
    scale_y: float
    left: float
    top: float
    size: tuple[int, int]

    @classmethod
    def of(
        cls,
        rect: tuple[float, float, float, float],
        resized: tuple[int, int],
        steps: list[tuple],
        size: tuple[int, int],
    ) -> Placement:
        """The master's ``rect`` resized to ``resized``, then the operations' ``steps``
        (:data:`GEOMETRY`), giving an output of ``size``."""
        left, top, right, bottom = rect
        sx, sy = resized[0] / (right - left), resized[1] / (bottom - top)
        dx, dy = -left * sx, -top * sy
        for step in steps:
            if step[0] == "crop":
                dx, dy = dx - step[1], dy - step[2]
            else:  # "place": scaled, then put at an offset
                _kind, fx, fy, ox, oy = step
                sx, sy, dx, dy = sx * fx, sy * fy, dx * fx + ox, dy * fy + oy
        return cls(sx, sy, dx, dy, tuple(size))

    def box(self, box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
        """A master box in output pixels (not clipped to the output)."""
        left, top, right, bottom = box
        return (
            left * self.scale_x + self.left,
            top * self.scale_y + self.top,
            right * self.scale_x + self.left,
            bottom * self.scale_y + self.top,
        )


def placement_known(operations) -> bool:
    """Every operation moves no pixel, or records how it does (:data:`GEOMETRY`): the output
    of these operations (after Wagtail's transforms) has a known :class:`Placement`."""
    neutral = {
        wagtail_ops.DoNothingOperation,
        wagtail_ops.FormatOperation,
        wagtail_ops.JPEGQualityOperation,
        wagtail_ops.WebPQualityOperation,
        wagtail_ops.AvifQualityOperation,
        wagtail_ops.BackgroundColorOperation,
        SRGBOperation,
        TrimBackgroundOperation,
        PadSquareOperation,
        PadRatioOperation,
        StripMetadataOperation,
        MaxBytesOperation,
    }
    # Wagtail folds its transforms (fill, max, width...) into the crop and resize before any
    # filter runs; the pipeline's plan has them.
    return all(
        type(op) in neutral or isinstance(op, wagtail_ops.TransformOperation) for op in operations
    )


class TrimUncertain(Exception):
    """``trimbg`` on reduced pixels could find a different box than on Wagtail's pixels."""


def _pillow(willow) -> Image.Image:
    return willow.get_pillow_image()


def _wrap(image: Image.Image):
    return PillowImage(image)


def _note(env: dict[str, Any], note: str) -> None:
    env.setdefault(NOTES, []).append(note)


# --- srgb -------------------------------------------------------------------------------------


def to_srgb(image: Image.Image, intent: int = 0) -> tuple[Image.Image, list[str]]:
    """Return an 8-bit RGB/RGBA sRGB version of ``image`` and notes on what was done."""
    notes: list[str] = []
    info = dict(image.info)
    icc = info.get("icc_profile")
    mode = image.mode

    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        # 16-bit / 32-bit greyscale: scale to 8 bits instead of clipping everything to white.
        wide = image.convert("I") if mode.startswith("I;16") else image
        extrema = wide.getextrema()
        peak = extrema[1] if isinstance(extrema[1], (int, float)) else 255
        divisor = 257.0 if peak > 255 else 1.0
        image = wide.point(lambda v: v / divisor).convert("L")
        notes.append(f"converted {mode} to 8-bit")
        mode = "L"
    if mode == "1":
        image, mode = image.convert("L"), "L"
    if mode in ("P", "PA"):
        target = "RGBA" if analysis.has_alpha(image) else "RGB"
        image, mode = image.convert(target), target
    if mode == "LA":
        image, mode = image.convert("RGBA"), "RGBA"

    if mode == "CMYK":
        if icc:
            image = _profile_to_srgb(image, icc, "RGB", intent)
            notes.append(f"converted CMYK ({icc_description(icc)}) to sRGB")
        else:
            # No profile: Pillow's naive conversion; the colours are approximate.
            image = image.convert("RGB")
            notes.append("cmyk-without-profile: converted with a naive formula")
    elif icc and not is_srgb_description(icc_description(icc)):
        out = "RGBA" if analysis.has_alpha(image) else "RGB"
        try:
            image = _profile_to_srgb(image, icc, out, intent)
            notes.append(f"converted {icc_description(icc) or 'ICC'} to sRGB")
        except (ImageCms.PyCMSError, OSError, ValueError):
            image = image.convert(out)
            notes.append("unusable ICC profile ignored")
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if analysis.has_alpha(image) else "RGB")

    info["icc_profile"] = srgb_profile_bytes()
    info.pop("transparency", None)
    image.info = info
    return image, notes


def _profile_to_srgb(image: Image.Image, icc: bytes, mode: str, intent: int) -> Image.Image:
    source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    return ImageCms.profileToProfile(
        image, source, ImageCms.createProfile("sRGB"), renderingIntent=intent, outputMode=mode
    )


class SRGBOperation(FilterOperation):
    """``srgb`` or ``srgb-r`` (relative colorimetric instead of perceptual)."""

    def construct(self, intent: str = "p"):
        intents = {"p": ImageCms.Intent.PERCEPTUAL, "r": ImageCms.Intent.RELATIVE_COLORIMETRIC}
        if intent not in intents:
            raise ValueError("srgb intent must be 'p' (perceptual) or 'r' (relative)")
        self.intent = int(intents[intent])

    def run(self, willow, image, env):
        converted, notes = to_srgb(_pillow(willow), self.intent)
        for note in notes:
            _note(env, note)
        return _wrap(converted)


# --- trimbg -------------------------------------------------------------------------------------


class TrimBackgroundOperation(FilterOperation):
    """``trimbg[-TOLERANCE[-HEX]]``: crop away a uniform background."""

    #: The output's size depends on pixel values. The pipeline renders specs with this
    #: operation from its reduced pixels when the box is certain (``TRIM_MARGIN``), otherwise
    #: from exactly the pixels Wagtail would (full decode, direct Lanczos).
    content_dependent = True

    def construct(self, tolerance: str = "12", color: str | None = None):
        self.tolerance = int(tolerance)
        if not 0 <= self.tolerance <= 254:
            raise ValueError("trimbg tolerance must be between 0 and 254")
        self.color = parse_color_string(color) if color else None

    def run(self, willow, image, env):
        pil = _pillow(willow)
        env[TRIM_FROM] = pil.size
        margin = env.get(TRIM_MARGIN)
        resolve = env.get(TRIM_RESOLVE)
        if margin or not resolve:
            bbox = analysis.foreground_bbox(pil, self.tolerance, self.color)
        if margin and not self._certain(pil, bbox, margin):
            if not resolve:
                raise TrimUncertain(self.tolerance)
            margin = None
        if resolve and not margin:
            # Reduced pixels, and Wagtail's exact pixels where the box is decided.
            env[TRIM_RESOLVED] = True
            bbox = resolve(pil, self.tolerance, self.color)
            if bbox is False:
                raise TrimUncertain(self.tolerance)
        if bbox is None or bbox == (0, 0, *pil.size):
            return willow
        env.setdefault(GEOMETRY, []).append(("crop", bbox[0], bbox[1]))
        return _wrap(pil.crop(bbox))

    def _certain(self, pil: Image.Image, bbox, margin: int) -> bool:
        # The pixels are the pipeline's reduced rendering, a few levels off Wagtail's. The box
        # (and so the padded canvas) is the same as Wagtail's only if no pixel within `margin`
        # levels of the tolerance decides an edge: the boxes at tolerance -/+ margin must agree.
        return all(
            analysis.foreground_bbox(pil, tolerance, self.color) == bbox
            for tolerance in (max(0, self.tolerance - margin), min(254, self.tolerance + margin))
        )


# --- padsquare / padratio ------------------------------------------------------------------------


def _parse_fill(fill: str) -> float:
    value = int(fill)
    if not 1 <= value <= 100:
        raise ValueError("fill must be a percentage between 1 and 100")
    return value / 100


def pad_layout(
    size: tuple[int, int], ratio: float, fill: float, bound: tuple[int, int]
) -> tuple[tuple[int, int], tuple[int, int]]:
    """(canvas size, size of the image on it) for :func:`pad_to_canvas` of an image of
    ``size``: the image keeps its size unless the canvas hits ``bound``."""
    w, h = size
    bound_w, bound_h = bound
    need_h = max(h / fill, w / (fill * ratio))
    canvas_h = math.ceil(need_h - 1e-9)
    canvas_w = max(1, round(canvas_h * ratio))
    if canvas_w > bound_w or canvas_h > bound_h:
        canvas_w, canvas_h = bound_w, bound_h
        scale = min(1.0, canvas_w * fill / w, canvas_h * fill / h)
        if scale < 1.0:
            w, h = max(1, round(w * scale)), max(1, round(h * scale))
    return (canvas_w, canvas_h), (w, h)


def pad_to_canvas(
    image: Image.Image,
    ratio: float,
    color: tuple[int, int, int],
    fill: float,
    bound: tuple[int, int],
    placed: list | None = None,
    stands_for: tuple[int, int] | None = None,
) -> Image.Image:
    """Centre ``image`` on a ``ratio`` (w/h) canvas, its limiting side at ``fill`` of the canvas.

    The canvas is the smallest that holds the image at ``fill`` without scaling it, capped at
    ``bound``; past the cap the image is scaled *down* to fit. Never upscaled, never cropped.
    ``placed``: a list to append ``(scale_x, scale_y, left, top)`` to, where the image went.
    ``stands_for``: the size of the image this one stands for, already scaled down to its
    size on the canvas (the pipeline resizes once, not twice): laid out as that image.
    """
    w0, h0 = stands_for or image.size
    (canvas_w, canvas_h), (w, h) = pad_layout((w0, h0), ratio, fill, bound)
    if image.size != (w, h):
        image = image.resize((w, h), Image.Resampling.LANCZOS)
    mode = "RGBA" if analysis.has_alpha(image) else "RGB"
    fill_colour = (*color, 255) if mode == "RGBA" else color
    canvas = Image.new(mode, (canvas_w, canvas_h), fill_colour)
    info = dict(image.info)
    if image.mode != mode:
        image = image.convert(mode)
    offset = ((canvas_w - w) // 2, (canvas_h - h) // 2)
    if placed is not None:
        placed.append((w / w0, h / h0, *offset))
    if mode == "RGBA":
        canvas.alpha_composite(image, offset)
    else:
        canvas.paste(image, offset)
    info.pop("transparency", None)
    canvas.info = info
    return canvas


def _ratio_bound(entering: tuple[int, int], ratio: float) -> tuple[int, int]:
    longest = max(entering)
    if ratio >= 1:
        return longest, max(1, round(longest / ratio))
    return max(1, round(longest * ratio)), longest


class PadSquareOperation(FilterOperation):
    """``padsquare[-FILL[-HEX[-SIZE]]]``: pad onto a square canvas."""

    ratio = 1.0

    def construct(self, fill: str = "100", color: str = "ffffff", size: str | None = None):
        self.color = parse_color_string(color)
        self.fill = _parse_fill(fill)
        self.size = int(size) if size else None
        if self.size is not None and self.size < 1:
            raise ValueError("padsquare size must be positive")

    def bound(self, size: tuple[int, int], env) -> tuple[int, int]:
        """The canvas bound for an image of ``size`` entering this operation."""
        side = self.size or max(env.get(TRIM_FROM, size))
        return side, side

    def run(self, willow, image, env):
        pil = _pillow(willow)
        stands_for = env.pop(PAD_PRESCALED, None)
        size = stands_for or pil.size
        placed: list = []
        canvas = pad_to_canvas(
            pil, 1.0, self.color, self.fill, self.bound(size, env), placed, stands_for
        )
        env.setdefault(GEOMETRY, []).append(("place", *placed[0]))
        return _wrap(canvas)


_SIZE_RE = re.compile(r"^(\d+)x(\d+)$")


class PadRatioOperation(FilterOperation):
    """``padratio-WxH[-FILL[-HEX]]``: pad onto a W:H canvas."""

    def construct(self, size: str, fill: str = "100", color: str = "ffffff"):
        match = _SIZE_RE.match(size)
        if not match:
            raise ValueError("padratio needs a ratio or size like 2x3 or 1000x1500")
        self.width, self.height = int(match[1]), int(match[2])
        if not self.width or not self.height:
            raise ValueError("padratio width and height must be positive")
        self.ratio = self.width / self.height
        #: Real pixel sizes cap the canvas; small numbers are only a ratio.
        self.is_size = min(self.width, self.height) >= 100
        self.color = parse_color_string(color)
        self.fill = _parse_fill(fill)

    def bound(self, size: tuple[int, int], env) -> tuple[int, int]:
        """The canvas bound for an image of ``size`` entering this operation."""
        if self.is_size:
            return self.width, self.height
        return _ratio_bound(env.get(TRIM_FROM, size), self.ratio)

    def run(self, willow, image, env):
        pil = _pillow(willow)
        stands_for = env.pop(PAD_PRESCALED, None)
        size = stands_for or pil.size
        placed: list = []
        canvas = pad_to_canvas(
            pil, self.ratio, self.color, self.fill, self.bound(size, env), placed, stands_for
        )
        env.setdefault(GEOMETRY, []).append(("place", *placed[0]))
        return _wrap(canvas)


# --- stripmeta ------------------------------------------------------------------------------------

#: ``image.info`` keys that are pixels or colour, not metadata about the shoot.
KEPT_INFO_KEYS = {"icc_profile", "dpi", "transparency", "gamma", "srgb"}
AI_SOURCE_TYPE = b"trainedAlgorithmicMedia"

AI_XMP_PACKET = (
    b'<?xpacket begin="\xef\xbb\xbf" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description rdf:about="" xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/" '
    b'Iptc4xmpExt:DigitalSourceType="http://cv.iptc.org/newscodes/digitalsourcetype/'
    b'trainedAlgorithmicMedia"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


def source_xmp(info: dict[str, Any]) -> bytes:
    value = info.get("xmp") or info.get("XML:com.adobe.xmp") or b""
    return value.encode() if isinstance(value, str) else bytes(value)


def strip_metadata(image: Image.Image) -> Image.Image:
    """Drop every ``info`` entry except colour/pixel keys (ICC, dpi, transparency)."""
    image.info = {k: v for k, v in image.info.items() if k in KEPT_INFO_KEYS}
    # Pillow caches the parsed EXIF separately from info["exif"].
    if hasattr(image, "_exif"):
        image._exif = None
    return image


class StripMetadataOperation(FilterOperation):
    """``stripmeta`` or ``stripmeta-keepai``."""

    def construct(self, *flags: str):
        unknown = set(flags) - {"keepai"}
        if unknown:
            raise ValueError(f"Unknown stripmeta flag(s): {', '.join(sorted(unknown))}")
        self.keep_ai = "keepai" in flags

    def run(self, willow, image, env):
        pil = _pillow(willow)
        if self.keep_ai and AI_SOURCE_TYPE in source_xmp(pil.info):
            env["xmp"] = AI_XMP_PACKET
        return _wrap(strip_metadata(pil))


# --- maxbytes -------------------------------------------------------------------------------------


class MaxBytesOperation(FilterOperation):
    """``maxbytes-SIZE[-MINQUALITY]``: keep the output under a byte budget."""

    def construct(self, size: str, min_quality: str = "50"):
        self.max_bytes = parse_byte_size(size)
        self.min_quality = int(min_quality)
        if not 1 <= self.min_quality <= 100:
            raise ValueError("maxbytes minimum quality must be between 1 and 100")

    def run(self, willow, image, env):
        env["max-bytes"] = self.max_bytes
        env["max-bytes-min-quality"] = self.min_quality
        if not env.get(PIPELINE_FLAG):
            self._fit_for_wagtail_saver(willow, env)

    def _fit_for_wagtail_saver(self, willow, env) -> None:
        fmt = env.get("output-format") or env.get("original-format")
        if fmt not in BUDGETABLE_FORMATS or "lossless" in env.get("output-format-options", ()):
            env["max-bytes-fits"] = None
            return
        # Encode exactly as wagtail.images.models.Filter.run will, so the file it writes
        # at the quality we pick has the size we measured.
        if fmt == "jpeg":
            if willow.has_alpha():
                willow = willow.set_background_color_rgb((255, 255, 255))
            start = env.get("jpeg-quality", getattr(settings, "WAGTAILIMAGES_JPEG_QUALITY", 76))

            def encode_at(q):
                buf = io.BytesIO()
                willow.save_as_jpeg(
                    buf, quality=q, progressive=True, optimize=True, apply_optimizers=False
                )
                return buf.getvalue()
        else:
            default = {"webp": 80, "avif": 61, "heic": 80}[fmt]
            start = env.get(
                f"{fmt}-quality", getattr(settings, f"WAGTAILIMAGES_{fmt.upper()}_QUALITY", default)
            )
            saver = getattr(willow, f"save_as_{fmt}")

            def encode_at(q):
                buf = io.BytesIO()
                saver(buf, quality=q, apply_optimizers=False)
                return buf.getvalue()

        result = fit_budget(
            encode_at, int(start), self.max_bytes, min(self.min_quality, int(start))
        )
        env[f"{fmt}-quality"] = result.quality
        env["max-bytes-fits"] = result.fits
        if not result.fits:
            logger.warning(
                "maxbytes-%s: %s output is %d bytes even at quality %d",
                self.max_bytes,
                fmt,
                len(result.data),
                result.quality,
            )


def get_image_operations() -> list[tuple[str, type[FilterOperation]]]:
    """The ``(name, class)`` pairs for Wagtail's ``register_image_operations`` hook."""
    return [
        ("srgb", SRGBOperation),
        ("trimbg", TrimBackgroundOperation),
        ("padsquare", PadSquareOperation),
        ("padratio", PadRatioOperation),
        ("stripmeta", StripMetadataOperation),
        ("maxbytes", MaxBytesOperation),
    ]
