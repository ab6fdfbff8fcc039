"""Refuse image files that carry something other than an image (polyglots).

A file can decode as a perfectly good JPEG or PNG and still hold an HTML page or a ZIP archive,
in a metadata segment near its start or appended after the end of the image. Served by anything
that sniffs content, or downloaded and unzipped, that payload runs or spreads. Masters exported
by a studio never need either, so such files are refused before anything is stored.

What is checked, chosen so that ordinary photographs are never refused by chance:

- the first 64 KB (headers and metadata, and what browsers sniff) must hold no HTML, script or
  SVG markup;
- JPEG, PNG and WebP files must end where their image data ends (after JPEG's end-of-image
  marker, PNG's ``IEND`` chunk, the RIFF length of WebP), allowing a few padding bytes;
- no file may also be a ZIP archive.
"""

from __future__ import annotations

import re
import struct
import zipfile

#: Markup a browser would render or run: an HTML document, a script, an SVG, an iframe, PHP.
MARKUP = re.compile(
    rb"<(?:!doctype\s+html|html[\s>]|body[\s>]|script[\s>/]|svg[\s>]|iframe[\s>]|\?php)", re.IGNORECASE
)
HEAD = 64 * 1024
#: Bytes some encoders leave after the end of the image (NULs, line breaks); not a payload.
PADDING_ALLOWED = 16
PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"


class UnsafeFile(ValueError):
    """The file carries a payload besides its image. ``str(error)`` says what was found."""


def _trailing(data_end: int, size: int, tail: bytes) -> bool:
    extra = tail[len(tail) - (size - data_end):] if size > data_end else b""
    return size - data_end > PADDING_ALLOWED or extra.strip(b"\x00\r\n\t ") != b""


def check_embedded_content(file, name: str) -> None:
    """Raise :class:`UnsafeFile` if ``file`` (a binary file object) holds markup, a trailer or a ZIP archive.

    Reads the first and last 64 KB only; leaves the file at position 0.
    """
    again = " Export the image again from your editing software and upload that file."
    try:
        file.seek(0)
        head = file.read(HEAD)
        match = MARKUP.search(head)
        if match:
            found = match.group(0).decode("ascii", "replace")
            raise UnsafeFile(f"{name} contains HTML or script ({found}…) besides its image." + again)
        file.seek(0, 2)
        size = file.tell()
        file.seek(max(0, size - HEAD))
        tail = file.read()
        trailer = False
        if head.startswith(b"\xff\xd8"):
            end = tail.rfind(b"\xff\xd9")
            trailer = end < 0 or _trailing(size - len(tail) + end + 2, size, tail)
        elif head.startswith(b"\x89PNG\r\n\x1a\n"):
            end = tail.rfind(PNG_END)
            trailer = end < 0 or _trailing(size - len(tail) + end + len(PNG_END), size, tail)
        elif head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            trailer = _trailing(struct.unpack("<I", head[4:8])[0] + 8, size, tail)
        if trailer:
            raise UnsafeFile(f"{name} has data appended after the end of its image." + again)
        file.seek(0)
        if zipfile.is_zipfile(file):
            raise UnsafeFile(f"{name} is also a ZIP archive." + again)
    finally:
        file.seek(0)
