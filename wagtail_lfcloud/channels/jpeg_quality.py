"""Estimate the quality a JPEG was last saved at, from its quantisation tables.

An encoder built on the IJG library (libjpeg, libjpeg-turbo, Pillow, GIMP, ImageMagick and
most web tools) turns "quality 1-100" into a scale factor and multiplies the example tables of
the JPEG standard (ITU-T T.81 Annex K) by it::

    scale = 5000 / q  if q < 50  else  200 - 2q          (integer arithmetic)
    entry = clamp((base * scale + 50) // 100, 1, 255)     (32767 for 16-bit tables)

So the tables in the file's DQT segments give the quality back. Every quality 1-100 gives a
different pair of tables, so a file with standard tables is matched *exactly*. Other encoders
(Photoshop, cameras, mozjpeg) use tables of their own; for them the quality whose standard
tables are closest (least absolute difference over all 64 entries of every table, as the
least-squares matching of bitsgalore.org, 2024-10-30, but less swayed by one odd table) is an
*estimate* of how hard the file was compressed, on the same 1-100 scale. ImageMagick's
``identify -verbose`` "Quality" answers the same question from two sums of table entries and
agrees within a few points on Photoshop's tables, but gives up below quality ~25.

The tables tell how the file was compressed at its last save only: a quality-50 JPEG re-saved
at 95 has quality-95 tables and quality-50 blocks. Pillow only; no pixel is decoded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image

#: ITU-T T.81 Annex K, table K.1 (luminance), in natural (row-major) order as Pillow gives it.
IJG_LUMINANCE = (
    16, 11, 10, 16, 24, 40, 51, 61,
    12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77,
    24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101,
    72, 92, 95, 98, 112, 100, 103, 99,
)  # fmt: skip

#: ITU-T T.81 Annex K, table K.2 (chrominance), natural order.
IJG_CHROMINANCE = (
    17, 18, 24, 47, 99, 99, 99, 99,
    18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99,
)  # fmt: skip

JPEG_FORMATS = {"JPEG", "MPO"}


@dataclass(frozen=True)
class QualityEstimate:
    """``quality`` on the IJG 1-100 scale; ``standard`` when the tables are exactly the IJG
    tables at that quality (the number is then what the encoder was given), otherwise the
    closest match (an estimate). ``deviation`` is the mean relative difference between the
    file's tables and the standard tables at ``quality`` (0.0 when ``standard``)."""

    quality: int
    standard: bool
    deviation: float

    def to_dict(self) -> dict:
        return {
            "quality": self.quality,
            "tables": "standard" if self.standard else "custom",
            "deviation": round(self.deviation, 3),
        }


def ijg_scale(quality: int) -> int:
    """libjpeg's ``jpeg_quality_scaling``: quality 1-100 -> percentage of the base tables."""
    quality = min(max(int(quality), 1), 100)
    return 5000 // quality if quality < 50 else 200 - 2 * quality


@lru_cache(maxsize=512)
def ijg_table(base: tuple[int, ...], quality: int, limit: int = 255) -> tuple[int, ...]:
    """``base`` scaled as libjpeg's ``jpeg_add_quant_table`` does (``limit`` 255 = baseline)."""
    scale = ijg_scale(quality)
    return tuple(min(max((v * scale + 50) // 100, 1), limit) for v in base)


def _roles(
    tables: Mapping[int, Sequence[int]], layer: Sequence[Sequence[int]] | None
) -> list[tuple[Sequence[int], tuple[int, ...]]]:
    """Pairs of (file table, standard base table) for the tables the image uses.

    The table of the first component (Y, or the only one for greyscale) is compared with the
    luminance table, tables used only by the other components with the chrominance table.
    Without component information (``layer``), table 0 is luminance and the others chrominance.
    """
    if layer:
        used = [component[3] for component in layer if len(component) >= 4]
        luma = used[0] if used else 0
        chroma = [t for t in dict.fromkeys(used[1:]) if t != luma]
    else:
        ids = sorted(tables)
        luma, chroma = (ids[0] if ids else 0), ids[1:]
    pairs = []
    if luma in tables:
        pairs.append((tables[luma], IJG_LUMINANCE))
    pairs += [(tables[t], IJG_CHROMINANCE) for t in chroma if t in tables]
    return [(list(table), base) for table, base in pairs if len(table) == 64]


def estimate_quality(
    tables: Mapping[int, Sequence[int]], layer: Sequence[Sequence[int]] | None = None
) -> QualityEstimate | None:
    """The IJG quality closest to ``tables`` (Pillow's ``image.quantization``: table id -> 64
    entries in natural order), or None when there is no usable table.

    ``layer`` is Pillow's ``image.layer`` (component id, h, v, table id), which says which table
    the luminance uses; without it table 0 is taken as the luminance table.
    """
    pairs = _roles(tables, layer)
    if not pairs:
        return None
    limit = 255 if max(max(table) for table, _ in pairs) <= 255 else 32767

    def distance(quality: int) -> int:
        return sum(
            abs(a - b)
            for table, base in pairs
            for a, b in zip(table, ijg_table(base, quality, limit), strict=True)
        )

    best = min(range(1, 101), key=lambda q: (distance(q), -q))
    expected = [(table, ijg_table(base, best, limit)) for table, base in pairs]
    differences = [
        abs(a - b) / b for table, ref in expected for a, b in zip(table, ref, strict=True)
    ]
    deviation = sum(differences) / len(differences)
    return QualityEstimate(best, deviation == 0, deviation)


def jpeg_quality(image: Image.Image) -> QualityEstimate | None:
    """The estimate for an opened Pillow image, or None when it is not a JPEG (or has no
    quantisation tables). Only the header is read: call it before or after ``load()``."""
    if image.format not in JPEG_FORMATS:
        return None
    tables = getattr(image, "quantization", None)
    if not tables:
        return None
    return estimate_quality(tables, getattr(image, "layer", None))
