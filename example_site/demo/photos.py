"""Synthetic product photos, drawn with Pillow (no downloads): a product on a studio-white background.

Each ``seed`` draws a different product (shape, proportions, place in the frame, details) and each
angle a different view of it, so the demo's photos do not look alike to the package's look-alike
check (``wagtail_lfcloud.assets.similarity``: a perceptual hash of the picture's coarse layout of light
and dark, blind to colour). ``version`` only shifts the colour, the way a retouch would, so a v2
looks like its v1.
"""

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

#: The silhouettes a seed picks from (seed modulo their number).
SHAPES = ("sneaker", "bag", "boot", "backpack", "shirt", "bottle", "cap", "tote")


def _rng(seed: int, angle: str) -> random.Random:
    # zlib.crc32, not hash(): str hashes change per process, and the demo photos should not.
    return random.Random(seed * 7919 + zlib.crc32(angle.encode()))


def _body(shape: str, angle: str, box: tuple[int, int, int, int], rng: random.Random) -> list:
    """The product's outline as drawing instructions ``(kind, coordinates)`` inside ``box``."""
    left, top, right, bottom = box
    w, h = right - left, bottom - top

    def at(fx: float, fy: float) -> tuple[int, int]:
        return (int(left + fx * w), int(top + fy * h))

    side = angle in ("side", "left", "right", "back")
    if shape == "sneaker":
        if side:
            return [
                (
                    "polygon",
                    [at(0, 1), at(0, 0.45), at(0.3, 0.2), at(0.55, 0.35), at(1, 0.6), at(1, 1)],
                )
            ]
        return [("ellipse", [at(0.2, 0), at(0.8, 1)])]
    if shape == "boot":
        if side:
            return [
                ("polygon", [at(0, 1), at(0, 0), at(0.4, 0), at(0.45, 0.6), at(1, 0.75), at(1, 1)])
            ]
        return [("rectangle", [at(0.3, 0), at(0.7, 1)])]
    if shape == "bag":
        return [
            (
                "polygon",
                [at(0.1 if side else 0, 0.35), at(0.9 if side else 1, 0.35), at(1, 1), at(0, 1)],
            ),
            ("arc", [at(0.3, 0), at(0.7, 0.7)]),
        ]
    if shape == "backpack":
        return [
            ("rounded", [at(0.2 if side else 0.1, 0), at(0.8 if side else 0.9, 1)]),
            ("pocket", [at(0.3, 0.55), at(0.7, 0.9)]),
        ]
    if shape == "shirt":
        return [
            (
                "polygon",
                [
                    at(0, 0.1),
                    at(0.35, 0),
                    at(0.65, 0),
                    at(1, 0.1),
                    at(1, 0.35),
                    at(0.8, 0.3),
                    at(0.8, 1),
                    at(0.2, 1),
                    at(0.2, 0.3),
                    at(0, 0.35),
                ],
            )
        ]
    if shape == "bottle":
        return [
            ("rectangle", [at(0.4, 0), at(0.6, 0.2)]),
            ("rounded", [at(0.25, 0.2), at(0.75, 1)]),
        ]
    if shape == "cap":
        return [
            ("chord", [at(0.1, 0), at(0.9, 1.2)]),
            ("rectangle", [at(0.5 if side else 0, 0.55), at(1, 0.65)]),
        ]
    # tote
    return [
        ("rectangle", [at(0, 0.3), at(1, 1)]),
        ("arc", [at(0.15, 0), at(0.45, 0.6)]),
        ("arc", [at(0.55, 0), at(0.85, 0.6)]),
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
    """A JPEG of a stylised product number ``seed`` photographed from ``angle``.

    ``fill`` is about the share of the frame the product spans; ``version`` shifts the colour
    slightly, the way a retouch would.
    """
    rng = _rng(seed, angle)
    width, height = size
    image = Image.new("RGB", size, background)
    colour = PALETTE[seed % len(PALETTE)]
    colour = tuple(min(255, c + 12 * (version - 1)) for c in colour)
    shape = SHAPES[seed % len(SHAPES)]
    # Proportions and place in the frame vary by product and angle: the coarse layout differs.
    product_w = int(width * fill * rng.uniform(0.6, 1.0))
    product_h = int(height * fill * rng.uniform(0.45, 0.95))
    left = int((width - product_w) * rng.uniform(0.1, 0.9))
    top = int((height - product_h) * rng.uniform(0.15, 0.85))
    box = (left, top, left + product_w, top + product_h)
    # Soft contact shadow under the product.
    shadow = Image.new("L", size, 0)
    ImageDraw.Draw(shadow).ellipse(
        [
            left + product_w * 0.05,
            top + product_h * 0.93,
            left + product_w * 0.95,
            top + product_h * 1.04,
        ],
        fill=60,
    )
    shadow = shadow.filter(ImageFilter.GaussianBlur(radius=max(2, width // 80)))
    image.paste((200, 200, 200), mask=shadow)
    draw = ImageDraw.Draw(image)
    dark = tuple(c // 2 for c in colour)
    light = tuple(min(255, c + 90) for c in colour)
    line = max(4, product_w // 25)
    for kind, xy in _body(shape, angle, box, rng):
        if kind == "polygon":
            draw.polygon(xy, fill=colour)
        elif kind == "ellipse":
            draw.ellipse(xy, fill=colour)
        elif kind == "rectangle":
            draw.rectangle(xy, fill=colour)
        elif kind == "rounded":
            draw.rounded_rectangle(xy, radius=max(4, (xy[1][0] - xy[0][0]) // 5), fill=colour)
        elif kind == "pocket":
            draw.rounded_rectangle(xy, radius=max(4, (xy[1][0] - xy[0][0]) // 6), fill=dark)
        elif kind == "arc":
            draw.arc(xy, 180, 360, fill=dark, width=line)
        elif kind == "chord":
            draw.chord(xy, 180, 360, fill=colour)
    # A stripe or two in a light shade, placed per product and angle, and a label.
    for _ in range(rng.randint(1, 2)):
        y = rng.randint(top + product_h // 5, top + product_h * 4 // 5)
        draw.rectangle(
            [left + product_w // 6, y, left + product_w * 5 // 6, y + line * 2], fill=light
        )
    label_x = rng.randint(left + product_w // 5, left + product_w // 2)
    label_y = rng.randint(top + product_h // 4, top + product_h // 2)
    label = [label_x, label_y, label_x + max(40, product_w // 6), label_y + max(24, product_h // 8)]
    draw.rectangle(label, fill=(250, 250, 245))
    draw.text((label[0] + 8, label[1] + 8), angle.upper(), fill=(20, 20, 20))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()
