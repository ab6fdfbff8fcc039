"""A labelled set of generated product photos: expected channel verdicts from published rules.

Each *case* is a deterministic generated file (a product shot made for one channel's size and
ratio, then one thing changed: text on the white, a watermark, a CMYK file, a cropped
product...). Each label says what the channel's published rule makes of it: ``pass``, ``warn``
or ``fail``, and which checks give that verdict. The rule behind every non-pass label is the
channel's citation for that check (``wagtail_lfcloud.channels.citations``); the labels were
written from those words, not from the checks' output.

``score()`` runs the checks and counts right answers, false failures (the checks fail what the
rule lets through) and missed failures (the rule refuses what the checks let through).
``python -m tests.channels.labelled`` prints the table (Django settings required).
"""

from __future__ import annotations

import io
import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from .images import exif_with_privacy

WHITE = (255, 255, 255)

#: Each channel's clean base: (width, height, format). Sizes meet the channel's published
#: minimum and recommended size, ratios its ratio, formats one it takes.
BASES: dict[str, tuple[int, int, str]] = {
    "amazon_main": (1000, 1000, "JPEG"),
    "amazon_additional": (1000, 1000, "JPEG"),
    "shopify_product": (1000, 1000, "JPEG"),
    "ig_square": (1080, 1080, "JPEG"),
    "ig_portrait": (1080, 1350, "JPEG"),
    "ig_story": (1080, 1920, "JPEG"),
    "pinterest_pin": (1000, 1500, "JPEG"),
    "meta_catalog": (1024, 1024, "JPEG"),
    "gmc_main": (1500, 1500, "JPEG"),
    "ebay_gallery": (1000, 1000, "JPEG"),
    "etsy_listing": (1000, 1000, "JPEG"),
    "walmart_main": (2200, 2200, "JPEG"),
    "zalando_packshot": (762, 1100, "JPEG"),
    "tiktok_main": (800, 800, "JPEG"),
    "email_hero": (1200, 600, "JPEG"),
    "email_product": (560, 560, "JPEG"),
    "pdp_zoom": (1000, 1000, "WEBP"),
    "pdp_thumb": (160, 160, "WEBP"),
    "og_share": (1200, 630, "JPEG"),
}

EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp", "ICO": "ico"}


def font(px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=px)


@cache
def _texture() -> Image.Image:
    """A 64 px tile of fabric-like noise (seeded, so every run draws the same pictures)."""
    rng = random.Random(1)
    tile = Image.frombytes("L", (64, 64), bytes(rng.randrange(256) for _ in range(64 * 64)))
    return tile.filter(ImageFilter.GaussianBlur(0.6))


def product_geometry(size, fill: float | None = None) -> tuple[int, int, int, int]:
    """The product's box: 0.7 wide for 1 tall, filling 88 % of a square frame (85 % else)."""
    w, h = size
    fill = fill if fill is not None else (0.88 if w == h else 0.85)
    ph = round(min(h, w / 0.7) * fill)
    pw = round(ph * 0.7)
    left, top = (w - pw) // 2, (h - ph) // 2
    return left, top, left + pw, top + ph


@cache
def _shot(size, fill, background, colour, blur) -> Image.Image:
    left, top, right, bottom = product_geometry(size, fill)
    pw, ph = right - left, bottom - top
    product = Image.new("RGB", (pw, ph), colour)
    shade = Image.new("RGB", (pw, ph), tuple(c // 2 for c in colour))
    noise = Image.new("L", (pw, ph))
    for y in range(0, ph, 64):
        for x in range(0, pw, 64):
            noise.paste(_texture(), (x, y))
    # Texture and stripes, so sharpness and compression behave like a photo.
    product = Image.composite(shade, product, noise.point(lambda v: 110 if v > 150 else 0))
    draw = ImageDraw.Draw(product)
    for x in range(0, pw, 6):
        draw.line((x, 0, x, ph), fill=tuple(c // 2 for c in colour))
    image = Image.new("RGB", size, background)
    image.paste(product, (left, top))
    return image.filter(ImageFilter.GaussianBlur(blur)) if blur else image


def shot(size, fill=None, background=WHITE, colour=(200, 30, 40), blur=0) -> Image.Image:
    """A product (textured, striped) centred on ``background`` (a fresh copy)."""
    return _shot(tuple(size), fill, background, colour, blur).copy()


def save(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    if fmt == "JPEG":
        kwargs.setdefault("quality", 90)
    if fmt == "WEBP":
        kwargs.setdefault("quality", 80)
    if fmt == "GIF" and image.mode not in ("P", "L"):
        image = image.quantize(64)
    image.save(buf, fmt, **kwargs)
    return buf.getvalue()


def text_size(size) -> int:
    """Added text 24 px tall at 1000 px, scaled up with the frame."""
    return max(24, round(0.024 * max(size)))


# --- variations ----------------------------------------------------------------------------


def clean(size):
    return shot(size)


def text_on_white(size):
    image = shot(size)
    px = text_size(size)
    ImageDraw.Draw(image).text((px // 2, px // 2), "SALE 50% OFF", fill=(0, 0, 0), font=font(px))
    return image


def text_across_product(size):
    """A caption that starts on the white and runs across the product."""
    image = shot(size)
    w, h = size
    px = round(text_size(size) * 1.5)
    ImageDraw.Draw(image).text(
        (round(w * 0.04), h // 2), "FREE SHIPPING TODAY", fill=(10, 10, 10), font=font(px)
    )
    return image


def watermark(size):
    """A photographer's mark tiled over the picture, half transparent, clear of the frame
    (a mark crossing the frame also breaks the white-background rules, tested apart)."""
    image = shot(size).convert("RGBA")
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    px = round(text_size(size) * 1.4)
    w, h = size
    for row, y in enumerate(range(px, h - 2 * px, px * 5)):
        for x in range(px + (row % 2) * px * 3, w - 5 * px, px * 7):
            draw.text((x, y), "© STUDIO", fill=(0, 0, 0, 120), font=font(px))
    return Image.alpha_composite(image, layer).convert("RGB")


def label_on_product(size):
    """A sewn-in label with printed words, well inside the product: part of the product."""
    image = shot(size)
    w, h = size
    px = text_size(size)
    box = (w // 2 - 5 * px, h // 2 - px, w // 2 + 5 * px, h // 2 + 2 * px)
    draw = ImageDraw.Draw(image)
    draw.rectangle(box, fill=(245, 240, 228), outline=(120, 20, 30), width=3)
    draw.text(
        (box[0] + px // 2, box[1] + px // 2), "ORGANIC COTTON", fill=(30, 30, 30), font=font(px)
    )
    return image


def printed_fabric(size):
    """A T-shirt print: words printed all over the product, clipped at its outline."""
    image = shot(size)
    left, top, right, bottom = product_geometry(size)
    pw, ph = right - left, bottom - top
    print_layer = Image.new("RGB", (pw, ph), (200, 30, 40))
    draw = ImageDraw.Draw(print_layer)
    px = text_size(size)
    for row, y in enumerate(range(0, ph, px * 3)):
        draw.text(((row % 2) * px * 2 - px, y), "BRAND " * 6, fill=(250, 220, 60), font=font(px))
    image.paste(print_layer, (left, top))
    return image


def embossed_logo(size):
    """A logo pressed into the product: the same colour, a shade darker."""
    image = shot(size)
    w, h = size
    px = text_size(size) * 2
    ImageDraw.Draw(image).text(
        (w // 2 - 2 * px, h // 2 - px // 2), "ACME", fill=(170, 25, 35), font=font(px)
    )
    return image


def cropped(size):
    """The product runs off the right-hand side of the frame."""
    w, h = size
    wide = shot((w + w // 2, h))
    return wide.crop((w // 2, 0, w + w // 2, h))


def small_product(size):
    return shot(size, fill=0.6)


def off_white(size, level=240):
    return shot(size, background=(level, level, level))


def light_grey(size):
    return off_white(size, 228)


def bordered(size):
    image = shot(size)
    w, h = size
    ImageDraw.Draw(image).rectangle((0, 0, w - 1, h - 1), outline=(0, 0, 0), width=8)
    return image


def blurry(size):
    return shot(size, blur=6)


def greyscale(size):
    return shot(size, colour=(90, 90, 90)).convert("L")


@cache
def adobe_rgb_icc() -> bytes:
    """A minimal ICC v2 profile: Adobe RGB (1998) primaries, D50-adapted, gamma 2.2."""

    def xyz(x, y, z):
        return b"XYZ \0\0\0\0" + b"".join(struct.pack(">i", round(v * 65536)) for v in (x, y, z))

    def desc(text):
        raw = text.encode() + b"\0"
        return (
            b"desc\0\0\0\0"
            + struct.pack(">I", len(raw))
            + raw
            + b"\0" * 4
            + b"\0" * 4
            + b"\0" * 3
            + b"\0" * 67
        )

    curve = b"curv\0\0\0\0" + struct.pack(">IH", 1, 563) + b"\0\0"
    tags = [
        (b"desc", desc("Adobe RGB (1998)")),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.6097, 0.3111, 0.0195)),
        (b"gXYZ", xyz(0.2053, 0.6257, 0.0609)),
        (b"bXYZ", xyz(0.1492, 0.0632, 0.7446)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text\0\0\0\0test\0\0\0\0"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for sig, data in tags:
        while len(data) % 4:
            data += b"\0"
        table += sig + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (
        struct.pack(">I", size)
        + b"lcms"
        + bytes([2, 0x10, 0, 0])
        + b"mntrRGB XYZ "
        + bytes(12)
        + b"acsp"
        + bytes(28)
        + struct.pack(">iii", 63190, 65536, 54061)
        + bytes(48)
    )
    assert len(header) == 128, len(header)
    return header + struct.pack(">I", len(tags)) + table + body


def png_16bit_rgb(image: Image.Image) -> bytes:
    """An RGB PNG with 16 bits per channel (Pillow writes 16-bit PNGs in greyscale only)."""
    rgb = image.convert("RGB")
    w, h = rgb.size
    # Every sample v becomes the 16-bit value v * 257 (bytes v, v); each row starts with
    # PNG filter type 0. Done with Pillow's C resize instead of a Python loop per byte.
    samples = Image.frombytes("L", (3 * w, h), rgb.tobytes())
    doubled = samples.resize((6 * w, h), Image.Resampling.NEAREST)
    rows_image = Image.new("L", (6 * w + 1, h), 0)
    rows_image.paste(doubled, (1, 0))
    rows = [rows_image.tobytes()]

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 6))
        + chunk(b"IEND", b"")
    )


def animated_gif(image: Image.Image) -> bytes:
    frames = [image.quantize(64), image.transpose(Image.Transpose.FLIP_LEFT_RIGHT).quantize(64)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=300, loop=0)
    return buf.getvalue()


# --- cases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """How a case's file is made from a channel's base size and format."""

    name: str
    picture: Callable  # size -> PIL image
    encode: Callable | None = None  # (image, base format) -> (bytes, extension)
    size: tuple[int, int] | None = None  # overrides the channel's base size
    master: bool = False  # checked as a master (check_source), not as a delivered file

    def make(self, channel: str) -> tuple[bytes, str]:
        w, h, fmt = BASES[channel]
        return _make(self, self.size or (w, h), fmt)


@cache
def _make(variant: Variant, size: tuple[int, int], fmt: str) -> tuple[bytes, str]:
    """The case's file (cached: channels sharing a base size share the file)."""
    image = variant.picture(size)
    if variant.encode:
        data, ext = variant.encode(image, fmt)
    else:
        data, ext = save(image, fmt), EXTENSIONS[fmt]
    return data, f"{variant.name}.{ext}"


def as_format(fmt):
    return lambda image, _base: (save(image, fmt), EXTENSIONS[fmt])


def as_cmyk(image, _base):
    return save(image.convert("CMYK"), "JPEG", quality=92), "jpg"


def with_adobe_rgb(image, base):
    return save(image, base, icc_profile=adobe_rgb_icc()), EXTENSIONS[base]


def with_gps(image, base):
    return save(image, base, exif=exif_with_privacy()), EXTENSIONS[base]


def png_named_jpg(image, _base):
    return save(image, "PNG"), "jpg"


def as_png16(image, _base):
    return png_16bit_rgb(image), "png"


def as_animated(image, _base):
    return animated_gif(image), "gif"


def low_quality(image, base):
    return save(image, "JPEG", quality=40), "jpg"


VARIANTS = {
    v.name: v
    for v in [
        Variant("clean", clean),
        Variant("text_on_white", text_on_white),
        Variant("text_across_product", text_across_product),
        Variant("watermark", watermark),
        Variant("label_on_product", label_on_product),
        Variant("printed_fabric", printed_fabric),
        Variant("embossed_logo", embossed_logo),
        Variant("cropped", cropped),
        Variant("small_product", small_product),
        Variant("off_white_240", off_white),
        Variant("light_grey_228", light_grey),
        Variant("border", bordered),
        Variant("blurry", blurry),
        Variant("greyscale", greyscale),
        Variant("cmyk_jpeg", clean, as_cmyk),
        Variant("adobe_rgb", clean, with_adobe_rgb),
        Variant("png_16bit", clean, as_png16),
        Variant("static_gif", clean, as_format("GIF")),
        Variant("animated_gif", clean, as_animated),
        Variant("webp", clean, as_format("WEBP")),
        Variant("bmp", clean, as_format("BMP")),
        Variant("png", clean, as_format("PNG")),
        Variant("png_named_jpg", clean, png_named_jpg),
        Variant("gps_exif", clean, with_gps),
        Variant("tiny_400", clean, size=(400, 400)),
        Variant("wide_1600", clean, size=(1600, 1600)),
        Variant("narrow_300", clean, size=(300, 300)),
        Variant("landscape_2_1", clean, size=(1080, 540)),
        Variant("landscape_4_3", clean, size=(1200, 900)),
        Variant("ico", clean, as_format("ICO"), size=(256, 256)),
        Variant("zalando_too_small", clean, size=(700, 1008)),
        Variant("tiny_150", clean, size=(150, 150)),
        Variant("master_cropped", cropped, master=True),
        Variant("master_1200", clean, size=(1200, 1200), master=True),
        Variant("master_1800", clean, size=(1800, 1800), master=True),
        Variant("master_small", clean, size=(400, 400), master=True),
        Variant("master_low_quality", clean, low_quality, master=True),
    ]
}


@dataclass(frozen=True)
class Label:
    status: str  #: pass / warn / fail
    checks: frozenset[str]  #: the checks that give the status (empty for pass)


def L(spec: str) -> Label:
    """``"fail text"``, ``"warn colour_mode srgb"``, ``"pass"``."""
    status, *checks = spec.split()
    return Label(status, frozenset(checks))


#: (variant, channel) -> label. Written from each channel's published words (citations.py):
#: the check named is the rule; its citation gives the page, the words and the date read.
LABELS: dict[tuple[str, str], Label] = {}


def label(variant: str, **channels: str) -> None:
    for channel, spec in channels.items():
        LABELS[(variant, channel)] = L(spec)


ALL = list(BASES)
JPEG_CHANNELS = [c for c in ALL if BASES[c][2] == "JPEG"]

# Clean product shots at each channel's size pass everywhere.
label("clean", **dict.fromkeys(ALL, "pass"))
# Added text and watermarks: refused by Amazon MAIN, eBay, Google; Meta and TikTok (secondary)
# say "shouldn't"; the others publish no rule on text.
for variant in ("text_on_white", "text_across_product", "watermark"):
    label(
        variant,
        amazon_main="fail text",
        ebay_gallery="fail text",
        gmc_main="fail text",
        meta_catalog="warn text",
        tiktok_main="warn text",
        amazon_additional="pass",
        shopify_product="pass",
        pinterest_pin="pass",
        ig_square="pass",
    )
# Text that is part of the product is not added text: no channel refuses it.
for variant in ("label_on_product", "printed_fabric", "embossed_logo"):
    label(
        variant,
        amazon_main="pass",
        ebay_gallery="pass",
        gmc_main="pass",
        meta_catalog="pass",
        tiktok_main="pass",
    )
# A product cut by the frame: Amazon suppresses a cropped product; Google wants the entire
# product visible.
# (Where the product crosses the frame, the frame is not white: Amazon's "pure white
# background" fails too, and Meta's "white backdrop" recommendation warns.)
label(
    "cropped",
    amazon_main="fail edge_touch background",
    gmc_main="fail edge_touch",
    ebay_gallery="pass",
    meta_catalog="warn background",
)
label("master_cropped", amazon_main="fail source_edge_touch", gmc_main="fail source_edge_touch")
# Product fill: Amazon 85 % (suppressed), Google 75-90 % best practice, TikTok 80 % (secondary).
label(
    "small_product",
    amazon_main="fail fill",
    gmc_main="warn fill",
    tiktok_main="warn fill",
    ebay_gallery="pass",
)
# Backgrounds: Amazon and Walmart require 255,255,255; the others recommend white. An
# off-white backdrop is background, not product: fill and edge checks stay right.
label(
    "off_white_240",
    amazon_main="fail background",
    walmart_main="fail background",
    tiktok_main="warn background",
    gmc_main="pass",
    meta_catalog="pass",
    zalando_packshot="pass",
)
label(
    "light_grey_228",
    amazon_main="fail background",
    walmart_main="fail background",
    tiktok_main="warn background",
    gmc_main="warn background",
    meta_catalog="warn background",
    zalando_packshot="warn background",
)
# An added frame: Amazon, eBay and Google refuse borders; on Amazon the black frame is also a
# non-white background reaching the frame.
label(
    "border",
    amazon_main="fail border background",
    ebay_gallery="fail border",
    gmc_main="fail border",
)
label(
    "blurry", amazon_main="warn sharpness", zalando_packshot="warn sharpness", ebay_gallery="pass"
)
# TikTok wants colour images; Amazon names RGB or CMYK; Walmart RGB.
label(
    "greyscale",
    tiktok_main="fail grayscale",
    amazon_main="warn colour_mode",
    walmart_main="fail colour_mode",
    ebay_gallery="pass",
)
# Colour spaces: Amazon accepts CMYK (RGB preferred); Walmart and eBay want RGB; Instagram and
# Meta convert other colour spaces to sRGB.
label(
    "cmyk_jpeg",
    amazon_main="warn colour_mode srgb",
    amazon_additional="warn colour_mode",
    walmart_main="fail colour_mode",
    ebay_gallery="fail colour_mode",
    ig_square="warn srgb",
    meta_catalog="warn srgb",
    gmc_main="pass",
    shopify_product="pass",
)
label(
    "adobe_rgb",
    ig_square="warn srgb",
    ig_portrait="warn srgb",
    ig_story="warn srgb",
    meta_catalog="warn srgb",
    shopify_product="pass",
)
# Bit depth: Amazon takes PNG with no bit-depth rule; Walmart asks for 8 bits.
label(
    "png_16bit",
    amazon_main="pass",
    amazon_additional="pass",
    walmart_main="fail colour_mode",
    ebay_gallery="pass",
    gmc_main="pass",
)
# Every GIF is a palette image: Amazon takes non-animated GIFs; Walmart and Instagram refuse GIF.
label(
    "static_gif",
    amazon_main="pass",
    amazon_additional="pass",
    ebay_gallery="pass",
    shopify_product="pass",
    gmc_main="pass",
    etsy_listing="pass",
    walmart_main="fail format",
    ig_square="fail format",
    meta_catalog="fail format",
    pinterest_pin="fail format",
    tiktok_main="fail format",
    zalando_packshot="fail format",
    email_product="pass",
)
label(
    "animated_gif",
    amazon_main="fail animation",
    amazon_additional="fail animation",
    ebay_gallery="fail animation",
    ig_square="fail format animation",
)
label(
    "webp",
    amazon_main="fail format",
    ebay_gallery="pass",
    gmc_main="pass",
    shopify_product="pass",
    walmart_main="fail format",
    email_hero="fail format",
    email_product="fail format",
    og_share="fail format",
)
# An uncompressed 2200 px BMP is 14.5 MB: over Walmart's 5 MB.
label(
    "bmp",
    walmart_main="fail file_size",
    gmc_main="pass",
    ebay_gallery="pass",
    amazon_main="fail format",
)
label(
    "png",
    pdp_zoom="fail format",
    pdp_thumb="fail format",
    zalando_packshot="fail format",
    ig_story="fail format",
    etsy_listing="pass",
    og_share="pass",
)
label("png_named_jpg", gmc_main="fail extension", amazon_main="warn extension")
# Metadata is a house rule: a warning everywhere (renditions strip it).
label("gps_exif", **dict.fromkeys(JPEG_CHANNELS, "warn privacy"))
# Sizes.
label(
    "tiny_400",
    amazon_main="fail min_longest",
    amazon_additional="fail min_longest",
    ebay_gallery="fail min_longest",
    gmc_main="fail min_shortest",
    meta_catalog="fail min_shortest",
    walmart_main="fail min_shortest",
    tiktok_main="fail min_shortest",
    etsy_listing="warn min_longest",
    ig_square="pass",
    og_share="pass",
)
label("narrow_300", ig_square="warn min_width", og_share="pass")
label("wide_1600", ig_square="warn max_width", amazon_main="pass", shopify_product="pass")
label(
    "landscape_2_1",
    ig_square="fail aspect_ratio",
    ig_portrait="fail aspect_ratio",
    walmart_main="fail aspect_ratio min_shortest",
    shopify_product="warn aspect_ratio",
    meta_catalog="warn aspect_ratio min_shortest",
    tiktok_main="fail min_shortest",
    email_hero="warn min_width",
)
label(
    "landscape_4_3",
    ig_square="warn aspect_ratio",
    ig_portrait="warn aspect_ratio",
    ig_story="warn aspect_ratio",
    pinterest_pin="warn aspect_ratio",
    zalando_packshot="fail aspect_ratio min_height",
    walmart_main="fail aspect_ratio min_shortest",
)
label(
    "master_small",
    amazon_main="fail source_min_longest",
    gmc_main="fail source_min_shortest",
    meta_catalog="fail source_min_shortest",
    walmart_main="fail source_min_shortest",
    ebay_gallery="fail source_min_longest",
    zalando_packshot="fail source_min_longest",
    tiktok_main="fail source_min_shortest",
    ig_square="warn source_min_shortest upscale",
)
label(
    "master_low_quality",
    amazon_main="fail source_jpeg_quality",
    tiktok_main="fail source_jpeg_quality",
    gmc_main="warn source_jpeg_quality",
    ebay_gallery="warn source_jpeg_quality",
)


# --- scoring -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    variant: str
    channel: str
    expected: Label
    got: Label
    messages: tuple[str, ...]

    @property
    def right(self) -> bool:
        return self.expected == self.got

    @property
    def false_failure(self) -> bool:
        return self.got.status == "fail" and self.expected.status != "fail"

    @property
    def missed_failure(self) -> bool:
        return self.expected.status == "fail" and self.got.status != "fail"


#: Source checks a master case is judged on (a master's upscale/size warnings for the
#: preset's own output are ours, so master labels name them where the case is about them).
IGNORED_ON_OUTPUT: frozenset[str] = frozenset()


def verdict(variant: Variant, channel: str) -> tuple[Label, tuple[str, ...]]:
    from wagtail_lfcloud.channels.compliance import check_bytes, check_source

    data, name = variant.make(channel)
    report = (
        check_source(io.BytesIO(data), channel)
        if variant.master
        else check_bytes(data, name, channel)
    )
    results = [r for r in report.results if r.code != "readable" or r.status != "pass"]
    if variant.master:
        # A master's "upscale" is about the preset's output box, not the channel's rule: only
        # the labels that name it score it.
        results = [
            r
            for r in results
            if r.code != "upscale"
            or "upscale" in LABELS.get((variant.name, channel), L("pass")).checks
        ]
    worst = max((r.status for r in results), key=["pass", "warn", "fail"].index, default="pass")
    checks = frozenset(r.code for r in results if r.status == worst and worst != "pass")
    messages = tuple(f"{r.code}={r.status}: {r.message}" for r in results if r.status != "pass")
    return Label(worst, checks), messages


def score(labels: dict[tuple[str, str], Label] | None = None) -> list[Outcome]:
    outcomes = []
    for (name, channel), expected in (labels or LABELS).items():
        got, messages = verdict(VARIANTS[name], channel)
        outcomes.append(Outcome(name, channel, expected, got, messages))
    return outcomes


def summary(outcomes: list[Outcome]) -> str:
    right = sum(o.right for o in outcomes)
    others = sum(not (o.right or o.false_failure or o.missed_failure) for o in outcomes)
    lines = [
        (
            f"labelled set: {right}/{len(outcomes)} right, "
            f"{sum(o.false_failure for o in outcomes)} false failures, "
            f"{sum(o.missed_failure for o in outcomes)} missed failures, "
            f"{others} other mismatches (pass/warn or the wrong checks)"
        )
    ]
    for o in outcomes:
        if not o.right:
            kind = (
                "FALSE FAILURE"
                if o.false_failure
                else "MISSED FAILURE"
                if o.missed_failure
                else "MISMATCH"
            )
            lines.append(
                f"  {kind}: {o.variant} x {o.channel}: expected {o.expected.status} "
                f"{sorted(o.expected.checks)}, got {o.got.status} {sorted(o.got.checks)}"
            )
            lines += [f"      {m}" for m in o.messages]
    return "\n".join(lines)


# --- coverage: every rule of every channel broken by at least one case -----------------------

label(
    "bmp",
    amazon_additional="fail format",
    shopify_product="fail format",
    etsy_listing="fail format",
)
label("ico", gmc_main="fail format min_shortest", ebay_gallery="fail format min_longest")
label("static_gif", ig_portrait="fail format")
label("animated_gif", ig_portrait="fail format animation")
label("narrow_300", ig_portrait="warn min_width aspect_ratio")
label("wide_1600", ig_portrait="warn max_width aspect_ratio")
label("landscape_4_3", tiktok_main="warn aspect_ratio")
label("zalando_too_small", zalando_packshot="fail min_width min_height")
label("tiny_150", og_share="fail min_width min_height")
label("gps_exif", pdp_zoom="warn privacy", pdp_thumb="warn privacy")
# Masters: the output would be smaller than the preset asks (Wagtail never upscales).
label(
    "master_1200",
    amazon_main="warn upscale",
    gmc_main="warn source_min_shortest upscale",
    walmart_main="fail source_min_shortest",
    pinterest_pin="warn upscale",
    ig_portrait="warn upscale",
    ig_story="warn upscale",
    ig_square="pass",
    og_share="pass",
    email_hero="pass",
)
label("master_1800", walmart_main="warn source_min_shortest upscale")
label(
    "master_small",
    amazon_additional="fail source_min_longest",
    shopify_product="warn source_min_longest",
    etsy_listing="warn source_min_shortest",
    ig_portrait="warn source_min_shortest upscale",
    ig_story="warn source_min_shortest upscale",
    pdp_zoom="warn source_min_longest",
    email_hero="warn upscale",
    og_share="warn upscale",
)
label(
    "master_low_quality",
    amazon_additional="warn source_jpeg_quality",
    # (these channels also recommend larger masters than the channel's clean base)
    shopify_product="warn source_jpeg_quality source_min_longest",
    etsy_listing="warn source_jpeg_quality source_min_shortest",
    walmart_main="warn source_jpeg_quality",
    zalando_packshot="warn source_jpeg_quality source_min_longest",
    pdp_zoom="warn source_jpeg_quality source_min_longest",
)


if __name__ == "__main__":  # pragma: no cover - a developer's view of the scores
    import django

    django.setup()
    print(summary(score()))
