"""Added text and watermarks: Tesseract OCR on a reduced copy, told apart from the product's own.

Amazon (MAIN), eBay, Google Merchant Center and Meta refuse or discourage text, promotional
overlays and watermarks *added* to a product photo; the printing on the product itself (a
label, a logo on a bottle, a printed T-shirt) is part of the product. OCR alone cannot tell them
apart, so every word Tesseract reads is placed against the product segmentation
(:func:`.analysis.segment`):

* a word written **on the background** was added: between its letters is background colour
  (within the segmentation's tolerance) *and* around it is background that reaches the frame.
  That is a caption, price or "SALE" on the white, a watermark tiled over the picture, a
  caption running from the background across the product;
* any other word is on the product: printed fabric and embossed logos have the product's
  colours between their letters; a white label has white between its letters, but the label is
  enclosed by the product, so its surroundings do not reach the frame. These are reported, not
  failed.

So added text lying *entirely inside* the product's silhouette (a price sticker drawn in the
middle of a box) is not told from a label; such images need a human. Rotated text (more than a
few degrees) is not read. Both limits are documented in docs/reference/channels.md.

Text detection is optional: it needs the ``tesseract`` binary (Debian/Ubuntu:
``apt-get install tesseract-ocr``) and the ``pytesseract`` module (``pip install
wagtail-lfcloud[ocr]``). Without them the ``text`` check reports that it did not run
(``warn``) and system check ``wagtail_lfcloud.W102`` says so.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache

from PIL import Image, ImageChops

from .analysis import Segmentation, channel_max, reduced

#: Longest side of the copy Tesseract reads. Text of 24 px in a 1600 px master is still 12 px
#: here, the smallest Tesseract's LSTM model reads reliably; reading 800 px instead of 1600 px
#: costs about a third.
OCR_SIDE = 800
#: Tesseract's word confidence (0-100) below which a word is noise (textures read as letters).
MIN_CONFIDENCE = 60
#: A word counts only with at least this many letters or digits ("©" or a lone "I" is noise).
MIN_CHARACTERS = 2
#: Share of a word's box that must be background colour for the word to be "added".
ADDED_BOX_SHARE = 0.3
#: Share of a word's surroundings that must be frame-connected background.
ADDED_BACKGROUND_SHARE = 0.25
#: Tesseract page segmentation mode 11: sparse text, any order (captions, watermarks).
TESSERACT_CONFIG = "--psm 11"

# Reading the master once for every channel (the approval path, :func:`words_in_output`).
#: Longest side of the master copy read once for all channels, at most. The copy is as fine as
#: the finest channel's own reading (a trimmed output shows the product larger than the
#: master's frame does), up to this.
MASTER_READ_MAX_SIDE = 1600
#: A word read on the master counts in an output only if it is at least this tall in the
#: output's own reading (the output reduced to ``OCR_SIDE``): Tesseract reads nothing
#: reliably below that, so reading the output itself would not have found it.
MIN_WORD_HEIGHT = 8
#: A word counts in an output only if this share of its box is inside the output: a word the
#: output's crop cuts away (a caption outside a ``fill`` crop, a corner ``trimbg`` removes)
#: is not in that output.
MIN_VISIBLE_SHARE = 0.5


@dataclass(frozen=True)
class Word:
    text: str
    confidence: float
    box: tuple[int, int, int, int]  #: left, top, right, bottom in the original image's pixels
    box_share: float  #: share of the word's box in background colour (between the letters)
    background_share: float  #: share of the word's surroundings that reaches the frame

    @property
    def added(self) -> bool:
        return self.box_share >= ADDED_BOX_SHARE and self.background_share >= ADDED_BACKGROUND_SHARE


@dataclass(frozen=True)
class TextFindings:
    words: tuple[Word, ...] = field(default_factory=tuple)

    @property
    def added(self) -> list[Word]:
        return [w for w in self.words if w.added]

    @property
    def on_product(self) -> list[Word]:
        return [w for w in self.words if not w.added]


@lru_cache(maxsize=1)
def _engine_state() -> tuple[bool, str]:
    try:
        # optional: the [ocr] extra
        import pytesseract
    except ImportError:
        return False, "the pytesseract module is not installed (pip install wagtail-lfcloud[ocr])"
    cmd = pytesseract.pytesseract.tesseract_cmd
    if not (os.path.isabs(cmd) and os.access(cmd, os.X_OK)) and not shutil.which(cmd):
        return False, f"the {cmd!r} binary is not installed (apt-get install tesseract-ocr)"
    try:
        version = pytesseract.get_tesseract_version()
    except Exception as e:  # noqa: BLE001 - a broken install is "off", with the reason
        return False, f"tesseract does not run: {e}"
    return True, f"Tesseract {version}"


def availability() -> tuple[bool, str]:
    """``(True, "Tesseract 5.3.0")`` or ``(False, why text detection is off)``."""
    return _engine_state()


def available() -> bool:
    return _engine_state()[0]


def _surroundings_share(seg: Segmentation, box: tuple[int, int, int, int]) -> float:
    """Share of background in a ring around ``box`` (original pixels), half its height wide."""
    s = seg.scale
    left, top, right, bottom = (v * s for v in box)
    pad = max(2.0, (bottom - top) * 0.5)
    w, h = seg.reached.size
    outer = (
        max(0, int(left - pad)),
        max(0, int(top - pad)),
        min(w, int(right + pad) + 1),
        min(h, int(bottom + pad) + 1),
    )
    inner = (
        int(left) - outer[0],
        int(top) - outer[1],
        int(right) + 1 - outer[0],
        int(bottom) + 1 - outer[1],
    )
    ring = Image.new("L", (outer[2] - outer[0], outer[3] - outer[1]), 255)
    ring.paste(0, inner)
    hist = seg.reached.crop(outer).histogram(mask=ring)
    total = sum(hist)
    return hist[255] / total if total else 0.0


_CACHE: OrderedDict[str, tuple] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 64


def _read_words(
    small: Image.Image, factor: float
) -> tuple[tuple[str, float, tuple[int, int, int, int]], ...]:
    """Words Tesseract reads on ``small`` (a reduced copy), boxes in original pixels (cached
    by pixel content: one image checked for several channels is read once)."""
    # optional: the [ocr] extra (only reached once _engine_state found it)
    import pytesseract

    gray = small.convert("L")
    key = hashlib.blake2b(gray.tobytes(), digest_size=16).hexdigest() + f"{gray.size}"
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    # Tesseract's OpenMP threads fight the pipeline's encoder threads on small machines and
    # gain nothing on an 800 px page: one thread each.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    data = pytesseract.image_to_data(
        gray, config=TESSERACT_CONFIG, output_type=pytesseract.Output.DICT
    )
    words = []
    for i, raw in enumerate(data["text"]):
        text = (raw or "").strip()
        conf = float(data["conf"][i])
        if sum(c.isalnum() for c in text) < MIN_CHARACTERS or conf < MIN_CONFIDENCE:
            continue
        x, y, w, h = (data[k][i] / factor for k in ("left", "top", "width", "height"))
        words.append((text, conf, (round(x), round(y), round(x + w), round(y + h))))
    result = tuple(words)
    with _CACHE_LOCK:
        _CACHE[key] = result
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result


RawWords = tuple[tuple[str, float, tuple[int, int, int, int]], ...]


def read_master(copy: Image.Image, scale: float) -> RawWords:
    """Words Tesseract reads on ``copy`` (a normalised, reduced copy of the upright master,
    ``scale`` times its size), boxes in the master's full-size pixels.

    Read once per master version; :func:`words_in_output` maps them into each output.
    Raises ``RuntimeError`` when text detection is off (see :func:`availability`).
    """
    ok, why = availability()
    if not ok:
        raise RuntimeError(why)
    return _read_words(copy, scale)


def master_read_side(longest: int, region_longest: float) -> int:
    """Longest side to read a master of ``longest`` px at, so that a region of it
    ``region_longest`` px long (its product: what a trimmed output shows) is read at least
    as finely as an output showing just that region would be read (``OCR_SIDE``)."""
    wanted = OCR_SIDE * longest / max(1.0, region_longest)
    return int(min(longest, max(OCR_SIDE, min(MASTER_READ_MAX_SIDE, math.ceil(wanted)))))


def words_in_output(words: RawWords, placement) -> RawWords:
    """The master's ``words`` (:func:`read_master`) in an output, boxes in its pixels.

    ``placement`` (an :class:`~.operations.Placement`) says where the master's pixels landed
    in the output. A word whose box is mostly outside the output (cropped away) does not
    count, nor one smaller than :data:`MIN_WORD_HEIGHT` in the output's own reading.
    """
    width, height = placement.size
    reading = min(1.0, OCR_SIDE / max(width, height))
    found = []
    for text, conf, box in words:
        left, top, right, bottom = placement.box(box)
        area = (right - left) * (bottom - top)
        left, top = max(0.0, left), max(0.0, top)
        right, bottom = min(float(width), right), min(float(height), bottom)
        if right <= left or bottom <= top:
            continue
        if (right - left) * (bottom - top) < MIN_VISIBLE_SHARE * area:
            continue
        if (bottom - top) * reading < MIN_WORD_HEIGHT:
            continue
        found.append((text, conf, (round(left), round(top), round(right), round(bottom))))
    return tuple(found)


@dataclass(frozen=True)
class Prepared:
    """What placing words on an image needs of it (:func:`prepare`): a copy at most
    :data:`OCR_SIDE` px long (what Tesseract reads when no words are given), its scale, where
    it looks like the background, and the image's segmentation. A few MB, not the image."""

    small: Image.Image
    factor: float
    background_like: Image.Image
    seg: Segmentation


def prepare(rgb: Image.Image, seg: Segmentation) -> Prepared:
    """``rgb`` (8-bit RGB, the normalised image) reduced for :func:`find_prepared`."""
    small, factor = reduced(rgb, OCR_SIDE)
    distance = channel_max(
        ImageChops.difference(small, Image.new("RGB", small.size, seg.background))
    )
    background_like = distance.point([255 if v <= seg.tolerance else 0 for v in range(256)])
    return Prepared(small, factor, background_like, seg)


def find_prepared(prepared: Prepared, words: RawWords | None = None) -> TextFindings:
    """:func:`find_text` on an image made ready by :func:`prepare`."""
    ok, why = availability()
    if not ok:
        raise RuntimeError(why)
    if words is not None and not words:
        return TextFindings()
    small, factor, seg = prepared.small, prepared.factor, prepared.seg
    found = []
    for text, conf, box in _read_words(small, factor) if words is None else words:
        scaled = tuple(round(v * factor) for v in box)
        hist = prepared.background_like.crop(scaled).histogram()
        box_share = hist[255] / (sum(hist) or 1)
        found.append(
            Word(text, conf, box, round(box_share, 3), round(_surroundings_share(seg, box), 3))
        )
    return TextFindings(tuple(found))


def find_text(rgb: Image.Image, seg: Segmentation, words: RawWords | None = None) -> TextFindings:
    """Words in ``rgb`` (8-bit RGB, the normalised image) placed against ``seg``.

    ``words``: already read (boxes in ``rgb``'s pixels, e.g. from :func:`words_in_output`);
    otherwise Tesseract reads ``rgb``. Raises ``RuntimeError`` when text detection is off (see
    :func:`availability`).
    """
    ok, why = availability()
    if not ok:
        raise RuntimeError(why)
    if words is not None and not words:
        return TextFindings()
    return find_prepared(prepare(rgb, seg), words)


__all__ = [
    "Prepared",
    "TextFindings",
    "Word",
    "availability",
    "available",
    "find_prepared",
    "find_text",
    "master_read_side",
    "prepare",
    "read_master",
    "words_in_output",
]
