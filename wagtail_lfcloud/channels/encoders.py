"""Encoding rendition pixels to bytes, with per-channel encoder effort and byte budgets.

Wagtail's saver (``Filter.run``) always writes progressive JPEG and uses Pillow's default
WebP method and AVIF speed, and Willow's ``save_as_*`` cannot take other parameters. The
pipeline therefore encodes with Pillow directly, using :class:`EncoderOptions`. Pixels, size
and format are the same as Wagtail's; only the compressed bytes differ.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from PIL import Image

from .analysis import flatten_on_white, has_alpha


@dataclass(frozen=True)
class EncoderOptions:
    """Encoder effort. Defaults come from ``WAGTAIL_LFCLOUD_CHANNEL_ENCODER``."""

    #: Progressive JPEG is 3-5x slower to encode for 8-10 % fewer bytes; marketplaces re-encode.
    jpeg_progressive: bool = False
    #: Huffman table optimisation: cheap and always smaller.
    jpeg_optimize: bool = True
    #: WebP method 0 (fast) .. 6 (small). Pillow's default is 4.
    webp_method: int = 4
    #: AVIF speed 0 (slow, small) .. 10 (fast). Pillow's default is 6; 8 costs a third.
    avif_speed: int = 8
    #: PNG zlib optimisation (Wagtail uses it).
    png_optimize: bool = True

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> EncoderOptions:
        base = cls()
        return replace(base, **(data or {}))


ENCODER_FIELDS = set(EncoderOptions.__dataclass_fields__)


def _metadata_kwargs(image: Image.Image, fmt: str, xmp: bytes | None) -> dict[str, Any]:
    # Mirror Willow: carry the ICC profile and EXIF found in image.info (stripmeta empties it).
    kwargs: dict[str, Any] = {}
    if icc := image.info.get("icc_profile"):
        kwargs["icc_profile"] = icc
    if (exif := image.info.get("exif")) and fmt in ("jpeg", "png", "webp", "avif"):
        kwargs["exif"] = exif
    if xmp and fmt in ("jpeg", "png", "webp", "avif"):
        kwargs["xmp"] = xmp
    return kwargs


def prepare_for_format(image: Image.Image, fmt: str) -> Image.Image:
    """Make ``image`` encodable as ``fmt`` the way Wagtail/Willow would."""
    if fmt == "jpeg":
        if has_alpha(image):
            # Wagtail composites alpha on white before writing JPEG.
            flat = flatten_on_white(image)
            flat.info = dict(image.info)
            return flat
        if image.mode in ("1", "P"):
            return image.convert("RGB")
    if fmt in ("webp", "avif") and image.mode not in ("RGB", "RGBA"):
        return image.convert("RGBA" if has_alpha(image) else "RGB")
    return image


def encode(
    image: Image.Image,
    fmt: str,
    quality: int | None,
    options: EncoderOptions,
    *,
    lossless: bool = False,
    xmp: bytes | None = None,
) -> bytes:
    """Encode ``image`` (already prepared with :func:`prepare_for_format`) as ``fmt``."""
    buf = io.BytesIO()
    kwargs = _metadata_kwargs(image, fmt, xmp)
    if fmt == "jpeg":
        image.save(
            buf,
            "JPEG",
            quality=quality,
            optimize=options.jpeg_optimize,
            progressive=options.jpeg_progressive,
            **kwargs,
        )
    elif fmt == "webp":
        if lossless:
            image.save(buf, "WEBP", lossless=True, method=options.webp_method, **kwargs)
        else:
            image.save(buf, "WEBP", quality=quality, method=options.webp_method, **kwargs)
    elif fmt == "avif":
        extra = {"lossless": True} if lossless else {"quality": quality}
        image.save(buf, "AVIF", speed=options.avif_speed, max_threads=1, **extra, **kwargs)
    elif fmt == "png":
        image.save(buf, "PNG", optimize=options.png_optimize, **kwargs)
    elif fmt == "gif":
        image.save(buf, "GIF")
    elif fmt == "ico":
        image.save(buf, "ICO")
    elif fmt == "heic":
        image.save(buf, "HEIF", quality=quality, **kwargs)
    else:
        raise ValueError(f"Unknown output image format {fmt!r}")
    return buf.getvalue()


#: Formats whose size a lower quality can reduce.
BUDGETABLE_FORMATS = {"jpeg", "webp", "avif", "heic"}


@dataclass(frozen=True)
class BudgetResult:
    data: bytes
    quality: int
    fits: bool  #: False when even ``min_quality`` exceeds the budget (the smallest try is kept)


def fit_budget(
    encode_at: Callable[[int], bytes], quality: int, max_bytes: int, min_quality: int
) -> BudgetResult:
    """Highest quality in ``[min_quality, quality]`` whose encoding fits ``max_bytes``.

    Tries ``quality`` first (most outputs fit), then bisects: about log2(range) encodes.
    """
    data = encode_at(quality)
    if len(data) <= max_bytes:
        return BudgetResult(data, quality, True)
    low, high = min_quality, quality - 1
    best: BudgetResult | None = None
    smallest = BudgetResult(data, quality, False)
    while low <= high:
        mid = (low + high) // 2
        attempt = encode_at(mid)
        if len(attempt) <= max_bytes:
            best = BudgetResult(attempt, mid, True)
            low = mid + 1
        else:
            if len(attempt) < len(smallest.data):
                smallest = BudgetResult(attempt, mid, False)
            high = mid - 1
    return best or smallest


def parse_byte_size(value: str | int) -> int:
    """``"200k"`` -> 200000, ``"5m"`` -> 5000000, ``"1500"`` -> 1500.

    Decimal units, the stricter reading of a channel's "5 MB".
    """
    if isinstance(value, int):
        return value
    text = str(value).strip().lower()
    factor = 1
    if text.endswith("k"):
        factor, text = 1000, text[:-1]
    elif text.endswith("m"):
        factor, text = 1_000_000, text[:-1]
    number = int(text)
    if number <= 0:
        raise ValueError(f"byte budget must be positive, got {value!r}")
    return number * factor
