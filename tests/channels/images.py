"""Crafted test images whose compliance verdicts are known in advance."""

from __future__ import annotations

import io
import random

from django.core.files.images import ImageFile
from PIL import Image, ImageDraw, ImageFilter
from wagtail.images import get_image_model

WHITE = (255, 255, 255)
RED = (200, 30, 40)


def product_shot(
    size: tuple[int, int] = (400, 400),
    fill: float = 0.88,
    background: tuple[int, int, int] = WHITE,
    colour: tuple[int, int, int] = RED,
    aspect: float = 0.7,
    blur: float = 0,
) -> Image.Image:
    """A product (textured rectangle) centred on ``background``; its longest side (the
    height) is ``fill`` of the frame's height. ``aspect`` is product width / height."""
    w, h = size
    ph = round(h * fill)
    pw = round(ph * aspect)
    image = Image.new("RGB", size, background)
    product = Image.new("RGB", (pw, ph), colour)
    draw = ImageDraw.Draw(product)
    rng = random.Random(1)
    # Fine texture so sharpness and compression behave like a photo, not a flat block.
    for _ in range(pw * ph // 40):
        x, y = rng.randrange(pw), rng.randrange(ph)
        shade = tuple(max(0, min(255, c + rng.randint(-60, 60))) for c in colour)
        draw.point((x, y), fill=shade)
    for i in range(0, pw, 6):
        draw.line((i, 0, i, ph), fill=tuple(c // 2 for c in colour))
    image.paste(product, ((w - pw) // 2, (h - ph) // 2))
    if blur:
        image = image.filter(ImageFilter.GaussianBlur(blur))
    return image


def marker_image(size=(120, 80)) -> Image.Image:
    """Landscape image with a red top-left quadrant and blue elsewhere: shows orientation."""
    image = Image.new("RGB", size, (20, 40, 220))
    image.paste((230, 20, 20), (0, 0, size[0] // 2, size[1] // 2))
    return image


def noisy(size=(300, 300), seed=3) -> Image.Image:
    rng = random.Random(seed)
    data = bytes(rng.randrange(256) for _ in range(size[0] * size[1] * 3))
    return Image.frombytes("RGB", size, data)


def exif_with_privacy(orientation: int | None = None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Camera Maker"
    exif[0x0110] = "Model X"
    if orientation:
        exif[0x0112] = orientation
    exif.get_ifd(0x8769)[0xA431] = "SN-123456"  # BodySerialNumber
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (52.0, 31.0, 12.0)
    gps[3] = "E"
    gps[4] = (13.0, 24.0, 0.0)
    return exif


def encode(image: Image.Image, fmt: str = "JPEG", **kwargs) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
        image = image.convert("RGB")
    image.save(buf, fmt, **kwargs)
    return buf.getvalue()


def animated_gif(size=(60, 40)) -> bytes:
    frames = [Image.new("RGB", size, c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return buf.getvalue()


def png16(size=(64, 48)) -> bytes:
    gradient = Image.linear_gradient("L").resize(size).convert("I")
    image = gradient.point(lambda v: v * 257)  # 0..65535
    buf = io.BytesIO()
    image.convert("I;16").save(buf, "PNG")
    return buf.getvalue()


def cmyk_jpeg(size=(80, 60)) -> bytes:
    image = Image.new("CMYK", size, (0, 255, 255, 0))  # pure red ink, no profile
    return encode(image, "JPEG", quality=95)


def make_image(data: bytes, name: str = "master.jpg", **fields):
    """Save ``data`` as a new image of the configured Wagtail image model."""
    Image_ = get_image_model()
    return Image_.objects.create(title=name, file=ImageFile(io.BytesIO(data), name=name), **fields)
