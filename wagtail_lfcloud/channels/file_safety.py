"""Refuse image files that carry something other than an image (polyglots).

A file can decode as a perfectly good JPEG or PNG and still hold an HTML page or a ZIP archive,
in a metadata segment, between its structures or appended after the end of the image. Served by
anything that sniffs content, or downloaded and unzipped, that payload runs or spreads. Masters
exported by a studio never need either, so such files are refused before anything is stored.

The originals are kept byte for byte (retouchers and printers need the exact master: 16 bits,
ICC profile, the JPEG's own quantisation), so the package checks them rather than re-encoding
them; every rendition it serves is re-encoded from decoded pixels anyway. The check walks the
whole file's container structure, not a window of it:

- JPEG: every segment from the start-of-image marker, through the entropy-coded data of each
  scan, to the end-of-image marker that really ends the image (an ``FF D9`` inside a segment or
  appended later does not count); multi-picture (MPO) files may follow with further complete
  JPEG images;
- PNG: every chunk, each length and CRC, up to the *first* ``IEND``;
- GIF: every block and sub-block up to the trailer;
- WebP: the RIFF length and every chunk inside it;
- TIFF: every image file directory, the values and strips or tiles they point at; the file may
  not extend past the last byte they reference.

A file is refused when more than :data:`PADDING_ALLOWED` bytes (or anything but NULs and
whitespace) follow the end of its image, when a metadata block (JPEG APPn/COM segments, PNG text
chunks, GIF comments, WebP EXIF/XMP, TIFF text tags) holds HTML, script or SVG markup, when the
file anywhere holds an unmistakable HTML or script signature (:data:`SIGNATURES`, long enough
never to occur by chance in compressed pixels), or when it is also a ZIP archive.
Structural damage (a chunk running past the end, a bad CRC) raises :class:`DamagedFile`.
"""

from __future__ import annotations

import contextlib
import io
import mmap
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

#: Markup a browser would render or run. Searched in metadata blocks and trailers, where text
#: is text: an HTML document, a script, an SVG, an iframe, PHP.
MARKUP = re.compile(
    rb"<(?:!doctype\s+html|html[\s>]|body[\s>]|script[\s>/]|svg[\s>]|iframe[\s>]|\?php)",
    re.IGNORECASE,
)
#: Searched in the whole file, compressed pixel data included: each is at least eight fixed
#: bytes, so a random 100 MB file holds one by chance with a probability under 1e-9.
SIGNATURES = re.compile(
    rb"<(?:!doctype\s+html|html\s*>|script[\s>/][^<]{0,200}</script|iframe[\s>][^<]{0,200}</iframe"
    rb"|\?php\s|svg\s+xmlns\s*=)",
    re.IGNORECASE,
)
#: Bytes some encoders leave after the end of the image (NULs, line breaks); not a payload.
PADDING_ALLOWED = 16
#: Largest decompressed PNG text chunk inspected (larger ones are refused as suspicious).
MAX_TEXT_CHUNK = 4 * 1024 * 1024

AGAIN = " Export the image again from your editing software and upload that file."


class UnsafeFile(ValueError):
    """The file carries a payload besides its image. ``str(error)`` says what was found."""


class DamagedFile(ValueError):
    """The file's container structure is broken (truncated, bad lengths or checksums)."""


@dataclass
class Structure:
    """What the walk of a file's container found."""

    format: str
    #: Offset just past the image's last byte (its end marker, chunk or referenced data).
    end: int
    #: Byte ranges (start, end) of metadata blocks, searched for markup.
    metadata: list[tuple[int, int]] = field(default_factory=list)
    #: Decompressed metadata text (PNG zTXt/iTXt), searched for markup.
    texts: list[bytes] = field(default_factory=list)
    #: (width, height) of each frame where the container says it (GIF image descriptors).
    frames: list[tuple[int, int]] = field(default_factory=list)


@contextlib.contextmanager
def file_bytes(file) -> Iterator[bytes | mmap.mmap]:
    """The whole content of ``file`` as a bytes-like object, memory-mapped when it is on disk
    (a ``TemporaryUploadedFile``), so a large upload is not copied into memory."""
    fileno = None
    with contextlib.suppress(AttributeError, OSError, ValueError, io.UnsupportedOperation):
        fileno = file.fileno()
    if fileno is not None:
        file.seek(0, 2)
        if file.tell() == 0:
            yield b""
            return
        mapped = mmap.mmap(fileno, 0, access=mmap.ACCESS_READ)
        try:
            yield mapped
        finally:
            mapped.close()
        return
    file.seek(0)
    yield file.read()


# --- the walkers -----------------------------------------------------------------------------


def _need(data, pos: int, count: int, what: str) -> None:
    if pos + count > len(data):
        raise DamagedFile(
            f"it ends inside {what} (byte {pos:,} of {len(data):,}): the file is truncated"
        )


#: The first byte of a marker after entropy-coded data (not a stuffed 00, a restart or a fill).
_ENTROPY_END = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def _walk_jpeg(data, start: int = 0) -> Structure:
    found = Structure("jpeg", 0)
    pos = start + 2
    multi_picture = False
    while True:
        _need(data, pos, 2, "a JPEG marker")
        if data[pos] != 0xFF:
            raise DamagedFile(f"a JPEG marker was expected at byte {pos:,}")
        while data[pos] == 0xFF:
            pos += 1
            _need(data, pos, 1, "a JPEG marker")
        marker = data[pos]
        pos += 1
        if marker == 0xD9:  # end of image
            found.end = pos
            break
        if 0xD0 <= marker <= 0xD7 or marker in (0x01, 0xD8):
            continue
        _need(data, pos, 2, "a JPEG segment length")
        length = struct.unpack_from(">H", data, pos)[0]
        if length < 2:
            raise DamagedFile(f"the JPEG segment at byte {pos:,} has an impossible length")
        _need(data, pos, length, "a JPEG segment")
        if 0xE0 <= marker <= 0xEF or marker == 0xFE:
            found.metadata.append((pos + 2, pos + length))
            if marker == 0xE2 and data[pos + 2 : pos + 6] == b"MPF\x00":
                multi_picture = True
        pos += length
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next real marker
            match = _ENTROPY_END.search(data, pos)
            if match is None:
                raise DamagedFile(
                    "its image data has no end (no end-of-image marker): the file is truncated"
                )
            pos = match.start()
    if multi_picture:
        # MPO (cameras' multi-picture JPEG): further complete JPEG images follow the first one.
        while True:
            nxt = found.end
            while nxt < len(data) and nxt - found.end <= PADDING_ALLOWED and data[nxt] == 0:
                nxt += 1
            if data[nxt : nxt + 2] != b"\xff\xd8":
                break
            following = _walk_jpeg(data, nxt)
            found.end = following.end
            found.metadata += following.metadata
    return found


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_TEXT_CHUNKS = {b"tEXt", b"zTXt", b"iTXt"}


def _inflate(payload: bytes, what: str) -> bytes:
    inflater = zlib.decompressobj()
    try:
        text = inflater.decompress(payload, MAX_TEXT_CHUNK)
    except zlib.error as exc:
        raise DamagedFile(f"its {what} chunk does not decompress ({exc})") from exc
    if inflater.unconsumed_tail:
        raise UnsafeFile(
            f"its {what} text chunk decompresses to more than {MAX_TEXT_CHUNK // 1024 // 1024} MB"
        )
    return text


def _walk_png(data) -> Structure:
    found = Structure("png", 0)
    pos = len(PNG_SIGNATURE)
    view = memoryview(data)
    try:
        first = True
        while True:
            _need(data, pos, 12, "a PNG chunk header")
            length, kind = struct.unpack_from(">I4s", data, pos)
            if length > 0x7FFFFFFF or not kind.isalpha():
                raise DamagedFile(f"the PNG chunk at byte {pos:,} is damaged")
            if first and kind != b"IHDR":
                raise DamagedFile("it does not start with a PNG header chunk")
            first = False
            _need(data, pos + 8, length + 4, f"the PNG {kind.decode()} chunk")
            body = (pos + 8, pos + 8 + length)
            (crc,) = struct.unpack_from(">I", data, body[1])
            if zlib.crc32(view[pos + 4 : body[1]]) & 0xFFFFFFFF != crc:
                raise DamagedFile(
                    f"the checksum of its PNG {kind.decode()} chunk at byte {pos:,} is wrong"
                )
            pos = body[1] + 4
            if kind == b"IEND":
                found.end = pos
                return found
            if kind in (
                b"IDAT",
                b"fdAT",
                b"IHDR",
                b"PLTE",
                b"tRNS",
                b"acTL",
                b"fcTL",
                b"gAMA",
                b"cHRM",
                b"sRGB",
                b"pHYs",
                b"bKGD",
                b"sBIT",
                b"iCCP",
                b"tIME",
                b"hIST",
                b"sPLT",
                b"cICP",
            ):
                continue
            # Text and anything unknown is metadata.
            found.metadata.append(body)
            if kind == b"zTXt":
                key_end = data.find(b"\x00", body[0], body[1])
                if key_end >= 0:
                    found.texts.append(_inflate(bytes(view[key_end + 2 : body[1]]), "zTXt"))
            elif kind == b"iTXt":
                key_end = data.find(b"\x00", body[0], body[1])
                if key_end >= 0 and key_end + 1 < body[1] and data[key_end + 1] == 1:
                    rest = key_end + 3
                    for _ in range(2):  # language tag, translated keyword
                        rest = data.find(b"\x00", rest, body[1]) + 1
                    if rest > 0:
                        found.texts.append(_inflate(bytes(view[rest : body[1]]), "iTXt"))
    finally:
        view.release()


def _walk_gif(data) -> Structure:
    found = Structure("gif", 0)
    _need(data, 0, 13, "the GIF header")
    flags = data[10]
    pos = 13
    if flags & 0x80:
        pos += 3 * (2 ** ((flags & 7) + 1))

    def sub_blocks(pos: int) -> int:
        while True:
            _need(data, pos, 1, "a GIF data block")
            size = data[pos]
            pos += 1
            if size == 0:
                return pos
            _need(data, pos, size, "a GIF data block")
            pos += size

    while True:
        _need(data, pos, 1, "a GIF block")
        kind = data[pos]
        if kind == 0x3B:  # trailer
            found.end = pos + 1
            return found
        if kind == 0x21:  # extension
            _need(data, pos, 2, "a GIF extension")
            label = data[pos + 1]
            start = pos + 2
            pos = sub_blocks(start)
            if label in (0xFE, 0xFF):  # comment, application (XMP lives here)
                found.metadata.append((start, pos))
        elif kind == 0x2C:  # image descriptor
            _need(data, pos, 11, "a GIF image descriptor")
            left, top, width, height, image_flags = struct.unpack_from("<HHHHB", data, pos + 1)
            found.frames.append((left + width, top + height))
            pos += 10
            if image_flags & 0x80:
                pos += 3 * (2 ** ((image_flags & 7) + 1))
            pos = sub_blocks(pos + 1)  # after the LZW minimum code size
        else:
            raise DamagedFile(f"an unknown GIF block (0x{kind:02x}) is at byte {pos:,}")


def _walk_webp(data) -> Structure:
    found = Structure("webp", 0)
    _need(data, 0, 12, "the RIFF header")
    riff_end = 8 + struct.unpack_from("<I", data, 4)[0]
    if riff_end > len(data):
        raise DamagedFile(
            f"its RIFF header promises {riff_end:,} bytes but the file has {len(data):,}: it is truncated"
        )
    pos = 12
    while pos + 8 <= riff_end:
        kind, length = struct.unpack_from("<4sI", data, pos)
        body = (pos + 8, pos + 8 + length)
        if body[1] > riff_end:
            raise DamagedFile(
                f"the WebP {kind.decode('latin-1')!r} chunk at byte {pos:,} runs past the end"
            )
        if kind in (b"EXIF", b"XMP ") or kind not in (
            b"VP8 ",
            b"VP8L",
            b"VP8X",
            b"ALPH",
            b"ANIM",
            b"ANMF",
            b"ICCP",
        ):
            found.metadata.append(body)
        pos = body[1] + (length & 1)
    found.end = riff_end
    return found


_TIFF_TYPE_SIZES = {
    1: 1,
    2: 1,
    3: 2,
    4: 4,
    5: 8,
    6: 1,
    7: 1,
    8: 2,
    9: 4,
    10: 8,
    11: 4,
    12: 8,
    13: 4,
    16: 8,
    17: 8,
    18: 8,
}
#: Tags whose values point at other IFDs (SubIFDs, EXIF, GPS, Interoperability).
_TIFF_IFD_POINTERS = {330, 34665, 34853, 40965}
#: Pairs (offsets tag, byte counts tag): strips, tiles, JPEG interchange format.
_TIFF_DATA = ((273, 279), (324, 325), (513, 514))
#: Tags holding text or XML a viewer may show: description, make, model, software, artist,
#: host computer, copyright, XMP, IPTC, Photoshop resources.
_TIFF_TEXT_TAGS = {270, 271, 272, 305, 315, 316, 33432, 700, 33723, 34377}


def _walk_tiff(data) -> Structure:
    found = Structure("tiff", 0)
    _need(data, 0, 8, "the TIFF header")
    order = "<" if data[:2] == b"II" else ">"
    big = struct.unpack_from(order + "H", data, 2)[0] == 43
    end = 8 if not big else 16
    if big:
        first = struct.unpack_from(order + "Q", data, 8)[0]
        count_fmt, entry_size, entry_fmt, offset_fmt, inline = "Q", 20, "HHQ", "Q", 8
    else:
        first = struct.unpack_from(order + "I", data, 4)[0]
        count_fmt, entry_size, entry_fmt, offset_fmt, inline = "H", 12, "HHI", "I", 4
    count_size = struct.calcsize(count_fmt)
    queue, seen = [first], set()
    while queue:
        ifd = queue.pop()
        if not ifd or ifd in seen:
            continue
        if len(seen) > 10_000:
            raise DamagedFile("it has more than 10,000 TIFF directories")
        seen.add(ifd)
        _need(data, ifd, count_size, "a TIFF directory")
        (entries,) = struct.unpack_from(order + count_fmt, data, ifd)
        table = ifd + count_size
        _need(data, table, entries * entry_size + inline, "a TIFF directory")
        end = max(end, table + entries * entry_size + inline)
        values: dict[int, list[int]] = {}
        for i in range(entries):
            at = table + i * entry_size
            tag, kind, count = struct.unpack_from(order + entry_fmt, data, at)
            size = _TIFF_TYPE_SIZES.get(kind, 1) * count
            where = at + (12 if big else 8)
            if size > inline:
                (where,) = struct.unpack_from(order + offset_fmt, data, where)
                _need(data, where, size, f"the value of TIFF tag {tag}")
                end = max(end, where + size)
            if tag in _TIFF_TEXT_TAGS:
                found.metadata.append((where, where + size))
            if (
                kind in (3, 4, 13, 16)
                and count <= 1_000_000
                and (tag in _TIFF_IFD_POINTERS or any(tag in pair for pair in _TIFF_DATA))
            ):
                fmt = {3: "H", 4: "I", 13: "I", 16: "Q"}[kind]
                values[tag] = list(struct.unpack_from(f"{order}{count}{fmt}", data, where))
        for tag in _TIFF_IFD_POINTERS & values.keys():
            queue.extend(values[tag])
        for offsets_tag, counts_tag in _TIFF_DATA:
            offsets, counts = values.get(offsets_tag, []), values.get(counts_tag, [])
            if offsets_tag == 513 and not counts:
                continue
            # A hostile file may list more offsets than counts (or the reverse): only the pairs
            # describe data, and each of those must lie inside the file.
            for offset, length in zip(offsets, counts, strict=False):
                _need(data, offset, length, f"the image data of TIFF tag {offsets_tag}")
                end = max(end, offset + length)
        (following,) = struct.unpack_from(order + offset_fmt, data, table + entries * entry_size)
        queue.append(following)
    found.end = end
    return found


def walk(data) -> Structure | None:
    """The container structure of ``data``, or ``None`` for formats not walked (SVG, AVIF, ...).

    Raises :class:`DamagedFile` when the structure is broken.
    """
    head = bytes(data[:12])
    if head.startswith(b"\xff\xd8"):
        return _walk_jpeg(data)
    if head.startswith(PNG_SIGNATURE):
        return _walk_png(data)
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return _walk_gif(data)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _walk_webp(data)
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return _walk_tiff(data)
    return None


# --- the check -------------------------------------------------------------------------------


def _quote(match: re.Match) -> str:
    return match.group(0)[:40].decode("ascii", "replace")


def check_embedded_content(file, name: str) -> Structure | None:
    """Raise :class:`UnsafeFile` if ``file`` (a binary file object) holds markup, a trailer or a
    ZIP archive besides its image, :class:`DamagedFile` if its structure is broken.

    Reads the whole file (memory-mapped when it is on disk); leaves the file at position 0.
    Returns the structure found, or ``None`` for a format that is not walked.
    """
    try:
        with file_bytes(file) as data:
            size = len(data)
            try:
                structure = walk(data)
            except struct.error as exc:
                raise DamagedFile(f"its structure is damaged ({exc})") from exc
            if structure is not None:
                for start, end in structure.metadata:
                    match = MARKUP.search(data, start, end)
                    if match:
                        raise UnsafeFile(
                            f"{name} contains HTML or script ({_quote(match)}…) in its metadata besides its image."
                            + AGAIN
                        )
                for text in structure.texts:
                    match = MARKUP.search(text)
                    if match:
                        raise UnsafeFile(
                            f"{name} contains HTML or script ({_quote(match)}…) in its metadata besides its image."
                            + AGAIN
                        )
                extra = size - structure.end
                if extra > 0:
                    tail = bytes(data[structure.end : structure.end + 4096])
                    match = MARKUP.search(tail)
                    if match:
                        raise UnsafeFile(
                            f"{name} has HTML or script ({_quote(match)}…) appended after the end of its image "
                            f"({extra:,} bytes after byte {structure.end:,})." + AGAIN
                        )
                    if extra > PADDING_ALLOWED or tail.strip(b"\x00\r\n\t ") != b"":
                        raise UnsafeFile(
                            f"{name} has {extra:,} bytes of data appended after the end of its image "
                            f"(which ends at byte {structure.end:,} of {size:,})." + AGAIN
                        )
            match = SIGNATURES.search(data)
            if match:
                raise UnsafeFile(
                    f"{name} contains HTML or script ({_quote(match)}…) at byte {match.start():,} besides its image."
                    + AGAIN
                )
            if structure is None:
                match = MARKUP.search(data, 0, 64 * 1024)
                if match:
                    raise UnsafeFile(
                        f"{name} contains HTML or script ({_quote(match)}…) besides its image."
                        + AGAIN
                    )
        file.seek(0)
        if zipfile.is_zipfile(file):
            raise UnsafeFile(f"{name} is also a ZIP archive." + AGAIN)
        return structure
    finally:
        file.seek(0)
