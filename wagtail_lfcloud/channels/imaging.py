"""Low-level Pillow helpers shared by the operations, the checks and the pipeline.

Opening an untrusted file goes through :func:`open_image`, which turns Pillow's many failure
modes (unknown format, truncated data, decompression bombs) into :mod:`.errors` classes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import math
import struct
import warnings
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from wagtail_lfcloud.channels.file_safety import DamagedFile, walk
from wagtail_lfcloud.conf import lfcloud_settings

from .errors import CorruptImageError, EmptyImageError, ImageTooLargeError

#: Pillow's ``Image.format`` -> Wagtail's format names (``IMAGE_FORMAT_EXTENSIONS`` keys).
PIL_TO_WAGTAIL_FORMAT = {
    "JPEG": "jpeg",
    "MPO": "jpeg",
    "PNG": "png",
    "GIF": "gif",
    "WEBP": "webp",
    "AVIF": "avif",
    "HEIF": "heic",
    "BMP": "bmp",
    "TIFF": "tiff",
    "ICO": "ico",
}

#: File extensions that name each format (for the "extension lies" check).
FORMAT_EXTENSIONS = {
    "jpeg": {"jpg", "jpeg", "jpe", "jfif"},
    "png": {"png"},
    "gif": {"gif"},
    "webp": {"webp"},
    "avif": {"avif"},
    "heic": {"heic", "heif"},
    "bmp": {"bmp"},
    "tiff": {"tif", "tiff"},
    "ico": {"ico"},
}

ORIENTATION_TAG = 0x0112


def max_image_pixels() -> int | None:
    """The pixel limit Wagtail enforces on uploads (``WAGTAILIMAGES_MAX_IMAGE_PIXELS``)."""
    return getattr(settings, "WAGTAILIMAGES_MAX_IMAGE_PIXELS", 128 * 1000000)


def max_decoded_bytes() -> int | None:
    """The largest decoded size accepted (``WAGTAIL_LFCLOUD_MAX_DECODED_BYTES``), ``None`` for no limit."""
    limit = lfcloud_settings.MAX_DECODED_BYTES
    return int(limit) if limit else None


def _megabytes(n: int) -> str:
    return f"{n / 1_000_000:,.0f} MB" if n >= 10_000_000 else f"{n / 1_000_000:,.1f} MB"


@dataclass(frozen=True)
class DecodedSize:
    """What decoding every frame of an image takes: width x height x bands x bytes per sample,
    summed over frames (pages, animation frames). Read from the header, nothing decoded."""

    width: int
    height: int
    bands: int
    bytes_per_sample: int
    frames: int
    total: int

    def __str__(self) -> str:
        frames = f" x {self.frames} frames" if self.frames > 1 else ""
        sample = "byte" if self.bytes_per_sample == 1 else "bytes"
        return (
            f"{self.width}x{self.height} pixels x {self.bands} bands x {self.bytes_per_sample} {sample}"
            f"{frames} = {_megabytes(self.total)} decoded"
        )


def _bands(image: Image.Image) -> int:
    if image.mode in ("P", "PA", "1"):
        # Rendered as the RGB(A) they stand for.
        return 4 if image.mode == "PA" or "transparency" in image.info else 3
    return len(image.getbands())


def _bytes_per_sample(image: Image.Image, data: bytes) -> int:
    if image.mode.startswith("I;16"):
        return 2
    if image.mode in ("I", "F"):
        return 4
    if image.format == "PNG" and len(data) > 24:
        return max(1, data[24] // 8)  # the IHDR bit depth (16-bit PNGs decode to 8-bit modes)
    if image.format == "TIFF":
        bits = image.tag_v2.get(258, (8,))
        bits = bits if isinstance(bits, tuple) else (bits,)
        return max(1, math.ceil(max(bits or (8,)) / 8))
    return 1


def decoded_size(image: Image.Image, data: bytes = b"") -> DecodedSize:
    """The :class:`DecodedSize` of ``image`` (opened, not loaded; ``data`` its file's bytes).

    Every page of a multi-page TIFF counts with its own size; a GIF counts its largest frame
    (a frame may be larger than the GIF's screen) times its frames.
    """
    width, height = image.size
    bands, depth = _bands(image), _bytes_per_sample(image, data)
    frames = max(1, getattr(image, "n_frames", 1) or 1)
    total = width * height * bands * depth * frames
    if image.format == "GIF" and data:
        try:
            structure = walk(data)
        except (DamagedFile, struct.error):
            structure = None
        if structure and structure.frames:
            width = max([width] + [w for w, _h in structure.frames])
            height = max([height] + [h for _w, h in structure.frames])
            frames = len(structure.frames)
            total = width * height * bands * depth * frames
    elif image.format == "TIFF" and frames > 1:
        current, total = image.tell(), 0
        try:
            for page in range(frames):
                image.seek(page)
                total += image.width * image.height * _bands(image) * _bytes_per_sample(image, data)
        finally:
            image.seek(current)
    return DecodedSize(width, height, bands, depth, frames, total)


def check_decoded_size(image: Image.Image, data: bytes = b"", name: str = "") -> DecodedSize:
    """Raise :class:`~.errors.ImageTooLargeError` if decoding ``image`` would take more than
    ``WAGTAIL_LFCLOUD_MAX_DECODED_BYTES``."""
    size = decoded_size(image, data)
    limit = max_decoded_bytes()
    if limit and size.total > limit:
        raise ImageTooLargeError(
            f"decoding it would take {size}, more than the {_megabytes(limit)} allowed "
            "(WAGTAIL_LFCLOUD_MAX_DECODED_BYTES)",
            name,
        )
    return size


def read_bytes(source: str | bytes | IO[bytes]) -> tuple[bytes, str]:
    """Return ``(data, name)`` for a path, bytes or a binary file object."""
    if isinstance(source, bytes):
        return source, ""
    if isinstance(source, str) or hasattr(source, "__fspath__"):
        with open(source, "rb") as f:
            return f.read(), str(source)
    name = str(getattr(source, "name", "") or "")
    if hasattr(source, "seek"):
        source.seek(0)
    return source.read(), name


def open_image(data: bytes, name: str = "", *, load: bool = False) -> Image.Image:
    """Open ``data`` with Pillow, raising a :class:`~.errors.ImageError` on bad input.

    The pixel count is checked against both Pillow's bomb limit and
    ``WAGTAILIMAGES_MAX_IMAGE_PIXELS``, the decoded size (all frames) against
    ``WAGTAIL_LFCLOUD_MAX_DECODED_BYTES``, *before* any pixel is decoded. With ``load=True`` the
    pixels are decoded too, so truncated files fail here rather than later.
    """
    if not data:
        raise EmptyImageError("the file is empty (0 bytes)", name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise ImageTooLargeError(f"too many pixels to decode safely ({e})", name) from e
    except UnidentifiedImageError as e:
        raise CorruptImageError("not a readable image (format not recognised)", name) from e
    except (OSError, SyntaxError, ValueError) as e:
        raise CorruptImageError(f"the image header is damaged ({e})", name) from e
    limit = max_image_pixels()
    if limit and image.width * image.height > limit:
        raise ImageTooLargeError(
            f"{image.width}x{image.height} is {image.width * image.height:,} pixels, more than "
            f"WAGTAILIMAGES_MAX_IMAGE_PIXELS ({limit:,})",
            name,
        )
    try:
        check_decoded_size(image, data, name)
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as e:
        raise CorruptImageError(f"the image header is damaged ({e})", name) from e
    if load:
        load_pixels(image, name)
    return image


def load_pixels(image: Image.Image, name: str = "") -> None:
    """Decode ``image``'s pixels, turning truncation and decoder errors into ``CorruptImageError``."""
    keep_large_blocks_apart()
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise CorruptImageError(f"the image data is truncated or damaged ({e})", name) from e


def wagtail_format(image: Image.Image) -> str:
    """Wagtail's name for the format Pillow detected from the file's bytes."""
    return PIL_TO_WAGTAIL_FORMAT.get(image.format or "", (image.format or "").lower())


def exif_orientation(image: Image.Image) -> int:
    try:
        exif = _png_exif_unloaded(image)
        if exif is None:
            exif = image.getexif()
        return int(exif.get(ORIENTATION_TAG, 1) or 1)
    except Exception:  # noqa: BLE001 - a broken EXIF block must not stop rendering
        return 1


def _png_exif_unloaded(image: Image.Image) -> Image.Exif | None:
    """The EXIF of a PNG not decoded yet, read from its chunks; None for anything else.

    Pillow's ``getexif()`` on such a PNG decodes every pixel (an ``eXIf`` chunk may follow the
    image data): asking a master's orientation would hold a full decode. The chunks are walked
    instead, their data skipped, as the decoder would find them.
    """
    if image.format != "PNG" or "exif" in image.info or not image.tile:  # tile: not decoded
        return None
    fp = getattr(image, "fp", None)
    if fp is None:
        return None
    position = fp.tell()
    try:
        fp.seek(8)  # the signature
        while True:
            header = fp.read(8)
            if len(header) < 8:
                return Image.Exif()
            length, kind = struct.unpack(">I4s", header)
            if kind == b"eXIf":
                exif = Image.Exif()
                exif.load(fp.read(length))
                return exif
            if kind == b"IEND":
                return Image.Exif()
            fp.seek(length + 4, io.SEEK_CUR)  # data and CRC
    finally:
        fp.seek(position)


def oriented_size(image: Image.Image) -> tuple[int, int]:
    """The size after EXIF orientation is applied (what Wagtail's ``auto_orient`` yields)."""
    if exif_orientation(image) in (5, 6, 7, 8):
        return image.height, image.width
    return image.size


def apply_orientation(image: Image.Image) -> Image.Image:
    """Apply EXIF orientation in place when there is one; never copy otherwise."""
    if exif_orientation(image) != 1:
        ImageOps.exif_transpose(image, in_place=True)
    return image


_SRGB_PROFILE_BYTES: bytes | None = None


def srgb_profile_bytes() -> bytes:
    """A generic sRGB ICC profile to embed in converted outputs."""
    global _SRGB_PROFILE_BYTES
    if _SRGB_PROFILE_BYTES is None:
        _SRGB_PROFILE_BYTES = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return _SRGB_PROFILE_BYTES


def icc_description(icc: bytes | None) -> str:
    """The ICC profile's description, or '' when absent or unreadable."""
    if not icc:
        return ""
    try:
        return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc))).strip()
    except (ImageCms.PyCMSError, OSError, TypeError):
        return "(unreadable profile)"


def is_srgb_description(description: str) -> bool:
    d = description.lower().replace(" ", "")
    return "srgb" in d or "iec61966-2" in d or "iec61966-2.1" in d


#: Rows of an RGBA/LA image :func:`reduce_lean` reduces at a time (rounded to the factor).
_LEAN_STRIP_PIXELS = 1_000_000

#: Pillow resamples these modes premultiplied: ``reduce()`` and ``resize()`` (other than
#: NEAREST) first copy the *whole* image to the premultiplied mode.
PREMULTIPLIED = {"RGBA": "RGBa", "LA": "La"}


def reduce_lean(image: Image.Image, factor: int) -> Image.Image:
    """``image.reduce(factor)``, pixel for pixel, without Pillow's full-size premultiplied
    copy of an RGBA or LA image: reduced in strips of whole blocks of rows, each strip copied
    and premultiplied on its own, so the extra memory is a strip's, not the image's."""
    if factor < 2 or image.mode not in PREMULTIPLIED:
        return image.reduce(factor)
    width, height = image.size
    rows = max(factor, _LEAN_STRIP_PIXELS // max(1, width) // factor * factor)
    if rows >= height:
        return image.reduce(factor)
    out = Image.new(image.mode, (math.ceil(width / factor), math.ceil(height / factor)))
    for top in range(0, height, rows):
        strip = image.crop((0, top, width, min(height, top + rows)))
        out.paste(strip.reduce(factor), (0, top // factor))
        del strip
    out.info = dict(image.info)
    return out


def return_free_memory() -> None:
    """Hand freed heap pages back to the OS (glibc only; a no-op elsewhere).

    A decode freed in one thread's malloc arena stays resident, and other threads (or the
    next task in a worker) cannot reuse it: without this a worker keeps its last large
    decode's worth of memory on top of the next one. Costs about a millisecond.
    """
    if _MALLOC_TRIM is None:
        keep_large_blocks_apart()
    if _MALLOC_TRIM:
        _MALLOC_TRIM(0)


def keep_large_blocks_apart() -> None:
    """Serve every allocation of :data:`MMAP_THRESHOLD` bytes or more (Pillow's pixel blocks,
    encoded files) from its own mapping, given back to the OS the moment it is freed (glibc
    only; a no-op elsewhere; once per process).

    glibc otherwise raises that threshold to the largest block freed so far (up to 32 MB), so
    after the first large image every pixel block is carved from a malloc arena, one per
    thread, where freed blocks stay resident and other threads cannot reuse them: the process
    would keep each worker thread's largest output on top of the next decode.
    """
    global _MALLOC_TRIM
    if _MALLOC_TRIM is not None:
        return

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        _MALLOC_TRIM = libc.malloc_trim
        libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
    except (OSError, AttributeError):
        _MALLOC_TRIM = False


#: See :func:`keep_large_blocks_apart`.
MMAP_THRESHOLD = 1 << 20
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
_MALLOC_TRIM = None
