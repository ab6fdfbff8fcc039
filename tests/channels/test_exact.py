"""Wagtail's exact pixels of parts of an output, and the trim box found from them."""

import io
import random

import pytest
from PIL import Image, ImageDraw, ImageFilter

from wagtail_lfcloud.channels import analysis, exact

from .images import noisy, product_shot

LANCZOS = Image.Resampling.LANCZOS


def test_this_pillow_is_repeated_exactly():
    # numpy is installed wherever the tests run: the pipeline's fast path is the one tested.
    assert exact.available()


@pytest.mark.parametrize("mode", ["RGB", "L"])
def test_regions_are_pillows_pixels_bit_for_bit(mode):
    """Downscales, upscales and one-axis resizes of a crop, on both sides of Pillow 13's
    choice of the first pass: every region is the same bytes as Pillow's whole resize."""
    rng = random.Random(4)
    for _ in range(40):
        w, h = rng.randrange(30, 260), rng.randrange(30, 260)
        out = (rng.randrange(5, int(w * 1.3)), rng.randrange(5, int(h * 1.3)))
        crop = (rng.randrange(0, 9), rng.randrange(0, 9), w - rng.randrange(0, 5), h)
        image = noisy((w, h), seed=rng.randrange(100)).convert(mode)
        wanted = image.crop(crop).resize(out, LANCZOS)
        resize = exact.ExactResize(image, crop, out)
        for box in [(0, 0, *out), (out[0] // 4, out[1] // 3, out[0], out[1] * 2 // 3 + 1)]:
            assert resize.region(box).tobytes() == wanted.crop(box).tobytes(), (w, h, out, box)


def shadowed(size: int, blur: float) -> Image.Image:
    shot = product_shot((size, size), fill=0.6)
    shadow = Image.new("L", shot.size, 0)
    s = size / 1200
    ImageDraw.Draw(shadow).ellipse((380 * s, 880 * s, 820 * s, 960 * s), fill=70)
    shot.paste((170, 170, 170), mask=shadow.filter(ImageFilter.GaussianBlur(blur * s)))
    buffer = io.BytesIO()
    shot.save(buffer, "JPEG", quality=90)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


@pytest.mark.parametrize("blur", [0, 25, 60])
@pytest.mark.parametrize("out", [1100, 700, 500, 300])
@pytest.mark.parametrize("tolerance", [12, 30])
def test_trim_box_is_the_box_on_wagtails_pixels(blur, out, tolerance):
    """The box from reduced pixels plus exact strips is the box :func:`foreground_bbox` finds
    on Wagtail's whole output, or undecided (the pipeline then renders as Wagtail does)."""
    master = shadowed(2400, blur)
    reduced = master.reduce(2)
    approx = reduced.resize((out, out), LANCZOS)
    wagtail = master.resize((out, out), LANCZOS)
    resize = exact.ExactResize(master, (0, 0, *master.size), (out, out))
    found = exact.trim_box(approx, resize.region, tolerance, None)
    assert found is not False  # these masters are decided
    assert found == analysis.foreground_bbox(wagtail, tolerance, None)


def test_trim_box_on_a_full_frame_texture():
    master = noisy((1800, 1200), seed=8).filter(ImageFilter.GaussianBlur(1.5))
    approx = master.reduce(2).resize((900, 600), LANCZOS)
    resize = exact.ExactResize(master, (0, 0, 1800, 1200), (900, 600))
    found = exact.trim_box(approx, resize.region, 12, None)
    assert found == analysis.foreground_bbox(master.resize((900, 600), LANCZOS), 12, None)


def test_a_check_that_fails_to_run_means_no_strips(monkeypatch, caplog):
    """An older numpy (no ``sliding_window_view``) or another Pillow: the bit-identical fallback,
    not a failed channel set."""

    def broken(rule):
        raise AttributeError("module 'numpy.lib.stride_tricks' has no attribute")

    exact.available.cache_clear()
    monkeypatch.setattr(exact, "_matches", broken)
    try:
        assert exact.available() is None
        assert "exact strips unavailable" in caplog.text
    finally:
        exact.available.cache_clear()
