"""One decode of a master, the reduction pyramid built from it, and memory-frugal resizing.

The rendition pipeline (:mod:`.pipeline`) derives every output of a master from a single
decode. :func:`_decode` opens the master at the smallest JPEG DCT scale (``draft``) that still
covers the largest output, applies EXIF orientation to that reduced image, and wraps it in a
:class:`_Pyramid` of box-reduced halvings. Each output is then resampled (Lanczos) from the
smallest level that still has its resolution, by :func:`_resize`, which works in horizontal
strips when one pass would need a large intermediate image. Outputs whose size depends on
pixel values (``exact`` jobs: ``trimbg``) are rendered from the pyramid too when their box is
certain, else from a full-size decode exactly as Wagtail renders them (:func:`_decode_full`).

Levels are released after their last use and freed heap is handed back to the OS
(:func:`_return_free_memory`), so the peak is set by the decode, not by the number of outputs.
"""

from __future__ import annotations

import concurrent.futures
import logging
import math
import threading
from fractions import Fraction
from typing import TYPE_CHECKING

from PIL import Image

from .imaging import (
    PREMULTIPLIED,
    apply_orientation,
    load_pixels,
    open_image,
    oriented_size,
    return_free_memory,
    wagtail_format,
)

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from .pipeline import _Job, _Source

logger = logging.getLogger(__name__)

#: Resize in horizontal strips when one pass would need an intermediate larger than this
#: many pixels (Pillow resamples horizontally first, into a width_out x height_in image).
STRIP_PIXELS = 1_000_000
#: Smallest level of the reduction pyramid (1/8 of the decode).
MAX_LEVEL = 3


class _Pyramid:
    """The decoded master and box-reduced halvings of it, each freed after its last use.

    Every output is resampled (Lanczos) from the smallest level that still has at least its
    resolution, so the resampling ratio is always between 1 and 2. The reductions are box
    averages, as the JPEG DCT scaling of ``draft`` is; the performance notes measured both as
    visually identical to a full-size Lanczos (41-58 dB PSNR before encoding).

    Level 0 (the decode itself) is the big one: outputs that need it render first, then the
    smaller levels are built from it and it is released (:meth:`build_smaller`).

    An RGBA or LA decode is premultiplied once, here (``RGBa``/``La``): Pillow premultiplies
    a copy of the *whole* source on every ``resize()`` and ``reduce()`` of it, which cost one
    full-size copy per output in flight. :func:`_resize` hands back RGBA/LA outputs, and the
    levels are rounded through RGBA as Pillow's own ``reduce()`` does, so every output is the
    same, pixel for pixel.
    """

    def __init__(self, base: Image.Image, full_size: tuple[int, int], jobs: list[_Job]):
        self.full_w, self.full_h = full_size
        #: The mode the levels came in (RGBA/LA when they are held premultiplied).
        self.mode = base.mode
        if base.mode in PREMULTIPLIED:
            info = dict(base.info)
            base = base.convert(PREMULTIPLIED[base.mode])
            base.info = info
        #: The decode's own ``info`` (ICC profile...), which reduced levels do not carry.
        self.info = dict(base.info)
        self.levels: dict[int, Image.Image] = {0: base}
        #: The decode is the master at full size (no DCT scaling).
        self.full_size = base.size == (self.full_w, self.full_h)
        for job in jobs:
            job.level = self._pick(job.need, base)
        self.deepest = max(job.level for job in jobs)
        self.uses = {k: sum(1 for j in jobs if j.level == k) for k in range(self.deepest + 1)}
        self._lock = threading.Lock()

    def _pick(self, need: float, base: Image.Image) -> int:
        level = 0
        while level < MAX_LEVEL:
            w, h = (
                math.ceil(base.width / 2 ** (level + 1)),
                math.ceil(base.height / 2 ** (level + 1)),
            )
            if min(w / self.full_w, h / self.full_h) < need or min(w, h) < 1:
                break
            level += 1
        return level

    def build_smaller(self) -> None:
        """Build levels 1..n from level 0 (which stays until :meth:`release_full`)."""
        previous = self.levels[0]
        for k in range(1, self.deepest + 1):
            previous = previous.reduce(2)
            if self.mode in PREMULTIPLIED:
                # As Pillow's RGBA reduce() returns it (unpremultiplied), premultiplied again.
                previous = previous.convert(self.mode).convert(PREMULTIPLIED[self.mode])
            if self.uses[k]:
                self.levels[k] = previous
        del previous

    def copy(self, side: int) -> tuple[Image.Image, float]:
        """A box-reduced copy of the upright master at most ``side`` px on its longest side,
        from the smallest level still held that is at least twice that (else the largest),
        with the decode's ``info``, and its scale to the full-size master."""
        with self._lock:
            held = sorted(self.levels.items(), reverse=True)  # smallest first
        source = next((im for _k, im in held if max(im.size) >= 2 * side), held[-1][1])
        factor = side / max(source.size)
        if factor < 1:
            size = (
                max(1, math.floor(source.width * factor)),
                max(1, math.floor(source.height * factor)),
            )
            out = source.resize(size, Image.Resampling.BOX)
        else:
            out = source.copy()
        del source, held
        if out.mode in _UNPREMULTIPLIED:
            out = out.convert(_UNPREMULTIPLIED[out.mode])
        out.info = dict(self.info)
        return out, max(out.size) / max(self.full_w, self.full_h)

    def release_full(self) -> None:
        """Drop level 0 (the decode): every output that needs it has taken it."""
        self.levels.pop(0, None)
        _return_free_memory()

    def take(self, job: _Job) -> tuple[Image.Image, float, float]:
        """The level for ``job`` and its scale; levels above 0 are released after their last job."""
        with self._lock:
            level = self.levels[job.level]
            self.uses[job.level] -= 1
            if not self.uses[job.level] and job.level:
                del self.levels[job.level]
        return level, level.width / self.full_w, level.height / self.full_h


#: Hands freed heap back to the OS (see :func:`.imaging.return_free_memory`).
_return_free_memory = return_free_memory


def _decode(source: _Source, jobs: list[_Job]) -> tuple[_Pyramid, str]:
    """Decode once at the smallest DCT scale covering every job, then build the pyramid."""
    pil, original_format, full_size = _load(source, max(job.need for job in jobs))
    logger.debug(
        "Decoded %s at %dx%d for %d outputs",
        source.name,
        pil.width,
        pil.height,
        len(jobs),
    )
    pyramid = _Pyramid(pil, full_size, jobs)
    del pil  # an RGBA decode was premultiplied into a new image: this one goes
    return_free_memory()
    return pyramid, original_format


def _decode_full(source: _Source, keep_depth: bool = False) -> Image.Image:
    """The master at full size, upright: the pixels Wagtail renders from. ``keep_depth``: a
    16-bit greyscale master stays 16-bit, as Willow resizes it (``srgb`` scales it afterwards)."""
    return _load(source, 1.0, keep_depth)[0]


def is_deep_grey(pil: Image.Image) -> bool:
    """16-bit greyscale (``I;16`` PNG and TIFF masters, ``I``)."""
    return pil.mode.startswith("I;16") or pil.mode == "I"


def _load(
    source: _Source, need: float, keep_depth: bool = False
) -> tuple[Image.Image, str, tuple[int, int]]:
    pil = open_image(source.data, source.name)
    original_format = wagtail_format(pil)
    full_size = oriented_size(pil)
    if pil.format == "JPEG" and need < 1:
        # Requested in stored orientation; the scale is uniform, so rotation does not matter.
        pil.draft(pil.mode, (math.ceil(pil.width * need), math.ceil(pil.height * need)))
    load_pixels(pil, source.name)
    if getattr(pil, "n_frames", 1) > 1:
        pil.seek(0)  # Willow's Pillow plugin renders the first frame of an animation too
    apply_orientation(pil)
    if is_deep_grey(pil) and not keep_depth:
        # 16-bit greyscale (TIFF masters): convert("L") would clip everything above 255 to
        # white; scale 0-65535 to 0-255 instead (RGB 16-bit TIFFs already decode to 8 bits).
        pil = pil.point(lambda v: v / 257, "L")
        if pil.mode != "L":  # Pillow keeps I;16 for point() on I;16; the values now fit in 8 bits
            pil = pil.convert("L")
    if pil.mode in ("1", "P"):
        # As Willow's resize does: palettes and bilevel images resize badly.
        pil = pil.convert("RGBA" if "transparency" in pil.info else "RGB")
    return pil, original_format, full_size


def _resize(
    src: Image.Image,
    size: tuple[int, int],
    box: tuple[float, ...],
    exact: bool = False,
    strip_pool: Executor | None = None,
) -> Image.Image:
    """``src.resize(size, LANCZOS, box=box)``, in strips when one pass would be memory-hungry.

    Pillow's resampling reads the kernel's support outside ``box``, so strips give nearly the
    pixels of one pass (a few levels off, invisible) while holding only a strip's
    intermediate image. ``exact`` (Wagtail's own pixels, for a ``trimbg`` box) resizes in one
    pass, exactly as Willow calls Pillow: with Pillow 13 a strip is not always the one pass's
    pixels, even with its edges on whole source rows (a 16 MP master's 2200 px output differed
    by up to 11 levels on the product).

    A premultiplied source (``RGBa``/``La``, see :class:`_Pyramid`) gives an RGBA/LA output,
    the pixels Pillow's RGBA resize gives; an RGBA/LA source resized in strips is
    premultiplied once, not once per strip.

    ``strip_pool``: an executor the strips are resized on, side by side (Pillow releases the
    GIL while resampling): an output rendered while the other threads have nothing else to do
    still uses every core. The pixels do not depend on it.
    """
    out = _resize_raw(src, size, box, exact, strip_pool)
    if out.mode in _UNPREMULTIPLIED:
        info = out.info
        out = out.convert(_UNPREMULTIPLIED[out.mode])
        out.info = info
    return out


_UNPREMULTIPLIED = {v: k for k, v in PREMULTIPLIED.items()}


def _resize_raw(
    src: Image.Image,
    size: tuple[int, int],
    box: tuple[float, ...],
    exact: bool,
    strip_pool: Executor | None = None,
) -> Image.Image:
    out_w, out_h = size
    box_h = box[3] - box[1]
    if exact or out_w * box_h <= STRIP_PIXELS or out_h < 2:
        return src.resize(size, Image.Resampling.LANCZOS, box=box)
    wanted = math.ceil(out_w * box_h / STRIP_PIXELS)
    step = Fraction(box_h / out_h)
    rows = max(1, math.ceil(out_h / wanted))
    if src.mode in PREMULTIPLIED:
        info = dict(src.info)
        src = src.convert(PREMULTIPLIED[src.mode])
        src.info = info
    out = Image.new(src.mode, size)

    def strip(r0: int) -> None:
        r1 = min(out_h, r0 + rows)
        part = src.resize(
            (out_w, r1 - r0),
            Image.Resampling.LANCZOS,
            box=(box[0], float(box[1] + step * r0), box[2], float(box[1] + step * r1)),
        )
        out.paste(part, (0, r0))  # disjoint rows of ``out``

    starts = range(0, out_h, rows)
    if strip_pool is None or len(starts) < 2:
        for r0 in starts:
            strip(r0)
    else:
        # Every strip submitted is waited for, also when one fails or a submit does: none may
        # still write into ``out`` once this returns.
        futures = []
        try:
            for r0 in starts:
                futures.append(strip_pool.submit(strip, r0))
        finally:
            concurrent.futures.wait(futures)
        for future in futures:
            future.result()
    out.info = dict(src.info)
    return out
