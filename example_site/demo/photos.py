"""Synthetic product photos, drawn with Pillow (no downloads): a product on a studio-white background."""

from __future__ import annotations

import io
import random
import zlib

from PIL import Image, ImageDraw, ImageFilter

PALETTE = [
    (40, 60, 120),
    (150, 30, 40),
    (30, 110, 70),
    (200, 140, 40),
    (60, 60, 60),
    (120, 70, 140),
]


def product_photo(
    seed: int,
    angle: str,
    size: tuple[int, int] = (1600, 1600),
    *,
    fill: float = 0.8,
    background=(255, 255, 255),
    version: int = 1,
) -> bytes:
    """A JPEG of a stylised product (a shoe-like shape) photographed from ``angle``.

    ``fill`` is the share of the longest side the product spans; ``version`` shifts the colour slightly,
    the way a retouch would.
    """
    # zlib.crc32, not hash(): str hashes change per process, and the demo photos should not.
    rng = random.Random(seed * 31 + zlib.crc32(angle.encode()) % 997)
    width, height = size
    image = Image.new("RGB", size, background)
    colour = PALETTE[seed % len(PALETTE)]
    colour = tuple(min(255, c + 12 * (version - 1)) for c in colour)
    product_w = int(width * fill)
    product_h = int(product_w * (0.45 if angle in ("side", "left", "right") else 0.7))
    left = (width - product_w) // 2
    top = (height - product_h) // 2
    # Soft contact shadow, then the body, sole and a label.
    shadow = Image.new("L", size, 0)
    ImageDraw.Draw(shadow).ellipse(
        [
            left + product_w * 0.05,
            top + product_h * 0.9,
            left + product_w * 0.95,
            top + product_h * 1.05,
        ],
        fill=60,
    )
    shadow = shadow.filter(ImageFilter.GaussianBlur(radius=max(2, width // 80)))
    image.paste((200, 200, 200), mask=shadow)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(
        [left, top, left + product_w, top + product_h], radius=product_h // 3, fill=colour
    )
    draw.rectangle(
        [left, top + int(product_h * 0.8), left + product_w, top + product_h],
        fill=tuple(c // 2 for c in colour),
    )
    for _ in range(6):
        x = rng.randint(left + product_w // 8, left + product_w * 7 // 8)
        y = rng.randint(top + product_h // 8, top + product_h * 3 // 4)
        r = max(3, product_w // 60)
        draw.ellipse([x - r, y - r, x + r, y + r], fill=(235, 235, 235))
    label = [
        left + product_w // 3,
        top + product_h // 3,
        left + product_w // 2,
        top + product_h // 2,
    ]
    draw.rectangle(label, fill=(250, 250, 245))
    draw.text((label[0] + 8, label[1] + 8), angle.upper(), fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()
