"""Pixel measurements behind ``trimbg`` and the compliance checks (Pillow only, no numpy).

All functions take an 8-bit RGB(A)/L Pillow image and return plain numbers, so they can be
tested with tiny crafted images. The algorithms follow channel-specs.md §3.4.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PIL import Image, ImageChops, ImageFilter, ImageStat


def has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info
    )


#: Pixels :func:`flatten_on_white` composites at a time.
_FLATTEN_STRIP_PIXELS = 1_000_000


def flatten_on_white(image: Image.Image) -> Image.Image:
    """8-bit RGB copy of ``image``, compositing any alpha on white (as JPEG output does)."""
    if has_alpha(image):
        rgba = image if image.mode == "RGBA" else image.convert("RGBA")
        width, height = rgba.size
        # In strips of rows: the same pixels as one composite on a full-size white canvas,
        # without that canvas (and its RGBA copy) next to the RGB result.
        rows = max(1, _FLATTEN_STRIP_PIXELS // max(1, width))
        if rows >= height:
            canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
            canvas.alpha_composite(rgba)
            return canvas.convert("RGB")
        flat = Image.new("RGB", rgba.size)
        for top in range(0, height, rows):
            box = (0, top, width, min(height, top + rows))
            canvas = Image.new("RGBA", (width, box[3] - top), (255, 255, 255, 255))
            canvas.alpha_composite(rgba.crop(box))
            flat.paste(canvas.convert("RGB"), (0, top))
        return flat
    if image.mode != "RGB":
        return image.convert("RGB")
    return image


def channel_min(rgb: Image.Image) -> Image.Image:
    r, g, b = rgb.split()
    return ImageChops.darker(ImageChops.darker(r, g), b)


def channel_max(rgb: Image.Image) -> Image.Image:
    r, g, b = rgb.split()
    return ImageChops.lighter(ImageChops.lighter(r, g), b)


def _threshold(gray: Image.Image, above: int) -> Image.Image:
    """Binary L mask: 255 where ``gray`` > ``above``."""
    return gray.point([255 if v > above else 0 for v in range(256)])


def _despeckle(mask: Image.Image) -> Image.Image:
    # A 3x3 opening removes isolated noise pixels (JPEG speckle, dust) without moving edges.
    return mask.filter(ImageFilter.MinFilter(3)).filter(ImageFilter.MaxFilter(3))


def _difference_map(image: Image.Image, background: tuple[int, int, int] | None) -> Image.Image:
    """Per-pixel distance (mode L) from the background; alpha itself when there is one."""
    if has_alpha(image):
        return image.convert("RGBA").getchannel("A")
    rgb = image.convert("RGB") if image.mode != "RGB" else image
    if background is None:
        background = rgb.getpixel((0, 0))
    diff = ImageChops.difference(rgb, Image.new("RGB", rgb.size, tuple(background)))
    return channel_max(diff)


def foreground_mask(
    image: Image.Image, tolerance: int = 12, background: tuple[int, int, int] | None = None
) -> Image.Image:
    """Binary mask (mode L) of pixels that differ from the background by more than ``tolerance``.

    With an alpha channel the alpha itself is the mask (a white product cut out on a
    transparent background is still found). Otherwise the background colour defaults to the
    top-left pixel, as Cloudinary/imgix trim do. Isolated specks are removed.
    """
    return _despeckle(_threshold(_difference_map(image, background), tolerance))


_NEIGHBOURS = ImageFilter.Kernel((3, 3), [1, 1, 1, 1, 0, 1, 1, 1, 1], scale=1)

#: Longest side of the coarse pass in :func:`foreground_bbox`.
COARSE_SIDE = 400


def foreground_bbox(
    image: Image.Image, tolerance: int = 12, background: tuple[int, int, int] | None = None
) -> tuple[int, int, int, int] | None:
    """Bounding box ``(left, top, right, bottom)`` of the foreground, or None if there is none.

    Two passes keep this fast and small on large outputs: block averages on a reduced copy
    find the product's region (dust averages away), then each edge is found exactly at full
    resolution inside a band one block wide on either side of the coarse edge, so no
    full-size intermediate image is made.
    """
    if has_alpha(image):
        image = image.convert("RGBA")
    elif image.mode != "RGB":
        image = image.convert("RGB")
    if background is None and not has_alpha(image):
        background = image.getpixel((0, 0))
    factor = coarse_factor(image.size)
    if factor == 1:
        return _despeckle(_threshold(_difference_map(image, background), tolerance)).getbbox()
    box = coarse_box(image, factor, tolerance, background)
    if box is None:
        return None
    w, h = image.size
    outer = (
        max(0, (box[0] - 1) * factor),
        max(0, (box[1] - 1) * factor),
        min(w, (box[2] + 1) * factor),
        min(h, (box[3] + 1) * factor),
    )

    def exact(band: tuple[int, int, int, int]) -> tuple[int, int, int, int] | None:
        found = _threshold(_difference_map(image.crop(band), background), tolerance).getbbox()
        if found is None:
            return None
        return band[0] + found[0], band[1] + found[1], band[0] + found[2], band[1] + found[3]

    left = exact((outer[0], outer[1], min(w, (box[0] + 1) * factor), outer[3]))
    top = exact((outer[0], outer[1], outer[2], min(h, (box[1] + 1) * factor)))
    right = exact((max(0, (box[2] - 1) * factor), outer[1], outer[2], outer[3]))
    bottom = exact((outer[0], max(0, (box[3] - 1) * factor), outer[2], outer[3]))
    return (
        left[0] if left else box[0] * factor,
        top[1] if top else box[1] * factor,
        right[2] if right else min(w, box[2] * factor),
        bottom[3] if bottom else min(h, box[3] * factor),
    )


def coarse_factor(size: tuple[int, int]) -> int:
    """Block size of :func:`foreground_bbox`'s coarse pass (1: no coarse pass)."""
    return max(1, math.ceil(max(size) / COARSE_SIDE))


def coarse_box(
    image: Image.Image, factor: int, tolerance: int, background: tuple[int, int, int] | None
) -> tuple[int, int, int, int] | None:
    """:func:`foreground_bbox`'s coarse pass: the box, in blocks of ``factor`` pixels, of the
    blocks whose average differs from the background by more than ``tolerance`` and that have
    such a neighbour (``image``: RGB or RGBA, as :func:`foreground_bbox` converts it)."""
    # Blocks whose average differs from the background, minus isolated blocks (a speck of
    # dust lands in one block). No opening: it would cut a thin strap off the region, and
    # trimming must never crop the product; a strap's blocks have neighbours along it.
    coarse = _threshold(_difference_map(image.reduce(factor), background), tolerance)
    neighbours = _threshold(coarse.filter(_NEIGHBOURS), 0)
    return ImageChops.darker(coarse, neighbours).getbbox()


@dataclass(frozen=True)
class RingStats:
    """Whiteness of the outer ring of an image (channel-specs.md §3.4 step 2)."""

    width: int  #: ring width in pixels
    white_share: float  #: share of ring pixels whose min(R,G,B) >= threshold
    mean: float  #: mean of min(R,G,B) over the ring
    exact_share: float  #: share of ring pixels exactly (255, 255, 255)
    neutral_share: float  #: share of ring pixels with max-min channel spread <= 3
    corners_white: tuple[
        float, float, float, float
    ]  #: white share per corner patch (TL, TR, BL, BR)


def ring_width(size: tuple[int, int]) -> int:
    return max(2, round(0.01 * min(size)))


def _ring_mask(size: tuple[int, int], r: int) -> Image.Image:
    mask = Image.new("L", size, 255)
    w, h = size
    if w > 2 * r and h > 2 * r:
        mask.paste(0, (r, r, w - r, h - r))
    return mask


def _share(hist: list[int], ok) -> float:
    total = sum(hist)
    if not total:
        return 1.0
    return sum(n for v, n in enumerate(hist) if ok(v)) / total


def _ring_boxes(size: tuple[int, int], r: int) -> list[tuple[int, int, int, int]]:
    """The ring of :func:`_ring_mask` as boxes that do not overlap (the whole image when the
    ring covers it)."""
    w, h = size
    if not (w > 2 * r and h > 2 * r):
        return [(0, 0, w, h)]
    return [(0, 0, w, r), (0, h - r, w, h), (0, r, r, h - r), (w - r, r, w, h - r)]


def _add(histograms: list[list[int]]) -> list[int]:
    return [sum(column) for column in zip(*histograms, strict=True)]


def ring_stats(rgb: Image.Image, threshold: int) -> RingStats:
    """Measure the border ring of an 8-bit RGB image against a whiteness ``threshold``.

    Only the ring's pixels (and the corner patches) are looked at: the same histograms as
    over the whole image with a ring mask, without a full-size copy per channel.
    """
    r = ring_width(rgb.size)
    hist_parts, spread_parts = [], []
    for box in _ring_boxes(rgb.size, r):
        part = rgb.crop(box)
        mn = channel_min(part)
        hist_parts.append(mn.histogram())
        spread_parts.append(ImageChops.subtract(channel_max(part), mn).histogram())
    hist, spread = _add(hist_parts), _add(spread_parts)
    total = sum(hist) or 1
    mean = sum(v * n for v, n in enumerate(hist)) / total
    w, h = rgb.size
    p = max(r * 2, 4)
    corners = []
    for box in ((0, 0, p, p), (w - p, 0, w, p), (0, h - p, p, h), (w - p, h - p, w, h)):
        corners.append(_share(channel_min(rgb.crop(box)).histogram(), lambda v: v >= threshold))
    return RingStats(
        width=r,
        white_share=_share(hist, lambda v: v >= threshold),
        mean=mean,
        exact_share=_share(hist, lambda v: v == 255),
        neutral_share=_share(spread, lambda v: v <= 3),
        corners_white=tuple(corners),
    )


def edges_touched(mask: Image.Image) -> dict[str, bool]:
    """Which sides of the frame the foreground mask reaches (outermost pixel line)."""
    w, h = mask.size
    lines = {
        "top": (0, 0, w, 1),
        "bottom": (0, h - 1, w, h),
        "left": (0, 0, 1, h),
        "right": (w - 1, 0, w, h),
    }
    return {side: mask.crop(box).getbbox() is not None for side, box in lines.items()}


def _uniform_run(rgb: Image.Image, side: str, limit: int) -> tuple[int, tuple[float, ...]]:
    """How many 1-px lines from ``side`` inwards are uniform and alike, and their colour."""
    w, h = rgb.size

    def line(i: int) -> Image.Image:
        return {
            "top": lambda: rgb.crop((0, i, w, i + 1)),
            "bottom": lambda: rgb.crop((0, h - 1 - i, w, h - i)),
            "left": lambda: rgb.crop((i, 0, i + 1, h)),
            "right": lambda: rgb.crop((w - 1 - i, 0, w - i, h)),
        }[side]()

    first_mean, first_dev = _line_stats(line(0))
    if first_dev >= 2.0:
        return 0, first_mean
    run = 1
    while run <= limit:
        mean, dev = _line_stats(line(run))
        if dev >= 2.0 or max(abs(a - b) for a, b in zip(mean, first_mean, strict=True)) > 12:
            break
        run += 1
    return run, first_mean


def _line_stats(line: Image.Image) -> tuple[tuple[float, ...], float]:
    """Per-band means and the largest per-band standard deviation of a line of pixels.

    A line of one colour (a padded canvas, a flat frame) is answered from its extrema, without
    ``ImageStat``'s histogram sums: its means are that colour and its deviation is zero."""
    extrema = line.getextrema()
    if line.getbands() == ("L",) or not isinstance(extrema[0], tuple):
        extrema = (extrema,)
    if all(low == high for low, high in extrema):
        return tuple(float(low) for low, _high in extrema), 0.0
    stat = ImageStat.Stat(line)
    return tuple(stat.mean), max(stat.stddev)


def border_runs(rgb: Image.Image) -> dict[str, int]:
    """Sides that carry an added frame, with its thickness in px (channel-specs.md §3.4 step 7).

    A frame is a thin run (at most 4 % of the side) of uniform lines of one colour, ending
    where the picture starts. Near-white runs on a white packshot are the background, not a
    frame, so they only count when they are at most 1 % thick.
    """
    w, h = rgb.size
    if min(w, h) < 20:
        return {}
    runs = {}
    for side in ("top", "bottom", "left", "right"):
        dim = h if side in ("top", "bottom") else w
        limit = max(1, round(0.04 * dim))
        run, colour = _uniform_run(rgb, side, limit)
        if not 1 <= run <= limit:
            continue
        near_white = min(colour) >= 240
        if near_white and run > max(1, round(0.01 * dim)):
            continue
        runs[side] = run
    return runs


def border_sides(rgb: Image.Image) -> list[str]:
    """Sides that carry an added frame (see :func:`border_runs`)."""
    return list(border_runs(rgb))


def border_inset(size: tuple[int, int], runs: dict[str, int]) -> tuple[int, int, int, int] | None:
    """The box inside an added frame on three or four sides (``runs`` from
    :func:`border_runs`), or None when there is none.

    Segmentation runs inside it: a frame is not the product, and the backdrop it encloses is
    the background.
    """
    if len(runs) < 3:
        return None
    w, h = size
    box = (
        runs.get("left", 0),
        runs.get("top", 0),
        w - runs.get("right", 0),
        h - runs.get("bottom", 0),
    )
    return box if box[2] - box[0] > 10 and box[3] - box[1] > 10 else None


def chroma_share(rgb: Image.Image, limit: int = 8) -> float:
    """Share of pixels whose channel spread exceeds ``limit`` (0 for a black-and-white image)."""
    spread = ImageChops.subtract(channel_max(rgb), channel_min(rgb))
    return 1.0 - _share(spread.histogram(), lambda v: v <= limit)


_LAPLACIAN = ImageFilter.Kernel((3, 3), [0, 1, 0, 1, -4, 1, 0, 1, 0], scale=1, offset=128)


def sharpness(rgb: Image.Image, region: tuple[int, int, int, int] | None = None) -> float:
    """Variance of the Laplacian over ``region`` (the product), at a normalised size.

    The image is first reduced to at most 1024 px on its longest side so the figure does not
    depend on resolution; the threshold in the rules is therefore size-independent.
    """
    gray = rgb.convert("L")
    if region:
        gray = gray.crop(region)
    longest = max(gray.size)
    if longest > 1024:
        factor = 1024 / longest
        gray = gray.resize(
            (max(1, round(gray.width * factor)), max(1, round(gray.height * factor))),
            Image.Resampling.BOX,
        )
    if min(gray.size) < 3:
        return 0.0
    return float(ImageStat.Stat(gray.filter(_LAPLACIAN)).var[0])


def reduced(rgb: Image.Image, longest: int = 1200) -> tuple[Image.Image, float]:
    """A copy at most ``longest`` px on its longest side, and the factor applied."""
    if max(rgb.size) <= longest:
        return rgb, 1.0
    factor = longest / max(rgb.size)
    size = (max(1, math.floor(rgb.width * factor)), max(1, math.floor(rgb.height * factor)))
    return rgb.resize(size, Image.Resampling.BOX), factor


# --- product segmentation -------------------------------------------------------------------
#
# The fill, edge-touch and text checks need to know which pixels are the product. Comparing
# every pixel with pure white reads an off-white (240) or light-grey studio background as
# product; comparing with the top-left pixel breaks on a vignette. Instead the background
# colour is estimated from the frame's outer ring, its own noise sets the tolerance, and the
# background is the region *connected to the frame* through background-like pixels (a
# geodesic dilation from the border). Whatever is not reached is the product, holes included:
# a white label on a bottle, enclosed by the bottle's outline, stays product.


@dataclass(frozen=True)
class Segmentation:
    """Background/product split of a reduced copy of an image."""

    background: tuple[int, int, int]  #: estimated background colour (median of the ring)
    tolerance: int  #: distance from it still counted as background
    reached: Image.Image  #: mode L, 255 where the background connects to the frame
    product: Image.Image  #: mode L, 255 on the product (despeckled)
    scale: float  #: reduced size / original size

    @property
    def bbox(self) -> tuple[int, int, int, int] | None:
        return self.product.getbbox()


def _median(hist: list[int]) -> int:
    total, seen = sum(hist), 0
    for value, n in enumerate(hist):
        seen += n
        if seen * 2 >= total:
            return value
    return 255


def _percentile(hist: list[int], q: float) -> int:
    total, seen = sum(hist), 0
    for value, n in enumerate(hist):
        seen += n
        if seen >= q * total:
            return value
    return 255


def estimate_background(rgb: Image.Image) -> tuple[tuple[int, int, int], int]:
    """Background colour (per-channel median of the outer ring) and a tolerance for it.

    The tolerance is the ring's own spread (the distance within which 90 % of its pixels lie
    from the median, plus 6), at least 12 (the trim tolerance of Cloudinary/imgix,
    channel-specs.md §3.2) and at most 40, so JPEG noise and a soft vignette stay background
    while a product that reaches the frame does not widen it without bound.
    """
    mask = _ring_mask(rgb.size, ring_width(rgb.size))
    colour = tuple(_median(band.histogram(mask=mask)) for band in rgb.split())
    distance = channel_max(ImageChops.difference(rgb, Image.new("RGB", rgb.size, colour)))
    spread = _percentile(distance.histogram(mask=mask), 0.9)
    return colour, max(12, min(40, spread + 6))


#: 3x3 sum, saturating at 255: a one-pixel dilation of a binary mask (a C kernel; 5x faster
#: than MaxFilter(3)).
_GROW = ImageFilter.Kernel((3, 3), [1] * 9, scale=1)


def _reach_from_frame(passable: Image.Image) -> Image.Image:
    """Pixels of ``passable`` (mode L, 255 = may be background) connected to the frame."""
    w, h = passable.size
    seed = Image.new("L", (w, h), 0)
    seed.paste(passable, (0, 0), _ring_mask((w, h), 1))
    # A row or column that is background from end to end touches the frame: seed it whole,
    # so only pockets (between a product's legs, around letters) need the passes below.
    full = [255 if v == 255 else 0 for v in range(256)]
    rows = passable.resize((1, h), Image.Resampling.BOX).point(full).resize((w, h))
    cols = passable.resize((w, 1), Image.Resampling.BOX).point(full).resize((w, h))
    reached = ImageChops.lighter(seed, ImageChops.lighter(rows, cols))
    # Geodesic dilation: grow one pixel per pass, never into non-passable pixels, so a thin
    # product outline is never jumped. The passes needed are the longest background path;
    # checking for a fixed point every 4 passes keeps that check cheap.
    for _ in range(0, w + h, 4):
        before = reached
        for _ in range(4):
            reached = ImageChops.darker(reached.filter(_GROW), passable)
        if ImageChops.difference(before, reached).getbbox() is None:
            break
    return reached


def segment(rgb: Image.Image, longest: int = 300) -> Segmentation:
    """Split ``rgb`` (8-bit RGB) into background and product on a copy <= ``longest`` px."""
    small, scale = reduced(rgb, longest)
    colour, tolerance = estimate_background(small)
    distance = channel_max(ImageChops.difference(small, Image.new("RGB", small.size, colour)))
    passable = distance.point([255 if v <= tolerance else 0 for v in range(256)])
    reached = _reach_from_frame(passable)
    product = _despeckle(ImageChops.invert(reached))
    return Segmentation(colour, tolerance, reached, product, scale)


def background_share(seg: Segmentation, box: tuple[int, int, int, int]) -> float:
    """Share of ``box`` (in the segmentation's coordinates) that is frame-connected background."""
    crop = seg.reached.crop(box)
    hist = crop.histogram()
    total = sum(hist) or 1
    return hist[255] / total
