"""Near-duplicate detection: does this file show the same picture as another version?

Exact duplicates are refused at upload by the SHA-1 of the bytes (``AssetVersion.file_hash``). This
module catches the costlier mistake that SHA-1 cannot: the *same picture* in different bytes, e.g.
the "back" shot uploaded as "front", or last season's photo of another SKU exported again at
another size or JPEG quality.

Each version gets a 64-bit **perceptual hash** (``AssetVersion.perceptual_hash``, 16 hex digits),
computed in the background after upload (``tasks.generate_version_previews``) or by
``manage.py lfcloud_hash_versions``. It is a DCT hash ("pHash"):

1. decode the file small: JPEGs with :meth:`PIL.Image.Image.draft` (a 24 MP master is decoded at
   1/8 scale, straight to greyscale, never at full size), turned upright by its EXIF orientation,
   transparent areas put on white (cut-outs hash like the same picture on a white background),
   16-bit greyscale scaled to 8 bits;
2. reduce it to 32x32 grey pixels (area average; colour and aspect ratio are dropped);
3. take the 8x8 lowest frequencies of its 2-D DCT (the picture's coarse layout of light and dark);
4. one bit per coefficient: above the median of the 63 non-constant ones, or not.

Two pictures are compared by the :func:`hamming_distance` of their hashes (the number of bits that
differ, 0-64; always even, since every hash has the same number of ones). Measured on synthetic
product photos (30 of them, shapes on a white or grey sweep, 3000x2000), see
:data:`DEFAULT_MAX_DISTANCE`: re-encoding (JPEG q40-q95, PNG, WebP), resizing (down to 400 px),
brightness (+/-10%), contrast (+20%), gamma, saturation, sharpening and EXIF rotation stayed within
0-6 bits, cropping 1% a side within 6 and 2.5% a side within 10; different products were 14 bits
apart or more (median 30), a mirrored view (left vs right side) 30-34.

What it does not see: colour (colourways of one style shot the same way look alike: median 4
bits), and the same picture on a different canvas (padded by 5% or onto a square: 2-22 bits) or
with the product moved in the frame (12+ bits) is often not a look-alike any more. Products of one
shape photographed the same way can look alike (5% of pairs of near-identical silhouettes were
within 6 bits). A look-alike is a prompt to check, never a refusal.

:func:`similar_versions` finds a version's look-alikes among the versions **of its own brand only**.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PIL import Image as PILImage
from PIL import ImageOps

from ..channels.imaging import reduce_lean, return_free_memory
from ..models import AssetVersion

if TYPE_CHECKING:
    from ..models import AssetVersion

#: Bits in a hash; a hash is ``HASH_BITS // 4`` hex digits.
HASH_BITS = 64

#: Largest Hamming distance (in bits, of 64) at which two files count as the same picture.
#: Chosen by measurement: of 510 re-exports of 30 synthetic product photos, 505 were within 6 bits
#: (the other 5, at 8-10, were crops of 2.5% a side); of 435 pairs of different products, none was
#: closer than 14. 6 leaves that margin and keeps alerts rare between merely similar-shaped products
#: (at 8, 17% of pairs of near-identical silhouettes would be flagged instead of 5%).
#: ``tests/assets/test_similarity.py`` checks both sides.
DEFAULT_MAX_DISTANCE = 6

#: At most this many look-alikes from other assets are returned by :func:`similar_versions`.
DEFAULT_LIMIT = 5

#: The picture is reduced to at most this many pixels a side before the final 32x32 reduction.
_WORK_SIZE = 256
_DCT_SIZE = 32
_LOW = 8  # 8x8 low frequencies = 64 bits
#: cos(pi * (2n + 1) * k / 2N) for the 8 lowest frequencies k of a 32-point DCT-II.
_COS = [
    [math.cos(math.pi * (2 * n + 1) * k / (2 * _DCT_SIZE)) for n in range(_DCT_SIZE)]
    for k in range(_LOW)
]


class PerceptualHashError(ValueError):
    """The file could not be decoded to compute its perceptual hash."""


def _reduced(image: PILImage.Image) -> PILImage.Image:
    """A large decode box-reduced to at least twice ``_WORK_SIZE`` a side, before anything copies
    it at full size (orientation, alpha compositing): the worker's memory stays near one decode."""
    factor = min(image.size) // (2 * _WORK_SIZE)
    if factor < 2 or image.mode not in ("L", "LA", "RGB", "RGBA", "CMYK", "I", "F"):
        return image
    orientation = image.getexif().get(0x0112, 1)
    # Not image.reduce(): for RGBA/LA it premultiplies a full-size copy first.
    reduced = reduce_lean(image, factor)
    if orientation != 1:
        exif = PILImage.Exif()
        exif[0x0112] = orientation
        reduced.info["exif"] = exif.tobytes()
    return reduced


def _grey(file) -> PILImage.Image:
    """The picture, upright, in greyscale, at most ``_WORK_SIZE`` pixels a side."""
    with PILImage.open(file) as image:
        # JPEG only (a no-op for other formats): decode at 1/2..1/8 scale, luma only.
        image.draft("L", (_WORK_SIZE, _WORK_SIZE))
        image.load()
        image = ImageOps.exif_transpose(_reduced(image))
    return_free_memory()  # the full-size decode, freed above
    if image.has_transparency_data:
        image = image.convert("RGBA")
        white = PILImage.new("RGBA", image.size, (255, 255, 255, 255))
        image = PILImage.alpha_composite(white, image)
    elif image.mode.startswith("I;16"):
        # 16-bit greyscale: convert("L") would clip everything above 255 to white. Scaled in
        # place of a 32-bit copy (twice the memory of the decode).
        image = image.point(lambda v: v / 257)
    elif image.mode == "I":
        image = image.point(lambda v: v * (1 / 257))
    grey = image.convert("L")
    grey.thumbnail((_WORK_SIZE, _WORK_SIZE), PILImage.Resampling.BOX)
    return grey


def perceptual_hash(file) -> str:
    """The 64-bit perceptual hash of an image file (a path or a binary file object), as 16 hex digits.

    Raises :class:`PerceptualHashError` if the file cannot be decoded as an image.
    """
    try:
        grey = _grey(file)
    except (OSError, SyntaxError, ValueError, PILImage.DecompressionBombError) as exc:
        raise PerceptualHashError(f"Cannot decode the image: {exc}") from exc
    small = grey.convert("F").resize((_DCT_SIZE, _DCT_SIZE), PILImage.Resampling.BOX)
    pixels = array(
        "f", small.tobytes()
    )  # mode F: native 32-bit floats (no getdata(): gone in Pillow 14)
    rows = [pixels[y * _DCT_SIZE : (y + 1) * _DCT_SIZE] for y in range(_DCT_SIZE)]
    # Separable DCT-II, only the low frequencies: along each row, then down each column.
    along = [[sum(p * c for p, c in zip(row, cos, strict=True)) for cos in _COS] for row in rows]
    coefficients = [
        sum(along[y][k] * cos[y] for y in range(_DCT_SIZE)) for cos in _COS for k in range(_LOW)
    ]
    # The first coefficient is the average brightness; the median is taken over the others.
    median = sorted(coefficients[1:])[(len(coefficients) - 1) // 2]
    bits = 0
    for value in coefficients:
        bits = (bits << 1) | (value > median)
    return f"{bits:0{HASH_BITS // 4}x}"


def image_perceptual_hash(image) -> str:
    """The perceptual hash of a Wagtail image's original file (read from its storage)."""
    with image.open_file() as file:
        return perceptual_hash(file)


def hamming_distance(a: str, b: str) -> int:
    """The number of bits in which two hashes differ: 0 (same picture) to 64."""
    if not a or not b:
        raise ValueError("Both hashes are needed to compare them.")
    return (int(a, 16) ^ int(b, 16)).bit_count()


def hash_version(version: AssetVersion) -> str:
    """Compute and save ``version.perceptual_hash`` from its image; returns the hash.

    Saved with ``update()``: neither ``status_changed_at`` nor any other field is touched. Raises
    :class:`PerceptualHashError` for an undecodable file, or the storage's error if it cannot be read.
    """
    value = image_perceptual_hash(version.image)
    AssetVersion.objects.filter(pk=version.pk).update(perceptual_hash=value)
    version.perceptual_hash = value
    return value


@dataclass(frozen=True)
class LookAlike:
    """A version that shows the same picture as the one compared."""

    version: AssetVersion
    #: Bits of the 64 that differ (0: no visible difference at all).
    distance: int
    #: The version is another version of the same asset ("no visible change since v1").
    same_asset: bool


def similar_versions(
    version: AssetVersion,
    max_distance: int = DEFAULT_MAX_DISTANCE,
    limit: int | None = DEFAULT_LIMIT,
) -> list[LookAlike]:
    """The other versions of ``version``'s brand whose picture looks the same, closest first.

    Only versions of the same brand are ever compared (another brand's files are never reported).
    Versions without a hash (not computed yet) are left out, and so is everything when ``version``
    itself has none. Versions of other assets come first (at most ``limit``; ``None`` for all), then
    every look-alike version of the same asset, each labelled with ``same_asset``.

    Two queries (three if ``version.asset`` is not loaded): the brand's (pk, hash) pairs, compared
    in Python, then the matches with their asset and product. Measured for 20,000 versions of a
    brand: 35-40 ms in all (SQLite and PostgreSQL), of which 5 ms is the comparison.
    """
    if not version.perceptual_hash:
        return []
    target = int(version.perceptual_hash, 16)
    candidates = (
        AssetVersion.objects.filter(asset__brand_id=version.asset.brand_id)
        .exclude(perceptual_hash="")
        .exclude(pk=version.pk)
        .values_list("pk", "asset_id", "perceptual_hash")
    )
    others: list[tuple[int, int]] = []  # (distance, -pk): closest first, then the newest
    own: dict[int, int] = {}  # pk -> distance
    for pk, asset_id, value in candidates:
        distance = (int(value, 16) ^ target).bit_count()
        if distance <= max_distance:
            if asset_id == version.asset_id:
                own[pk] = distance
            else:
                others.append((distance, -pk))
    others.sort()
    if limit is not None:
        others = others[:limit]
    wanted = {-negative_pk: distance for distance, negative_pk in others} | own
    if not wanted:
        return []
    loaded = AssetVersion.objects.select_related("asset__product").in_bulk(list(wanted))
    # (A version deleted between the two queries is simply left out.)
    result = [LookAlike(loaded[-n], distance, False) for distance, n in others if -n in loaded]
    result += sorted(
        (LookAlike(loaded[pk], distance, True) for pk, distance in own.items() if pk in loaded),
        key=lambda m: (m.distance, m.version.number),
    )
    return result
