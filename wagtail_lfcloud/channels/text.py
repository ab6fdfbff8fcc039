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


def find_text(rgb: Image.Image, seg: Segmentation) -> TextFindings:
    """Words in ``rgb`` (8-bit RGB, the normalised image) placed against ``seg``.

    Raises ``RuntimeError`` when text detection is off (see :func:`availability`).
    """
    ok, why = availability()
    if not ok:
        raise RuntimeError(why)
    small, factor = reduced(rgb, OCR_SIDE)
    distance = channel_max(
        ImageChops.difference(small, Image.new("RGB", small.size, seg.background))
    )
    background_like = distance.point([255 if v <= seg.tolerance else 0 for v in range(256)])
    words = []
    for text, conf, box in _read_words(small, factor):
        scaled = tuple(round(v * factor) for v in box)
        hist = background_like.crop(scaled).histogram()
        box_share = hist[255] / (sum(hist) or 1)
        words.append(
            Word(text, conf, box, round(box_share, 3), round(_surroundings_share(seg, box), 3))
        )
    return TextFindings(tuple(words))


__all__ = ["TextFindings", "Word", "availability", "available", "find_text"]
