"""The one-decode pipeline: equivalence with Wagtail's get_rendition, reuse, bad input."""

import io
import os
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from PIL import Image
from wagtail.images.models import Filter
from wagtail.images.rect import Rect

from wagtail_lfcloud.channels import errors, get_channel_rendition
from wagtail_lfcloud.channels.pipeline import generate_renditions
from wagtail_lfcloud.channels.registry import get_presets

from .images import (
    animated_gif,
    cmyk_jpeg,
    encode,
    exif_with_privacy,
    make_image,
    marker_image,
    noisy,
    png16,
    product_shot,
)

pytestmark = pytest.mark.django_db

RAW_SPECS = [
    "fill-60x40",
    "fill-50x50-c50",
    "max-70x70|format-webp|webpquality-80",
    "width-45",
    "height-33|format-png",
    "scale-50",
    "original",
    "min-30x30|format-avif|avifquality-50",
]


def read(rendition) -> Image.Image:
    with rendition.file.open("rb") as f:
        return Image.open(io.BytesIO(f.read()))


def rotated_master():
    """Stored 120x80 landscape with EXIF orientation 6: displayed as 80x120 portrait."""
    return encode(marker_image((120, 80)), quality=95, exif=exif_with_privacy(orientation=6))


def rendition_files():
    root = os.path.join(default_storage.location, "images")
    return (
        sorted(n for n in os.listdir(root) if "." in n and n.count(".") > 1)
        if os.path.isdir(root)
        else []
    )


@pytest.mark.parametrize("focal", [False, True])
def test_matches_wagtails_get_rendition_on_an_exif_rotated_source(focal):
    ours = make_image(rotated_master(), "rotated.jpg")
    theirs = make_image(rotated_master(), "rotated.jpg")
    if focal:
        for image in (ours, theirs):
            image.set_focal_point(Rect(10, 70, 30, 110))
            image.save()
    specs = RAW_SPECS + [p.spec for p in get_presets().values()][:6]
    result = generate_renditions(ours, specs)
    for spec in specs:
        mine, wagtail = result[spec], theirs.get_rendition(spec)
        assert (mine.width, mine.height) == (wagtail.width, wagtail.height), spec
        assert os.path.splitext(mine.file.name)[1] == os.path.splitext(wagtail.file.name)[1], spec
        assert mine.focal_point_key == wagtail.focal_point_key
        a, b = read(mine).convert("RGB"), read(wagtail).convert("RGB")
        assert a.size == b.size == (mine.width, mine.height)
        if spec.startswith(("fill", "width", "height", "scale", "original", "max", "min")):
            # Same orientation: the pixel colours agree at a few probe points.
            for x, y in [(1, 1), (a.width - 2, a.height - 2), (a.width // 2, a.height // 2)]:
                assert (
                    max(
                        abs(p - q)
                        for p, q in zip(a.getpixel((x, y)), b.getpixel((x, y)), strict=True)
                    )
                    < 60
                ), (spec, x, y)


def shadowed_master() -> bytes:
    """A product on white with a soft contact shadow: the trim edge is sensitive to
    resampling, so the trim box on reduced pixels is uncertain."""
    shot = product_shot((1200, 1200), fill=0.6)
    from PIL import ImageDraw, ImageFilter

    shadow = Image.new("L", shot.size, 0)
    ImageDraw.Draw(shadow).ellipse((380, 880, 820, 960), fill=70)
    shot.paste((170, 170, 170), mask=shadow.filter(ImageFilter.GaussianBlur(25)))
    return encode(shot, quality=90)


SHADOW_SPECS = [
    "max-500x500|srgb|trimbg|padsquare-88|format-png",
    "max-300x300|trimbg-20|format-png",
    "fill-400x300|trimbg|padratio-4x3-90|format-png",
    # 1200 -> 660 (20/11): a strip of this resize, even on whole source rows, is not the
    # one pass's pixels with Pillow 13; Wagtail's pixels come from one pass.
    "max-660x660|trimbg|padsquare-88|format-png",
]


def _shadow_outputs():
    """(spec, the pipeline's rendition, Wagtail's) for each of SHADOW_SPECS of a soft-shadowed
    master, the pipeline's all generated together."""
    data = shadowed_master()
    ours, theirs = make_image(data, "shadow.jpg"), make_image(data, "shadow.jpg")
    result = generate_renditions(ours, SHADOW_SPECS)
    for spec in SHADOW_SPECS:
        yield spec, result[spec], theirs.get_rendition(spec)


@pytest.mark.parametrize("strips", [False, True])
def test_trimmed_outputs_match_wagtail_to_the_pixel_without_exact_strips(strips, monkeypatch):
    """Where the trim box cannot be found on exact strips of the output (no numpy, or
    :func:`exact.trim_box` cannot decide), a trimmed output whose box is uncertain on reduced
    pixels is Wagtail's, bit for bit."""
    if strips:  # large outputs are resized in strips; they must stay bit-identical
        monkeypatch.setattr("wagtail_lfcloud.channels.decoding.STRIP_PIXELS", 20_000)
    monkeypatch.setattr("wagtail_lfcloud.channels.exact.trim_box", lambda *a: False)
    for spec, mine, wagtail in _shadow_outputs():
        assert (mine.width, mine.height) == (wagtail.width, wagtail.height), spec
        assert read(mine).tobytes() == read(wagtail).tobytes(), spec


@pytest.mark.parametrize("strips", [False, True])
def test_trimmed_outputs_have_wagtails_size_on_a_soft_shadowed_master(strips, monkeypatch):
    """The trim box is found on Wagtail's exact pixels of strips along the product's edges;
    the output itself comes from reduced pixels: Wagtail's size, pixels within the documented
    tolerance (PSNR >= 30 dB)."""
    if strips:
        monkeypatch.setattr("wagtail_lfcloud.channels.decoding.STRIP_PIXELS", 20_000)
    from wagtail_lfcloud.channels import exact

    decided = []
    real = exact.trim_box

    def spy(*args):
        box = real(*args)
        decided.append(box is not False)
        return box

    monkeypatch.setattr("wagtail_lfcloud.channels.exact.trim_box", spy)
    for spec, mine, wagtail in _shadow_outputs():
        assert (mine.width, mine.height) == (wagtail.width, wagtail.height), spec
        assert _psnr(read(mine).convert("RGB"), read(wagtail).convert("RGB")) >= 30, spec
    # max-660 needs more than half the master: rendered as Wagtail does, no strips.
    assert decided == [True, True, True]


def _psnr(a: Image.Image, b: Image.Image) -> float:
    import math

    from PIL import ImageChops, ImageStat

    mse = sum(ImageStat.Stat(ImageChops.difference(a, b)).sum2) / (a.width * a.height * 3)
    return 99.0 if mse == 0 else 10 * math.log10(255**2 / mse)


def test_trim_certain_on_reduced_pixels_is_not_redone_at_full_size():
    """A full-frame textured shot: the box is the whole frame whatever the rounding, so the
    trimmed specs come from the reduced decode; same size as Wagtail's, pixels within the
    documented tolerance (PSNR >= 30 dB)."""
    from PIL import ImageFilter

    shot = noisy((1200, 900), seed=5).filter(ImageFilter.GaussianBlur(1.5))
    data = encode(shot, quality=90)
    ours, theirs = make_image(data, "busy.jpg"), make_image(data, "busy.jpg")
    specs = ["max-500x500|srgb|trimbg|padsquare-88|format-png", "max-300x300|trimbg-20|format-png"]
    with mock.patch(
        "wagtail_lfcloud.channels.pipeline._decode_full", side_effect=AssertionError("redone")
    ):
        result = generate_renditions(ours, specs)
    for spec in specs:
        mine, wagtail = result[spec], theirs.get_rendition(spec)
        assert (mine.width, mine.height) == (wagtail.width, wagtail.height), spec
        assert _psnr(read(mine).convert("RGB"), read(wagtail).convert("RGB")) >= 30, spec


def test_an_uncertain_trim_box_is_redone_from_the_full_size_decode():
    shot = product_shot((1200, 1200), fill=0.6)
    from PIL import ImageDraw, ImageFilter

    shadow = Image.new("L", shot.size, 0)
    ImageDraw.Draw(shadow).ellipse((380, 880, 820, 960), fill=70)
    shot.paste((170, 170, 170), mask=shadow.filter(ImageFilter.GaussianBlur(25)))
    image = make_image(encode(shot, quality=90), "shadow.jpg")
    from wagtail_lfcloud.channels import decoding

    with mock.patch(
        "wagtail_lfcloud.channels.pipeline._decode_full", wraps=decoding._decode_full
    ) as full:
        generate_renditions(image, ["max-500x500|srgb|trimbg|padsquare-88|format-png"])
    assert full.call_count == 1


def test_output_is_portrait_for_a_rotated_landscape_master():
    image = make_image(rotated_master(), "rotated.jpg")
    rendition = generate_renditions(image, ["width-40"])["width-40"]
    assert (rendition.width, rendition.height) == (40, 60)
    pixels = read(rendition).convert("RGB")
    # Orientation 6 turns the red top-left quadrant into the top-right one.
    assert pixels.getpixel((35, 5))[0] > 180 and pixels.getpixel((5, 5))[2] > 150


def test_get_rendition_afterwards_finds_the_rows_without_regenerating():
    image = make_image(rotated_master(), "rotated.jpg")
    result = generate_renditions(image, list(get_presets()))
    assert all(r.pk for r in result.values())
    fresh = type(image).objects.get(pk=image.pk)
    with mock.patch.object(
        type(fresh), "generate_rendition_file", side_effect=AssertionError("regenerated")
    ):
        for key, preset in get_presets().items():
            assert fresh.get_rendition(preset.spec).pk == result[key].pk
    assert fresh.renditions.count() == len(result)


def test_existing_renditions_are_found_first_in_one_query(django_assert_num_queries):
    image = make_image(rotated_master(), "rotated.jpg")
    first = generate_renditions(image, RAW_SPECS)
    fresh = type(image).objects.get(pk=image.pk)
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    with (
        mock.patch("wagtail_lfcloud.channels.pipeline._create", side_effect=AssertionError),
        django_assert_num_queries(1),
    ):
        again = generate_renditions(fresh, RAW_SPECS)
    assert {k: r.pk for k, r in again.items()} == {k: r.pk for k, r in first.items()}


def test_channel_keys_and_specs_can_be_mixed_and_keys_are_kept():
    image = make_image(encode(product_shot((300, 300))), "p.jpg")
    result = generate_renditions(image, ["amazon_main", "fill-20x20", Filter("width-10")])
    assert list(result) == ["amazon_main", "fill-20x20", "width-10"]
    assert result["amazon_main"].filter_spec == get_presets()["amazon_main"].spec


def test_get_channel_rendition_helper():
    image = make_image(encode(product_shot((300, 300))), "p.jpg")
    rendition = get_channel_rendition(image, "pdp_thumb")
    assert (rendition.width, rendition.height) == (160, 160)
    assert rendition.file.name.endswith(".webp")
    with pytest.raises(errors.UnknownChannelError):
        get_channel_rendition(image, "nope")


def test_gps_is_gone_from_every_channel_output_and_cmyk_comes_out_srgb():
    gps = make_image(encode(product_shot((400, 400)), exif=exif_with_privacy()), "gps.jpg")
    cmyk = make_image(cmyk_jpeg((200, 200)), "cmyk.jpg")
    keys = list(get_presets())
    for image in (gps, cmyk):
        for key, rendition in generate_renditions(image, keys).items():
            with rendition.file.open("rb") as f:
                raw = f.read()
            out = Image.open(io.BytesIO(raw))
            assert not out.getexif().get_ifd(0x8825), key
            assert b"SN-123456" not in raw, key
            assert out.mode in ("RGB", "RGBA"), key


def test_byte_budget_is_applied_by_the_pipeline_encoder():
    from .images import noisy

    image = make_image(encode(noisy((600, 400)), quality=95), "noise.jpg")
    rendition = generate_renditions(image, ["email_hero"])["email_hero"]
    assert rendition.file.size <= 200_000
    spec = "format-jpeg|jpegquality-95|maxbytes-150k"
    full = generate_renditions(image, ["format-jpeg|jpegquality-95"])["format-jpeg|jpegquality-95"]
    assert full.file.size > 150_000
    assert generate_renditions(image, [spec])[spec].file.size <= 150_000


def test_png_with_alpha_becomes_jpeg_on_white():
    cutout = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    cutout.paste((200, 0, 0, 255), (30, 30, 70, 70))
    image = make_image(encode(cutout, "PNG"), "cutout.png")
    rendition = generate_renditions(image, ["amazon_additional"])["amazon_additional"]
    out = read(rendition)
    assert out.format == "JPEG" and out.mode == "RGB"
    assert out.getpixel((2, 2)) == (255, 255, 255)


def test_one_pixel_image():
    image = make_image(encode(Image.new("RGB", (1, 1), (10, 200, 10)), "PNG"), "dot.png")
    result = generate_renditions(image, ["amazon_main", "ig_square", "pdp_thumb"])
    assert (result["ig_square"].width, result["ig_square"].height) == (1, 1)
    assert result["amazon_main"].width >= 1


def test_animated_gif_uses_the_first_frame_like_wagtail():
    image = make_image(animated_gif(), "anim.gif")
    mine = generate_renditions(image, ["fill-30x30|format-png"])["fill-30x30|format-png"]
    assert read(mine).convert("RGB").getpixel((15, 15))[0] > 200  # the red first frame


def test_sixteen_bit_png_converts():
    image = make_image(png16(), "deep.png")
    rendition = generate_renditions(image, ["pdp_zoom"])["pdp_zoom"]
    assert read(rendition).mode == "RGB"


def test_a_file_whose_extension_lies_is_read_by_its_content():
    image = make_image(encode(product_shot((200, 200)), "PNG"), "really-a-png.jpg")
    rendition = generate_renditions(image, ["og_share"])["og_share"]
    assert read(rendition).format == "JPEG"


def _replace_file(image, data):
    with default_storage.open(image.file.name, "wb") as f:
        f.write(data)


@pytest.mark.parametrize(
    "data, error, words",
    [
        (b"", errors.EmptyImageError, "empty"),
        (b"GIF89a this is not really a gif", errors.CorruptImageError, "not a readable image"),
        (b"plain text", errors.CorruptImageError, "not a readable image"),
    ],
)
def test_bad_masters_raise_a_clear_error_and_leave_nothing_behind(data, error, words):
    image = make_image(encode(product_shot((100, 100))), "bad.jpg")
    _replace_file(image, data)
    with pytest.raises(error, match=words):
        generate_renditions(image, ["amazon_main", "ig_square"])
    assert image.renditions.count() == 0
    assert rendition_files() == []


def test_truncated_jpeg_raises_corrupt_image_error():
    good = encode(product_shot((300, 300)), quality=95)
    image = make_image(good, "cut.jpg")
    _replace_file(image, good[: len(good) // 2])
    with pytest.raises(errors.CorruptImageError, match="truncated"):
        generate_renditions(image, ["amazon_main", "ig_square"])
    assert image.renditions.count() == 0
    assert rendition_files() == []


def test_decompression_bomb_is_refused(settings):
    image = make_image(encode(product_shot((200, 200))), "big.jpg")
    settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS = 10_000
    with pytest.raises(errors.ImageTooLargeError, match="WAGTAILIMAGES_MAX_IMAGE_PIXELS"):
        generate_renditions(image, ["amazon_main"])
    assert image.renditions.count() == 0


def test_missing_master_file():
    image = make_image(encode(product_shot((100, 100))), "gone.jpg")
    default_storage.delete(image.file.name)
    with pytest.raises(errors.SourceMissingError):
        generate_renditions(image, ["amazon_main"])


def test_a_failure_while_saving_deletes_the_files_already_written():
    image = make_image(encode(product_shot((200, 200))), "p.jpg")
    storage = image.get_rendition_model()._meta.get_field("file").storage
    real_save = storage.save
    calls = []

    def flaky_save(name, content, max_length=None, **options):
        calls.append(name)
        if len(calls) == 3:
            raise OSError("disk full")
        return real_save(name, content, max_length=max_length, **options)

    with (
        mock.patch.object(storage, "save", side_effect=flaky_save),
        # The storage's failure, not the image's: the task runs the set again later.
        pytest.raises(errors.RenditionStorageError, match="disk full"),
    ):
        generate_renditions(image, ["amazon_main", "ig_square", "pdp_thumb", "og_share"])
    assert image.renditions.count() == 0
    assert rendition_files() == []


def test_a_database_failure_deletes_the_files():
    image = make_image(encode(product_shot((200, 200))), "p.jpg")
    Rendition = image.get_rendition_model()
    with (
        mock.patch.object(Rendition.objects, "bulk_create", side_effect=RuntimeError("db down")),
        pytest.raises(RuntimeError),
    ):
        generate_renditions(image, ["amazon_main", "ig_square"])
    assert rendition_files() == []


def test_a_row_created_concurrently_wins_and_our_file_is_removed():
    image = make_image(encode(product_shot((200, 200))), "p.jpg")
    spec = "width-50"
    from wagtail_lfcloud.channels import pipeline

    real = pipeline._save_rows

    def race(image_, jobs, storage):
        image_.get_rendition(spec)  # another worker got there first
        return real(image_, jobs, storage)

    with mock.patch.object(pipeline, "_save_rows", side_effect=race):
        result = generate_renditions(image, [spec, "width-60"])
    assert image.renditions.filter(filter_spec=spec).count() == 1
    assert result[spec].file.name in [f"images/{n}" for n in rendition_files()]
    assert len(rendition_files()) == 2


def test_rendition_files_keep_the_masters_name_whatever_the_spec_length(db):
    """Long channel specs used to push the master's name out of the rendition's file name."""
    import os

    from tests.factories import make_image
    from wagtail_lfcloud.channels import get_preset

    image = make_image(title="SKU12345_2025-10_front")
    stem = os.path.splitext(os.path.basename(image.file.name))[0]
    assert stem.lower() == "sku12345_2025-10_front"
    short = "max-165x165"
    long_spec = get_preset("walmart_main").spec
    assert len(long_spec) > 59, "the case this test is about"
    made = generate_renditions(image, [short, long_spec])
    names = {spec: os.path.basename(made[spec].file.name) for spec in (short, long_spec)}
    # A short spec: Wagtail's own naming.
    assert names[short] == f"{stem}.max-165x165.png"
    # A long one: the master's name stays, the spec becomes a short hash, the name fits.
    assert names[long_spec].startswith(f"{stem}.s") and names[long_spec].endswith(".jpg")
    assert len(names[long_spec]) <= 59
    # Found again by its spec, not regenerated.
    assert generate_renditions(image, [long_spec])[long_spec].pk == made[long_spec].pk


@pytest.mark.parametrize("threads", [1, 2])
def test_outputs_of_the_same_crop_and_size_share_one_resize(settings, threads):
    """Three formats of one size: resized once, whichever output asks last."""
    from wagtail_lfcloud.channels import pipeline

    settings.WAGTAIL_LFCLOUD_RENDITION_THREADS = threads
    image = make_image(encode(product_shot((600, 400)), quality=92), "shared.jpg")
    specs = ["max-200x200|format-jpeg", "max-200x200|format-webp", "max-200x200|format-png"]
    with mock.patch.object(pipeline, "_resize", wraps=pipeline._resize) as resize:
        result = generate_renditions(image, specs)
    assert resize.call_count == 1
    assert {(r.width, r.height) for r in result.values()} == {(200, 133)}


def test_outputs_scaled_down_onto_their_canvas_have_wagtails_size():
    """A pad operation that scales the resized image down onto its canvas: the pipeline
    resizes once, straight to the size on the canvas (Wagtail resizes twice); the canvas, the
    image's place on it and the output's size are Wagtail's, the pixels within the documented
    tolerance."""
    shot = product_shot((1000, 800), fill=0.9)
    data = encode(shot, quality=92)
    ours, theirs = make_image(data, "wide.jpg"), make_image(data, "wide.jpg")
    specs = [
        "max-500x500|srgb|padsquare-90|format-png",
        "max-400x400|padratio-3x4-90|format-png",
        "max-300x300|srgb|padsquare-80-ffffff-250|format-png",
        "max-333x333|srgb|padratio-400x500-95|format-png",
    ]
    result = generate_renditions(ours, specs)
    for spec in specs:
        mine, wagtail = result[spec], theirs.get_rendition(spec)
        assert (mine.width, mine.height) == (wagtail.width, wagtail.height), spec
        assert _psnr(read(mine).convert("RGB"), read(wagtail).convert("RGB")) >= 30, spec


def test_strips_resized_side_by_side_are_the_serial_strips_pixel_for_pixel():
    """A large resize runs its strips on the channel set's strip pool (so an output rendered
    alone still uses every core): the pixels must not depend on it."""
    import concurrent.futures

    from wagtail_lfcloud.channels import decoding

    src = product_shot((2400, 2000), fill=0.7)
    box = (10.5, 20.25, 2390.0, 1990.5)
    size = (1500, 1240)
    assert size[0] * (box[3] - box[1]) > 2 * decoding.STRIP_PIXELS, "several strips"
    serial = decoding._resize(src, size, box)

    class Pool(concurrent.futures.ThreadPoolExecutor):
        submitted = 0

        def submit(self, *args, **kwargs):
            Pool.submitted += 1
            return super().submit(*args, **kwargs)

    with Pool(max_workers=3) as pool:
        parallel = decoding._resize(src, size, box, strip_pool=pool)
    assert Pool.submitted >= 3, "the strips ran on the pool"
    assert parallel.size == serial.size and parallel.mode == serial.mode
    assert parallel.tobytes() == serial.tobytes()


def test_outputs_in_flight_stay_within_the_memory_budget_while_smaller_ones_fill_in(settings):
    """While the next output waits for room in the memory budget
    (``WAGTAIL_LFCLOUD_RENDITION_MEMORY``), smaller ones start beside the one rendering (first
    fit); no two outputs ever weigh more than the budget together, one heavier than the budget
    renders alone, and every file is the one a single thread makes."""
    import threading

    from wagtail_lfcloud.channels import pipeline

    data = encode(product_shot((1600, 1200), fill=0.8), quality=92)
    specs = [
        "max-1600x1600|format-jpeg",  # heavier than the budget below: alone
        "max-1000x1000|format-png",  # weighs 3/5 of it: with small ones only
        "max-900x900|format-webp",
        "max-300x300|format-jpeg",
        "fill-200x200|format-jpeg",
        "max-150x150|format-png",
    ]
    budget = pipeline._weight((1000, 750)) * 5 // 3
    lock = threading.Lock()
    running: dict[str, int] = {}
    seen: list[dict[str, int]] = []
    prepare, encode_job = pipeline._prepare, pipeline._encode

    def tracked_prepare(image, source, original_format, job, *args, **kwargs):
        with lock:
            running[job.filter.spec] = pipeline._job_weight(job)
            seen.append(dict(running))
        return prepare(image, source, original_format, job, *args, **kwargs)

    def tracked_encode(job, prepared):
        try:
            return encode_job(job, prepared)
        finally:
            with lock:
                running.pop(job.filter.spec)

    resized_on: set[str] = set()
    resize = Image.Image.resize

    def tracked_resize(self, *args, **kwargs):
        resized_on.add(threading.current_thread().name.split("_")[0])
        return resize(self, *args, **kwargs)

    files = {}
    for threads in (1, 2):
        settings.WAGTAIL_LFCLOUD_RENDITION_THREADS = threads
        image = make_image(data, "budget.jpg")
        seen.clear()
        settings.WAGTAIL_LFCLOUD_RENDITION_MEMORY = budget
        with (
            mock.patch.object(pipeline, "_prepare", tracked_prepare),
            mock.patch.object(pipeline, "_encode", tracked_encode),
            mock.patch.object(Image.Image, "resize", tracked_resize),
        ):
            made = generate_renditions(image, specs)
        files[threads] = {spec: read(made[spec]).tobytes() for spec in specs}
        for together in seen:
            assert len(together) <= threads, together
            assert len(together) == 1 or sum(together.values()) <= budget, together
    # With two threads, the small outputs rendered beside the large ones.
    large = {"max-1000x1000|format-png", "max-900x900|format-webp"}
    assert any(len(together) == 2 and set(together) & large for together in seen), seen
    # The large resizes' strips ran on the strip pool.
    assert "strips" in resized_on, resized_on
    assert files[1] == files[2]
