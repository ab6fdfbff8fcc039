"""The one-decode rendition pipeline.

:func:`generate_renditions` produces ordinary Wagtail renditions (same ``filter_spec``,
``focal_point_key``, file names and storage as ``image.get_rendition(spec)``), but decodes the
master once, at the smallest JPEG DCT scale that still covers the largest output, and derives
every output from that single decode. ``image.get_rendition(spec)`` afterwards finds them.

This module plans the outputs (Wagtail's own transforms give crops and sizes), prepares each
one's pixels and runs its filter operations in the calling thread, encodes in worker threads,
saves the files under Wagtail's names and the rows in one ``bulk_create``. The decode, the
reduction pyramid and the resizing live in :mod:`.decoding`.

:func:`~.deliverables.build_channel_renditions` (the approval task's entry point, which records
``ChannelRendition`` rows) lives in :mod:`.deliverables`.
"""

from __future__ import annotations

import concurrent.futures
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from PIL import Image
from wagtail.images.image_operations import TransformOperation
from wagtail.images.models import IMAGE_FORMAT_EXTENSIONS, Filter
from willow.plugins.pillow import PillowImage

from wagtail_lfcloud.conf import lfcloud_settings
from wagtail_lfcloud.storage import image_files_are_public, routes_privately

from . import exact
from .decoding import (
    MAX_LEVEL,
    _decode,
    _decode_full,
    _resize,
    _return_free_memory,
    is_deep_grey,
)
from .encoders import BUDGETABLE_FORMATS, EncoderOptions, encode, fit_budget, prepare_for_format
from .errors import (
    ChannelError,
    CorruptImageError,
    RenditionStorageError,
    SourceMissingError,
    is_missing_file,
)
from .imaging import keep_large_blocks_apart, open_image, oriented_size
from .operations import (
    GEOMETRY,
    NOTES,
    PAD_PRESCALED,
    PIPELINE_FLAG,
    TRIM_MARGIN,
    TRIM_RESOLVE,
    TRIM_RESOLVED,
    PadRatioOperation,
    PadSquareOperation,
    Placement,
    SRGBOperation,
    TrimBackgroundOperation,
    TrimUncertain,
    pad_layout,
    placement_known,
)
from .registry import get_presets

if TYPE_CHECKING:
    from wagtail.images.models import AbstractImage, AbstractRendition

__all__ = ["generate_renditions"]

logger = logging.getLogger(__name__)

#: Levels: a ``trimbg`` box found on the pipeline's reduced pixels is used only when no pixel
#: within this margin of the tolerance decides an edge. The reduced rendering differs from
#: Wagtail's by 1-2 levels RMS (a few more next to hard edges), and the background colour it
#: compares against may shift as much: twice that, with room to spare.
TRIM_CERTAINTY_MARGIN = 12

#: Encode the slowest formats first so the two workers finish together.
_ENCODE_ORDER = {"avif": 0, "webp": 1, "png": 2, "heic": 2, "jpeg": 3, "gif": 4, "ico": 4}


@dataclass
class _Job:
    """One output to render: its filter, the crop box in source pixels, the output size."""

    filter: Filter
    encoder: EncoderOptions
    rect: tuple[float, float, float, float]
    size: tuple[int, int]
    focal_point_key: str
    #: scale of the resized pixels (``resize_to``) relative to the full-size oriented master
    need: float = 1.0
    #: The spec has an operation whose output size depends on pixel values (``trimbg``): it is
    #: rendered from the pyramid only if the operation finds its box certain there
    #: (``TRIM_MARGIN``), else again with the full-size decode (``from_full``): with the box
    #: found on Wagtail's exact pixels (:func:`.exact.trim_box`), or from exactly Wagtail's
    #: pixels; or the size could differ by a pixel.
    exact: bool = False
    from_full: bool = False
    #: Its box was not certain on the pyramid and was found on exact strips.
    resolved: bool = False
    #: It may share its resize with outputs of the same crop and size (:class:`_SharedResizes`).
    shares: bool = True
    #: The size the pixels are resized to: ``size``, or smaller when a pad operation would
    #: scale the resized image down onto its canvas (:func:`_prescaled`): one resize, not two.
    resize_to: tuple[int, int] = (0, 0)
    level: int = 0  #: pyramid level the output is derived from
    # Filled by the worker:
    name: str = ""
    width: int = 0
    height: int = 0
    bytes: int = 0
    format: str = ""
    notes: list[str] = field(default_factory=list)
    fits_budget: bool | None = None
    #: Where the master's pixels landed in the output (None: an operation moved them in a way
    #: the pipeline does not know).
    placement: Placement | None = None


@dataclass(frozen=True)
class _Source:
    data: bytes
    name: str


def _resolve(items: Iterable[str | Filter]) -> list[tuple[str, Filter, EncoderOptions]]:
    """(key as given, Filter, encoder options) for channel keys, spec strings or Filters."""
    presets = get_presets()
    default_encoder = EncoderOptions.from_dict(lfcloud_settings.CHANNEL_ENCODER)
    resolved = []
    for item in items:
        if isinstance(item, Filter):
            resolved.append((item.spec, item, default_encoder))
        elif item in presets:
            preset = presets[item]
            resolved.append((item, Filter(spec=preset.spec), preset.encoder))
        else:
            # Not a channel key: treat it as a filter spec, as image.get_renditions() would.
            resolved.append((item, Filter(spec=item), default_encoder))
    return resolved


def generate_renditions(
    image: AbstractImage,
    specs_or_channel_keys: Sequence[str | Filter],
    *,
    inspect: Inspector | None = None,
    on_decode: Callable[[Callable[[int], tuple[Image.Image, float]]], None] | None = None,
) -> dict[str, AbstractRendition]:
    """Renditions of ``image`` for channel keys and/or filter specs, keyed as given.

    Existing renditions are found first (prefetched, cache, then one query), exactly as
    ``image.get_renditions`` finds them. Missing ones are generated from one decode of the
    master and saved in one ``bulk_create``. Works with any Wagtail image model.

    ``inspect(spec, file_name, data, pixels, placement)`` is called, in a worker thread, for
    every output generated here (not for renditions found), with its bytes, the pixels encoded
    into them and where the master's pixels landed in them (an
    :class:`~.operations.Placement`, or None when an operation moved them in a way the pipeline
    does not know): the approval path checks compliance there, without decoding the file again,
    and maps what it found once on the master into each output.

    ``on_decode(copy)`` is called once, in the calling thread, when the master has been decoded
    (only if something is generated): ``copy(side)`` gives a box-reduced copy of the upright
    master, at most ``side`` px long, made from the pixels the outputs are made from, and its
    scale to the full-size master. The approval path reads the master's text from it.

    Raises a :class:`~.errors.ChannelError` subclass when the master is missing, empty,
    corrupt or too large; in that case no file or row is left behind.
    """
    Rendition = image.get_rendition_model()
    resolved = _resolve(specs_or_channel_keys)
    filters: list[Filter] = []
    encoders: dict[str, EncoderOptions] = {}
    for _key, flt, enc in resolved:
        flt = image.clean_filter_for_svg(flt)
        if flt.spec not in encoders:
            filters.append(flt)
            encoders[flt.spec] = enc
    found = image.find_existing_renditions(*filters)
    missing = [f for f in filters if f not in found]
    if missing:
        if image.is_svg():
            # Vector masters have no pixels to share; Wagtail's own path handles them.
            found.update(image.create_renditions(*missing))
        else:
            for flt, rendition in _create(image, missing, encoders, inspect, on_decode).items():
                image._add_to_prefetched_renditions(rendition)
                found[flt] = rendition
    cache_additions = {
        Rendition.construct_cache_key(image, flt.get_cache_key(image), flt.spec): rendition
        for flt, rendition in found.items()
        if not getattr(rendition, "_from_cache", False)
    }
    if cache_additions:
        Rendition.cache_backend.set_many(cache_additions)
    by_spec = {flt.spec: rendition for flt, rendition in found.items()}
    return {key: by_spec[image.clean_filter_for_svg(flt).spec] for key, flt, _enc in resolved}


# --- generation ---------------------------------------------------------------------------------


def _read_source(image: AbstractImage) -> _Source:
    try:
        with image.open_file() as f:
            data = f.read()
    except Exception as e:
        if is_missing_file(e):
            raise SourceMissingError(
                f"the original file cannot be read ({e})", image.file.name
            ) from e
        # Not the image's fault (S3 unreachable, access denied): worth running again.
        raise RenditionStorageError(
            f"the original file could not be read ({str(e) or type(e).__name__})"
        ) from e
    return _Source(data, os.path.basename(image.file.name))


def _plan(
    image: AbstractImage,
    filters: list[Filter],
    size: tuple[int, int],
    encoders: dict[str, EncoderOptions],
) -> list[_Job]:
    jobs = []
    for flt in filters:
        # Wagtail's own transform: crops, focal points and closeness match get_rendition.
        transform = flt.get_transform(image, size)
        rect = transform.get_rect().round()
        left, top, right, bottom = (
            max(0, rect.left),
            max(0, rect.top),
            min(size[0], rect.right),
            min(size[1], rect.bottom),
        )
        if left >= right or top >= bottom:
            raise CorruptImageError(f"invalid crop {tuple(rect)} for {flt.spec!r}", image.file.name)
        size_out = tuple(transform.size)
        exact = any(getattr(op, "content_dependent", False) for op in flt.filter_operations)
        jobs.append(
            _Job(
                flt,
                encoders[flt.spec],
                (left, top, right, bottom),
                size_out,
                flt.get_cache_key(image),
                exact=exact,
            )
        )
    # An output a pad operation scales down onto its canvas is resized once, straight to its
    # size there (perhaps from a smaller pyramid level), unless another output has the same
    # crop and size: one shared resize and a smaller second one cost less than two resizes.
    alike: dict[tuple, int] = {}
    for job in jobs:
        alike[job.rect, job.size] = alike.get((job.rect, job.size), 0) + 1
    for job in jobs:
        left, top, right, bottom = job.rect
        job.resize_to = (
            job.size if alike[job.rect, job.size] > 1 else _prescaled(job.filter, job.size)
        )
        job.need = max(job.resize_to[0] / (right - left), job.resize_to[1] / (bottom - top))
    return jobs


def _prescaled(flt: Filter, size: tuple[int, int]) -> tuple[int, int]:
    """The size a pad operation scales an output of ``size`` down to on its canvas, when only
    pixel-wise operations (``srgb``) come before it; else ``size``. Wagtail resizes twice
    (to ``size``, then onto the canvas); the pipeline resizes once, straight to this size,
    and the pad operation lays the pixels out as the ``size`` image (:data:`PAD_PRESCALED`)."""
    for operation in flt.filter_operations:
        if isinstance(operation, (TransformOperation, SRGBOperation)):
            continue
        if isinstance(operation, (PadSquareOperation, PadRatioOperation)):
            bound = operation.bound(size, {})
            return pad_layout(size, operation.ratio, operation.fill, bound)[1]
        break
    return size


def _output_format(env: dict[str, Any], original_format: str, willow) -> str:
    # Mirrors wagtail.images.models.Filter.run.
    if "output-format" in env:
        return env["output-format"]
    conversions = {"bmp": "png", "heic": "jpeg", "tiff": "png"}
    if not willow.has_animation():
        conversions["gif"] = "png"
    conversions.update(getattr(settings, "WAGTAILIMAGES_FORMAT_CONVERSIONS", {}))
    return conversions.get(original_format, original_format)


def _default_quality(fmt: str, env: dict[str, Any]) -> int | None:
    defaults = {"jpeg": 76, "webp": 80, "avif": 61, "heic": 80}
    if fmt not in defaults:
        return None
    return int(
        env.get(
            f"{fmt}-quality",
            getattr(settings, f"WAGTAILIMAGES_{fmt.upper()}_QUALITY", defaults[fmt]),
        )
    )


@dataclass
class _Prepared:
    """An output's final pixels and how to encode them."""

    pixels: Image.Image
    format: str
    quality: int | None
    lossless: bool
    xmp: bytes | None
    max_bytes: int | None
    min_quality: int


class _SharedResizes:
    """Outputs with the same crop and size from the same level (``max-2048x2048`` as JPEG and
    as WebP, ``fill-1080x1080`` and ``max-1080x1080`` of a square master) share one resize.

    The first to ask computes it; the others wait for it and get a copy (operations may
    change an image's ``info``), the last gets the original, which is then forgotten.
    """

    def __init__(self, jobs: Iterable[_Job]):
        self.remaining: dict[tuple, int] = {}
        for job in jobs:
            self.remaining[self.key(job)] = self.remaining.get(self.key(job), 0) + 1
        self.images: dict[tuple, Image.Image] = {}
        self.locks = {key: threading.Lock() for key in self.remaining}

    @staticmethod
    def key(job: _Job) -> tuple:
        return job.level, job.rect, job.resize_to

    def get(self, job: _Job, compute: Callable[[], Image.Image]) -> Image.Image:
        key = self.key(job)
        with self.locks[key]:
            # The last to ask takes the image the others left, if any: it must not be
            # computed again (and the kept one would stay in memory until the end).
            image = self.images.pop(key, None)
            if image is None:
                image = compute()
            self.remaining[key] -= 1
            if self.remaining[key] > 0:
                self.images[key] = image
                return image.copy()
            return image

    def discard(self, job: _Job) -> None:
        """``job`` will not ask after all (rendered from the full-size decode instead)."""
        key = self.key(job)
        with self.locks[key]:
            self.remaining[key] -= 1
            if not self.remaining[key]:
                self.images.pop(key, None)


#: ``reduced(job, full)``: a box-reduced copy of the full-size decode ``full`` for a trimmed
#: output redone at full size (the coarsest that still has its resolution) and its scale, or
#: None when that is the full-size decode itself.
Reduced = Callable[[_Job, Image.Image], tuple[Image.Image, float, float] | None]


def _prepare(
    image: AbstractImage,
    source: tuple[Image.Image, float, float],
    original_format: str,
    job: _Job,
    shared: _SharedResizes | None = None,
    reduced: Reduced | None = None,
    full: Image.Image | None = None,
    strip_pool: concurrent.futures.Executor | None = None,
) -> _Prepared:
    """Crop+resize one output from its pyramid level (``source``: the level and its scale)
    and run the filter operations on it.

    A trimmed output whose box was uncertain on the pyramid (``job.from_full``, ``source`` the
    full-size decode) is rendered from a reduced copy of the full-size decode (``reduced``)
    with the box found on Wagtail's exact pixels where it is decided (:func:`.exact.trim_box`);
    if that cannot decide, or no reduced copy is coarser than the full-size decode, from the
    full-size decode exactly as Wagtail renders it. ``full``: the full-size decode, when a
    trimmed output renders from a reduced level of it (the box on exact strips if needed).
    ``strip_pool``: where a large resize's strips run (see :func:`.decoding._resize`)."""
    src, sx, sy = source
    del source
    left, top, right, bottom = job.rect
    env: dict[str, Any] = {"original-format": original_format, PIPELINE_FLAG: True}
    if job.from_full:
        resolve = _trim_resolver(image, job, src) if reduced is not None else None
        level = reduced(job, src) if resolve is not None else None
        if level is not None:
            low, lx, ly = level
            del level
            box = (left * lx, top * ly, right * lx, bottom * ly)
            try:
                return _finish(
                    image,
                    _resize(low, job.size, box, strip_pool=strip_pool),
                    {**env, TRIM_RESOLVE: resolve},
                    original_format,
                    job,
                )
            except TrimUncertain:
                logger.debug("trim box of %s not decided on exact strips", job.filter.spec)
            finally:
                del low
        # As Willow does it, from the full-size decode: crop (a copy, so edge pixels are
        # clamped the same way), then Lanczos. Cropping the whole frame is skipped (a copy).
        if (left, top, right, bottom) != (0, 0, src.width, src.height):
            src = src.crop((left, top, right, bottom))
        out = _resize(src, job.size, (0, 0, src.width, src.height), exact=True)
    else:
        box = (left * sx, top * sy, right * sx, bottom * sy)
        if shared is None:
            out = _resize(src, job.resize_to, box, strip_pool=strip_pool)
        else:
            out = shared.get(
                job, lambda src=src: _resize(src, job.resize_to, box, strip_pool=strip_pool)
            )
        if job.exact:
            env[TRIM_MARGIN] = TRIM_CERTAINTY_MARGIN
            # The full-size decode is at hand: if the box is not certain on this level, it is
            # found on exact strips of the output (as for ``from_full`` below), not redone.
            resolve = _trim_resolver(image, job, full) if full is not None else None
            if resolve is not None:
                env[TRIM_RESOLVE] = resolve
        if job.resize_to != job.size:
            env[PAD_PRESCALED] = job.size
    del src
    return _finish(image, out, env, original_format, job)


def _finish(
    image: AbstractImage, out: Image.Image, env: dict[str, Any], original_format: str, job: _Job
) -> _Prepared:
    """Run the filter operations on the resized pixels ``out``; the pixels to encode."""
    willow = PillowImage(out)
    del out
    for operation in job.filter.filter_operations:
        willow = operation.run(willow, image, env) or willow
    fmt = _output_format(env, original_format, willow)
    pil = willow.get_pillow_image()
    del willow  # a flattened copy must not sit next to the pixels it came from
    pil = prepare_for_format(pil, fmt)
    job.width, job.height = pil.size
    if placement_known(job.filter.filter_operations):
        job.placement = Placement.of(job.rect, job.size, env.get(GEOMETRY, []), pil.size)
    job.format = fmt
    job.resolved = bool(env.get(TRIM_RESOLVED))
    job.notes += env.get(NOTES, [])
    return _Prepared(
        pixels=pil,
        format=fmt,
        quality=_default_quality(fmt, env),
        lossless="lossless" in env.get("output-format-options", ()),
        xmp=env.get("xmp"),
        max_bytes=env.get("max-bytes"),
        min_quality=env.get("max-bytes-min-quality", 50),
    )


def _trim_resolver(image: AbstractImage, job: _Job, full: Image.Image):
    """``resolve(pixels, tolerance, color)`` for ``trimbg`` (:data:`.operations.TRIM_RESOLVE`):
    the box on Wagtail's pixels of ``job``, from Wagtail's exact pixels of a few strips of the
    output (:class:`.exact.ExactResize` of the full-size decode ``full``), or None when that is
    not possible here (no numpy, a mode Pillow premultiplies, an operation before ``trimbg``
    other than ``srgb``)."""
    if not exact.available() or full.mode not in exact.MODES:
        return None
    before = []
    for operation in job.filter.filter_operations:
        if isinstance(operation, TrimBackgroundOperation):
            break
        if isinstance(operation, TransformOperation):
            continue  # folded into the crop and resize
        if not isinstance(operation, SRGBOperation):
            return None  # its effect on a part of the output is not known
        before.append(operation)
    else:
        return None
    resize = exact.ExactResize(full, job.rect, job.size)
    info = dict(full.info)

    def exact_pixels(box: tuple[int, int, int, int]) -> Image.Image:
        region = resize.region(box)
        region.info = dict(info)
        willow = PillowImage(region)
        for operation in before:  # srgb: pixel by pixel, so a part converts as the whole
            willow = operation.run(willow, image, {PIPELINE_FLAG: True}) or willow
        pil = willow.get_pillow_image()
        return pil if pil.mode == "RGB" else pil.convert("RGB")

    def resolve(pixels: Image.Image, tolerance: int, color) -> tuple[int, int, int, int] | None:
        return exact.trim_box(pixels, exact_pixels, tolerance, color)

    return resolve


def _encode(job: _Job, prepared: _Prepared) -> bytes:
    """Encode prepared pixels, honouring a byte budget; thread-safe (Pillow drops the GIL)."""
    p = prepared

    def encode_at(q):
        return encode(p.pixels, p.format, q, job.encoder, lossless=p.lossless, xmp=p.xmp)

    if p.max_bytes and p.format in BUDGETABLE_FORMATS and not p.lossless:
        result = fit_budget(encode_at, p.quality, p.max_bytes, min(p.min_quality, p.quality))
        data, job.fits_budget = result.data, result.fits
        if not result.fits:
            job.notes.append(f"over the {p.max_bytes}-byte budget even at quality {result.quality}")
    else:
        data = encode_at(p.quality)
        if p.max_bytes:
            job.fits_budget = len(data) <= p.max_bytes
    job.bytes = len(data)
    return data


#: Characters of the master's name a rendition file name keeps at least (see :func:`_file_name`).
MIN_STEM = 24


def _file_name(image: AbstractImage, job: _Job) -> str:
    """``<master name>.<spec>.<ext>``, as Wagtail's ``generate_rendition_file`` names it, in 59
    characters: unless the spec would cut the master's name below :data:`MIN_STEM` characters.

    Wagtail then truncates the master's name (``SKU12345_2025-10_front``) to nothing for a long
    channel spec, and storefronts, CDNs and image search see ``.max-2200x2200.srgb.trimbg....jpg``.
    For those specs the spec part is a short hash of the spec instead; the rendition row still
    records the spec, which is how Wagtail and the package find renditions.
    """
    stem = os.path.splitext(os.path.basename(image.file.name))[0]
    suffix = IMAGE_FORMAT_EXTENSIONS[job.format]
    focal = job.focal_point_key + "." if job.focal_point_key else ""
    extension = focal + job.filter.spec.replace("|", ".") + suffix
    if len(extension) > 59 - MIN_STEM - 1:
        digest = hashlib.sha1(job.filter.spec.encode(), usedforsecurity=False).hexdigest()[:10]
        extension = focal + "s" + digest + suffix
    return stem[: (59 - len(extension))] + "." + extension


#: By default the outputs in flight may weigh together as much as the decode, at least this.
MIN_BUDGET = 64_000_000


def rendition_memory(decoded_bytes: int) -> int:
    """Bytes the outputs in flight may weigh together (:func:`_weight`):
    ``WAGTAIL_LFCLOUD_RENDITION_MEMORY``, else as much as the decode (``decoded_bytes``), at
    least :data:`MIN_BUDGET`."""
    configured = lfcloud_settings.RENDITION_MEMORY
    if configured:
        return int(configured)
    return max(MIN_BUDGET, decoded_bytes)


def rendition_threads() -> int:
    """Threads a channel set renders with: ``WAGTAIL_LFCLOUD_RENDITION_THREADS``, else one per
    core this process may use."""
    configured = lfcloud_settings.RENDITION_THREADS
    if configured:
        return max(1, int(configured))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


#: ``inspect(spec, file_name, data, pixels, placement)``: called in the worker thread for every
#: output the pipeline generates, with its encoded bytes, the pixels that were encoded and where
#: the master's pixels landed in them (None if unknown).
Inspector = Callable[[str, str, bytes, Image.Image, Placement | None], None]


def _create(
    image: AbstractImage,
    filters: list[Filter],
    encoders: dict[str, EncoderOptions],
    inspect: Inspector | None = None,
    on_decode: Callable[[Callable[[int], tuple[Image.Image, float]]], None] | None = None,
) -> dict[Filter, AbstractRendition]:
    Rendition = image.get_rendition_model()
    file_field = Rendition._meta.get_field("file")
    storage = file_field.storage
    keep_large_blocks_apart()
    source = _read_source(image)
    # Size check and orientation come from the header, before any pixel is decoded.
    header = open_image(source.data, source.name)
    jobs = _plan(image, filters, oriented_size(header), encoders)
    # A 16-bit greyscale master: Willow resizes it in 16 bits and ``srgb`` scales it to 8 bits
    # afterwards, while the pyramid is scaled to 8 bits first (a level apart at places). A
    # trimmed output whose box is not certain on the pyramid is then rendered from a 16-bit
    # full-size decode as Wagtail renders it, never on exact strips (computed from 8-bit pixels).
    deep_grey = is_deep_grey(header)
    del header
    pyramid, original_format = _decode(source, jobs)
    # The encoded master stays until the end: a trimmed output whose box is uncertain on the
    # reduced pixels is redone from a full-size decode of it.

    saved: list[str] = []
    # Public or private (wagtail_lfcloud.storage) is decided here, once: the files are saved from
    # worker threads, which must not query the database.
    save_options = {"public": image_files_are_public(image)} if routes_privately(storage) else {}

    # A trimmed output of a full-size decode comes from a reduced level (or goes to the exact
    # strips): it does not share its resize, which would keep the shared image until a later
    # output takes it (a copy of a level, mostly, as cheap to make again).
    for job in jobs:
        job.shares = not (job.exact and pyramid.full_size)
    shared = _SharedResizes(job for job in jobs if job.shares)

    # Box-reduced copies of the full-size decode, for trimmed outputs redone from it: made
    # once per factor, dropped with the full-size decode.
    reductions: dict[int, Image.Image] = {}
    reductions_lock = threading.Lock()
    full_w, full_h = pyramid.full_w, pyramid.full_h

    def reduced(job: _Job, full: Image.Image) -> tuple[Image.Image, float, float] | None:
        factor = 1
        while factor < 2**MAX_LEVEL:
            w, h = -(-full_w // (factor * 2)), -(-full_h // (factor * 2))
            if min(w / full_w, h / full_h) < job.need:
                break
            factor *= 2
        if factor == 1:
            return None
        with reductions_lock:
            level = reductions.get(factor)
            if level is None:
                level = reductions[factor] = full.reduce(factor)
        return level, level.width / full_w, level.height / full_h

    def render(
        job: _Job, src: tuple[Image.Image, float, float], full: Image.Image | None = None
    ) -> bytes:
        # In a worker thread: Pillow releases the GIL in resize, filters and the encoders.
        prepared = _prepare(
            image,
            src,
            original_format,
            job,
            shared if job.shares and not job.from_full else None,
            reduced if job.from_full and not deep_grey else None,
            None if deep_grey else full,
            strip_pool,
        )
        del src, full
        data = _encode(job, prepared)
        if inspect is not None:
            inspect(job.filter.spec, _file_name(image, job), data, prepared.pixels, job.placement)
        del prepared
        # Each thread frees into its own malloc arena, which the other threads cannot reuse:
        # hand the output's memory back, or every thread keeps its largest output's worth.
        _return_free_memory()
        return data

    def save(job: _Job, data: bytes) -> str:
        # In the calling thread: a storage may query the database (the private-rendition
        # storage asks whose file a name is), and only this thread sees its transaction.
        probe = Rendition(
            image=image, filter_spec=job.filter.spec, focal_point_key=job.focal_point_key
        )
        name = file_field.generate_filename(probe, _file_name(image, job))
        try:
            stored = storage.save(
                name, ContentFile(data), max_length=file_field.max_length, **save_options
            )
        except Exception as e:
            # Not the image's fault (a full disk is an OSError too, which below would call the
            # image corrupt): the caller may run the set again once the storage is back.
            raise RenditionStorageError(str(e) or type(e).__name__) from e
        saved.append(stored)
        job.name = stored
        return stored

    threads = rendition_threads()
    # Outputs are independent: each is resized, filtered, encoded (and inspected) in a worker,
    # `threads` at a time, so memory stays bounded by that many outputs in flight. Costliest
    # first within each group, so the workers finish together:
    # 1. content-dependent specs (trimbg) from their pyramid level; those whose box is not
    #    certain there (TrimUncertain) are redone from Wagtail's pixels: from the decode if it
    #    is full size, before it is released, else from a full-size decode at the end;
    # 2. outputs that need the decode itself; once the last has started the pyramid lets go of
    #    it (the workers still rendering from it keep it until they finish);
    # 3. the rest.
    # Groups 2 and 3 also fill in: whenever the next output must wait for room in the memory
    # budget, a later one of them that fits starts on the free thread (:func:`fill`).
    # Trimmed outputs smallest first: the cheapest to try. Once one box is uncertain the others are too in all
    # likelihood (the same soft shadow or edge), so they are not tried on reduced pixels.
    trimmed = sorted((j for j in jobs if j.exact), key=lambda j: j.size[0] * j.size[1])
    full_size_jobs = sorted((j for j in jobs if j.level == 0 and not j.exact), key=_cost)
    rest = sorted((j for j in jobs if j.level > 0 and not j.exact), key=_cost)
    pending: dict[concurrent.futures.Future, _Job] = {}
    uncertain: list[_Job] = []

    # Memory: besides the thread count, the outputs in flight (:func:`_weight`) may together
    # weigh at most :func:`rendition_memory` (as much as the decode, at least 64 MB;
    # WAGTAIL_LFCLOUD_RENDITION_MEMORY sets it); one heavier than that runs alone.
    # So a master near the decoded-size limit renders its large outputs one at a time, and the
    # peak stays near the decode, its smaller levels and one large output, whatever the
    # threads' timing; a typical photo keeps both threads busy.
    decoded = pyramid.levels[0]
    budget = rendition_memory(decoded.width * decoded.height * 4)
    del decoded

    def weight_in_flight() -> int:
        return sum(_job_weight(job) for job in pending.values())

    #: Outputs of the pyramid (not trimmed) not started yet, in their order. The next one waits
    #: for room in the budget or a free thread; while it waits, later ones that fit start
    #: (first fit), so a large output does not keep the other threads idle.
    waiting: list[_Job] = full_size_jobs + rest

    def start(pool, job: _Job, src, full: Image.Image | None = None) -> None:
        pending[pool.submit(render, job, src, full)] = job

    def fill(pool) -> None:
        for job in list(waiting):
            if len(pending) >= threads:
                return
            if weight_in_flight() + _job_weight(job) <= budget:
                waiting.remove(job)
                start(pool, job, pyramid.take(job))

    def wait_while(pool, blocked: Callable[[], bool]) -> None:
        while pending and blocked():
            fill(pool)
            done, _running = concurrent.futures.wait(
                pending, return_when=concurrent.futures.FIRST_COMPLETED
            )
            for future in done:
                job = pending.pop(future)
                try:
                    data = future.result()
                except TrimUncertain:
                    job.from_full = True
                    uncertain.append(job)
                    continue
                save(job, data)

    def drain(pool, limit: int, adding: int = 0) -> None:
        wait_while(pool, lambda: len(pending) > limit or weight_in_flight() + adding > budget)

    def settle_trimmed(pool) -> None:
        """Until no trimmed output is in flight (the others go on)."""
        wait_while(pool, lambda: any(job.exact for job in pending.values()))

    def run(pool, group, source=None) -> None:
        for job in group:
            drain(pool, threads - 1, _job_weight(job))
            # Once a trimmed output's box was not certain on the pyramid, the others' would not
            # be either (the same soft shadow or edge): not tried there, except from a reduced
            # level with the box found on exact strips (a full-size one costs a full resize).
            resolving = job.level and pyramid.full_size and not deep_grey and exact.available()
            if (
                source is None
                and job.exact
                and (uncertain or (not resolving and any(j.resolved for j in jobs)))
            ):
                pyramid.take(job)  # released as if rendered
                if job.shares:
                    shared.discard(job)
                job.from_full = True
                uncertain.append(job)
                continue
            src = source if source is not None else pyramid.take(job)
            # A trimmed output from a reduced level, while the decode is the full-size one: its
            # box can be found on exact strips at once if it is not certain on the level.
            full = (
                pyramid.levels[0]
                if source is None and job.exact and job.level and pyramid.full_size
                else None
            )
            start(pool, job, src, full)
            del full

    # The strips of a large resize (:func:`.decoding._resize`) run on a pool of their own, so
    # that an output rendered alone (heavier than the memory budget allows two of) still keeps
    # every core busy; the strips never wait on anything, so the two pools cannot deadlock.
    strip_pool = (
        concurrent.futures.ThreadPoolExecutor(max_workers=threads, thread_name_prefix="strips")
        if threads > 1
        else None
    )
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
            try:
                pyramid.build_smaller()
                if on_decode is not None:
                    on_decode(pyramid.copy)
                run(pool, trimmed)
                settle_trimmed(pool)
                full = (
                    (pyramid.levels[0], 1.0, 1.0) if pyramid.full_size and not deep_grey else None
                )
                if full is not None:
                    run(pool, sorted(uncertain, key=_cost), full)
                    uncertain.clear()
                    settle_trimmed(pool)
                    reductions.clear()
                del full
                released = False
                while waiting:
                    if not released and not any(job.level == 0 for job in waiting):
                        pyramid.release_full()
                        released = True
                    job = waiting.pop(0)
                    drain(pool, threads - 1, _job_weight(job))
                    start(pool, job, pyramid.take(job))
                if not released:
                    pyramid.release_full()
                drain(pool, 0)
                if uncertain:
                    logger.debug("%d trimmed outputs redone at full size", len(uncertain))
                    full = (_decode_full(source, keep_depth=deep_grey), 1.0, 1.0)
                    run(pool, sorted(uncertain, key=_cost), full)
                    del full
                    drain(pool, 0)
                    reductions.clear()
            except BaseException:
                for future in pending:
                    future.cancel()
                raise
    except BaseException as e:
        _delete(storage, saved)
        if isinstance(e, (ChannelError, RenditionStorageError)):
            raise
        if isinstance(e, (OSError, ValueError, SyntaxError)):
            raise CorruptImageError(f"rendering failed ({e})", source.name) from e
        raise
    finally:
        if strip_pool is not None:
            strip_pool.shutdown(wait=True)
        pyramid.levels.clear()
        shared.images.clear()
        reductions.clear()
        _return_free_memory()  # the decode and the outputs, freed in this and the workers' arenas
    return _save_rows(image, jobs, storage)


def _job_weight(job: _Job) -> int:
    """:func:`_weight`, plus, for a trimmed output redone at full size, the intermediate image
    of its one-pass resize (output width x the crop's full-size height, 4 bytes a pixel): Wagtail's
    exact pixels cannot be had in strips, so that pass is paid whole and counted in the budget
    (a 21 MP master's 2200 px output holds about 40 MB there)."""
    weight = _weight(job.size)
    if job.from_full:
        _left, top, _right, bottom = job.rect
        weight += job.size[0] * max(0, int(bottom - top)) * 4
    return weight


def _weight(size: tuple[int, int]) -> int:
    """Bytes an output holds at its peak: its pixels (Pillow keeps RGB as RGBX, 4 bytes a
    pixel) three times: the resized pixels, an operation's result (a crop, a padded canvas, an
    sRGB conversion) and the copy the encoder is given (flattened on white for JPEG, 8-bit).
    The resize's intermediate is held to a strip (:data:`.decoding.STRIP_PIXELS`; a trimmed
    output redone at full size is one pass, as Wagtail resizes it) and an RGBA
    source is premultiplied once for all outputs, so neither grows with the source."""
    return size[0] * size[1] * 4 * 3


def _cost(job: _Job) -> tuple[int, int]:
    """Sort key: slowest encoders first, then the largest outputs."""
    return _ENCODE_ORDER.get(_guess_format(job.filter), 3), -job.size[0] * job.size[1]


def _guess_format(flt: Filter) -> str:
    for part in flt.spec.split("|"):
        if part.startswith("format-"):
            return part.split("-")[1]
    return "jpeg"


def _delete(storage, names: Iterable[str]) -> None:
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # cleanup must not hide the original error
            logger.exception("Could not delete orphan rendition file %s", name)


def _save_rows(image: AbstractImage, jobs: list[_Job], storage) -> dict[Filter, AbstractRendition]:
    Rendition = image.get_rendition_model()
    lookup = Q()
    for job in jobs:
        lookup |= Q(filter_spec=job.filter.spec, focal_point_key=job.focal_point_key)
    rows = [
        # width/height given, so Django does not decode the file again to measure it.
        Rendition(
            image=image,
            filter_spec=job.filter.spec,
            focal_point_key=job.focal_point_key,
            file=job.name,
            width=job.width,
            height=job.height,
        )
        for job in jobs
    ]
    try:
        with transaction.atomic():
            # Rows created concurrently win; ours are skipped and their files removed below.
            Rendition.objects.bulk_create(rows, ignore_conflicts=True)
    except BaseException:
        _delete(storage, [job.name for job in jobs])
        raise
    result: dict[Filter, AbstractRendition] = {}
    by_spec = {job.filter.spec: job for job in jobs}
    for rendition in image.renditions.filter(lookup):
        job = by_spec[rendition.filter_spec]
        rendition.image = image
        result[job.filter] = rendition
    orphans = [
        job.name
        for job in jobs
        if job.filter not in result or result[job.filter].file.name != job.name
    ]
    _delete(storage, orphans)
    return result
