"""Wagtail's exact output pixels for a few regions of a resize, without the whole resize.

Wagtail renders an output as Willow does: crop, then one ``Image.resize(size, LANCZOS)``.
Pillow's resampling is integer arithmetic with coefficients computed per output row and
column (``libImaging/Resample.c``: ``precompute_coeffs``, ``normalize_coeffs_8bpc``, a
horizontal pass into 8-bit rows, then a vertical pass). :class:`ExactResize` repeats that
arithmetic with numpy for the output pixels of a rectangle, from the source pixels under it
only: the pixels are Wagtail's, bit for bit, at a cost proportional to the rectangle.

The pipeline uses it to find a ``trimbg`` box exactly as Wagtail finds it (the trim operation
looks at a few bands of the output, see :func:`.analysis.foreground_bbox`) while rendering the
output itself from its reduced pixels.

numpy is optional: without it (or if this Pillow build's arithmetic differs from the one
repeated here, checked once per process by :func:`available`) the pipeline renders such
outputs from the full-size decode as before.
"""

from __future__ import annotations

import functools
import logging
import math

from PIL import Image

from . import analysis

try:  # optional: the package does not depend on numpy
    import numpy as np
except ImportError:  # pragma: no cover - numpy is installed wherever the tests run
    np = None

#: Pillow's fixed-point precision for 8-bit resampling (``PRECISION_BITS``).
PRECISION_BITS = 32 - 8 - 2
#: At most this many bytes of gathered input windows per resampling step (see :func:`_pass`).
CHUNK_BYTES = 2_000_000
#: Modes resized channel by channel without premultiplication (RGBA/LA are premultiplied).
MODES = {"RGB": 3, "L": 1}

logger = logging.getLogger(__name__)


def _sinc(x: float) -> float:
    if x == 0.0:
        return 1.0
    x = x * math.pi
    return math.sin(x) / x


@functools.lru_cache(maxsize=1 << 16)  # whole and simple factors repeat the same arguments
def _lanczos(x: float) -> float:
    if -3.0 <= x < 3.0:
        return _sinc(x) * _sinc(x / 3)
    return 0.0


class _Axis:
    """Pillow's coefficients along one axis for a resize of ``in_size`` to ``out_size`` (the
    box being the whole input), computed lazily per output index."""

    def __init__(self, in_size: int, out_size: int):
        self.in_size, self.out_size = in_size, out_size
        # (double)(in1 - in0) / outSize, in1 - in0 in float: whole pixel sizes are exact.
        self.scale = float(in_size) / out_size
        self.filterscale = max(self.scale, 1.0)
        self.support = 3.0 * self.filterscale
        self.ss = 1.0 / self.filterscale
        self._cache: dict[int, tuple[int, list[int]]] = {}

    def coeffs(self, xx: int) -> tuple[int, list[int]]:
        """(first input index, fixed-point weights) for output index ``xx``."""
        found = self._cache.get(xx)
        if found is not None:
            return found
        center = 0.0 + (xx + 0.5) * self.scale
        xmin = int(center - self.support + 0.5)  # C's (int): towards zero
        if xmin < 0:
            xmin = 0
        xmax = int(center + self.support + 0.5)
        if xmax > self.in_size:
            xmax = self.in_size
        weights = []
        ww = 0.0
        for x in range(xmax - xmin):
            w = _lanczos((x + xmin - center + 0.5) * self.ss)
            weights.append(w)
            ww += w  # summed in order, as in C (not Python's compensated sum())
        one = 1 << PRECISION_BITS
        fixed = []
        for w in weights:
            if ww != 0.0:
                w = w / ww
            fixed.append(int(-0.5 + w * one) if w < 0 else int(0.5 + w * one))
        self._cache[xx] = found = (xmin, fixed)
        return found

    def taps(self, start: int, stop: int):
        """For output indices start..stop-1: the first input index they read, the last + 1
        (so that every output's ``taps`` consecutive inputs are inside; unused taps have
        weight 0), where each output's inputs start (relative to the first), and an
        (n x taps) array of fixed-point weights."""
        rows = [self.coeffs(i) for i in range(start, stop)]
        first = min(r[0] for r in rows)
        taps = max(len(r[1]) for r in rows)
        last = max(r[0] for r in rows) + taps
        weight = np.zeros((stop - start, taps), dtype=np.int32)
        for i, (_xmin, fixed) in enumerate(rows):
            weight[i, : len(fixed)] = fixed
        starts = np.array([r[0] - first for r in rows], dtype=np.intp)
        return first, last, starts, weight


def _pass(pixels, axis: int, starts, weight):
    """One resampling pass of ``pixels`` (rows x columns x bands, uint8) along ``axis`` (0:
    vertical, 1: horizontal), rounded to 8 bits as Pillow rounds each pass. Output ``i``
    reads the ``taps`` inputs from ``starts[i]`` with ``weight[i]`` (int32 sums, as Pillow's:
    255 x the weights' absolute sum stays under 2**31)."""
    taps = weight.shape[1]
    windows = np.lib.stride_tricks.sliding_window_view(pixels, taps, axis=axis)
    n, bands = starts.shape[0], pixels.shape[2]
    # The gathered windows are a copy, cast to int32 by einsum: a tall strip of a 21 MP master
    # would hold some 20 MB of them at once. Gathered a slice of the other axis at a time, they
    # stay under CHUNK_BYTES; integer sums, so the bytes are the same.
    other = pixels.shape[1 - axis]
    step = max(1, CHUNK_BYTES // max(1, n * bands * taps * 4))
    if axis == 1:
        acc = np.empty((other, n, bands), dtype=np.int32)
        for r in range(0, other, step):
            acc[r : r + step] = np.einsum(
                "rnct,nt->rnc", windows[r : r + step, starts], weight, dtype=np.int32
            )
    else:
        acc = np.empty((n, other, bands), dtype=np.int32)
        for x in range(0, other, step):
            acc[:, x : x + step] = np.einsum(
                "nxct,nt->nxc", windows[starts, x : x + step], weight, dtype=np.int32
            )
    acc += 1 << (PRECISION_BITS - 1)
    return np.clip(acc >> PRECISION_BITS, 0, 255).astype(np.uint8)


class ExactResize:
    """``source.crop(rect).resize(size, LANCZOS)`` (Wagtail's pixels), one region at a time.

    ``source``: the full-size, upright decode (mode RGB or L); ``rect``: the integer crop box
    Wagtail's transform gives; ``size``: the output size.
    """

    def __init__(self, source: Image.Image, rect: tuple[int, int, int, int], size: tuple[int, int]):
        self.source = source
        self.left, self.top, right, bottom = (int(v) for v in rect)
        self.in_w, self.in_h = right - self.left, bottom - self.top
        self.size = size
        self.bands = MODES[source.mode]
        self.x = _Axis(self.in_w, size[0])
        self.y = _Axis(self.in_h, size[1])
        # As ImagingResampleInner decides (the box is the whole crop).
        self.need_x = size[0] != self.in_w
        self.need_y = size[1] != self.in_h

    def region(
        self, box: tuple[int, int, int, int], vertical_first: bool | None = None
    ) -> Image.Image:
        """The output's pixels in ``box`` (output coordinates), as an image of the source's
        mode and the box's size. The passes run in the order this Pillow runs them
        (see :func:`available`), or vertical first if ``vertical_first``."""
        if vertical_first is None:
            vertical_first = _ORDERS[available() or "horizontal"](self.in_w, self.in_h, *self.size)
        x0, y0, x1, y1 = box
        if self.need_y:
            sy0, sy1, iy, wy = self.y.taps(y0, y1)
        else:
            sy0, sy1, iy, wy = y0, y1, None, None
        if self.need_x:
            sx0, sx1, ix, wx = self.x.taps(x0, x1)
        else:
            sx0, sx1, ix, wx = x0, x1, None, None
        crop = self.source.crop((self.left + sx0, self.top + sy0, self.left + sx1, self.top + sy1))
        out = np.asarray(crop, dtype=np.uint8).reshape(sy1 - sy0, sx1 - sx0, self.bands)
        del crop
        passes = [(1, ix, wx), (0, iy, wy)]
        if vertical_first:
            passes.reverse()
        for axis, index, weight in passes:
            if index is not None:
                out = _pass(out, axis, index, weight)
        out = np.ascontiguousarray(out)
        if self.bands == 1:
            return Image.fromarray(out[:, :, 0], "L")
        return Image.fromarray(out, "RGB")


def _vertical_first_if_cheaper(w: int, h: int, out_w: int, out_h: int) -> bool:
    # Pillow 13: the vertical pass first when the height shrinks by more than twice as many
    # pixels as the width (found by comparing its output with both orders on 600 random sizes
    # and on grids of sizes; every one matched).
    return out_h < h and 2 * (w - out_w) < h - out_h


#: Which pass Pillow runs first, by version: ``rule(crop_w, crop_h, out_w, out_h)``, True for
#: the vertical pass. :func:`available` finds the one this Pillow follows.
_ORDERS = {
    "cheaper": _vertical_first_if_cheaper,
    "horizontal": lambda w, h, out_w, out_h: False,  # Pillow up to 12
}

#: Sizes :func:`available` compares Pillow's own resize with :class:`ExactResize` on:
#: downscales by whole, fractional and awkward factors, on both sides of Pillow 13's choice of
#: the first pass, an upscale, one axis only.
_CHECKS = [
    ((61, 47), (23, 19)),
    ((97, 80), (53, 80)),
    ((40, 33), (40, 17)),
    ((30, 20), (47, 31)),
    ((73, 78), (64, 33)),
    ((123, 122), (70, 10)),
    ((123, 122), (60, 10)),
    ((63, 122), (60, 100)),
    ((243, 122), (190, 12)),
]


@functools.cache
def available() -> str | None:
    """The pass order (a key of :data:`_ORDERS`) with which :class:`ExactResize` gives, bit
    for bit, this Pillow build's Lanczos pixels (checked once per process on small noisy
    images), or None (numpy is missing, or this Pillow computes differently)."""
    if np is None:
        return None
    try:
        for name, rule in _ORDERS.items():
            if _matches(rule):
                return name
    except Exception:  # noqa: BLE001 - an older numpy or Pillow: the bit-identical fallback
        logger.warning("exact strips unavailable: the check failed", exc_info=True)
    return None


def _matches(rule) -> bool:
    rng = np.random.default_rng(7)
    for mode, bands in MODES.items():
        for (w, h), size in _CHECKS:
            pixels = rng.integers(0, 256, (h, w, bands), dtype=np.uint8)
            image = Image.fromarray(pixels[:, :, 0] if bands == 1 else pixels, mode)
            wanted = image.crop((3, 2, w, h)).resize(size, Image.Resampling.LANCZOS)
            exact = ExactResize(image, (3, 2, w, h), size)
            order = rule(w - 3, h - 2, *size)
            part = (size[0] // 3, size[1] // 4, size[0], size[1] - 1)
            if exact.region((0, 0, *size), order).tobytes() != wanted.tobytes():
                return False
            if exact.region(part, order).tobytes() != wanted.crop(part).tobytes():
                return False
    return True


# --- the trim box -------------------------------------------------------------------------------

#: Levels: a block of the reduced rendering (:func:`.analysis.foreground_bbox`'s coarse pass)
#: outside the product's region counts as background for certain only when its average is this
#: far under the tolerance. Measured on the benchmark's masters (2026-12-06): block averages of
#: the reduced rendering differ from Wagtail's by at most 7 levels, on textured products; on
#: studio backgrounds by 1.
FAR_MARGIN = 8
#: Blocks on either side of a coarse edge whose pixels are computed exactly.
EDGE_BLOCKS = 3
#: Past this share of the output's pixels, computing them exactly is not worth it.
MAX_EXACT_SHARE = 0.3


def trim_box(
    approx: Image.Image,
    exact_pixels,
    tolerance: int,
    color: tuple[int, int, int] | None,
) -> tuple[int, int, int, int] | None | bool:
    """The box :func:`.analysis.foreground_bbox` finds on Wagtail's pixels of an output, from
    ``approx`` (the output rendered from reduced pixels, mode RGB) and Wagtail's exact pixels
    of a few strips of it (``exact_pixels(box)``: mode RGB, after the operations before
    ``trimbg``; they are pasted into ``approx``), or False when that cannot be decided this way.

    The box depends on the output's pixels only through block averages (the coarse pass) and
    on full-resolution pixels in bands along the coarse box's edges. Strips a few blocks wide
    along each coarse edge, out to the last block outside the product's region that is not
    certainly background, are computed exactly and pasted into a copy of ``approx``; every
    other block is either inside the product (it cannot move an edge) or background by more
    than :data:`FAR_MARGIN` levels. The coarse edges found on the copy must lie inside the
    strips with a block to spare, so the bands :func:`.analysis.foreground_bbox` then looks at
    are exact too.
    """
    if approx.mode != "RGB":
        return False
    w, h = approx.size
    factor = analysis.coarse_factor(approx.size)
    if factor == 1:
        return analysis.foreground_bbox(exact_pixels((0, 0, w, h)), tolerance, color)
    return _trim_box_in_strips(approx, exact_pixels, tolerance, color, factor)


def _trim_box_in_strips(approx, exact, tolerance, color, factor):
    w, h = approx.size
    nbx, nby = -(-w // factor), -(-h // factor)
    # Wagtail's pixels are pasted into the rendering itself, not a copy of it: the output made
    # from it has them along the product's edges (closer to Wagtail's, and no second image).
    hybrid = approx
    corner = (0, 0, min(w, factor), min(h, factor))
    hybrid.paste(exact(corner), corner[:2])  # the background colour is Wagtail's top-left pixel
    background = color if color is not None else hybrid.getpixel((0, 0))
    rough = analysis.coarse_box(hybrid, factor, tolerance, background)
    if rough is None:
        return False
    left, top, right, bottom = rough
    # Blocks outside the rough box that are not background for certain widen the strips.
    blocks = np.asarray(hybrid.reduce(factor), dtype=np.int16)
    distance = np.abs(blocks - np.asarray(background, dtype=np.int16)).max(axis=2)
    unsure = distance > tolerance - FAR_MARGIN
    ys, xs = np.nonzero(unsure)
    x0, x1 = max(0, left - EDGE_BLOCKS), min(nbx, right + EDGE_BLOCKS)
    y0, y1 = max(0, top - EDGE_BLOCKS), min(nby, bottom + EDGE_BLOCKS)
    outside = (xs < left) | (xs >= right) | (ys < top) | (ys >= bottom)
    xs, ys = xs[outside], ys[outside]
    if xs.size:
        x0, x1 = min(x0, int(xs.min())), max(x1, int(xs.max()) + 1)
        y0, y1 = min(y0, int(ys.min())), max(y1, int(ys.max()) + 1)
    # Every block outside [x0, x1) x [y0, y1) is background for certain; inside it, outside
    # the strips, blocks are inside the product's region and cannot move an edge.
    strips = [
        (x0, y0, min(x1, left + EDGE_BLOCKS), y1),
        (max(x0, right - EDGE_BLOCKS), y0, x1, y1),
        (x0, y0, x1, min(y1, top + EDGE_BLOCKS)),
        (x0, max(y0, bottom - EDGE_BLOCKS), x1, y1),
    ]
    pixels = [
        (a * factor, b * factor, min(w, c * factor), min(h, d * factor)) for a, b, c, d in strips
    ]
    if sum((c - a) * (d - b) for a, b, c, d in pixels) > MAX_EXACT_SHARE * w * h:
        return False
    for box in pixels:
        hybrid.paste(exact(box), box[:2])
    coarse = analysis.coarse_box(hybrid, factor, tolerance, background)
    if coarse is None:
        return False
    c_left, c_top, c_right, c_bottom = coarse
    # Each edge block and its neighbours lie in its strip (or the strip reaches the frame).
    inside = (
        (c_left >= x0 + 1 or x0 == 0)
        and c_left <= left + EDGE_BLOCKS - 2
        and (c_right - 1 <= x1 - 2 or x1 == nbx)
        and c_right - 1 >= right - EDGE_BLOCKS + 1
        and (c_top >= y0 + 1 or y0 == 0)
        and c_top <= top + EDGE_BLOCKS - 2
        and (c_bottom - 1 <= y1 - 2 or y1 == nby)
        and c_bottom - 1 >= bottom - EDGE_BLOCKS + 1
    )
    if not inside:
        return False
    return analysis.foreground_bbox(hybrid, tolerance, color)
