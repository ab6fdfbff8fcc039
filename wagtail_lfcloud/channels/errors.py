"""Errors raised by channel presets, the rendition pipeline and compliance checks.

Every error about the image or the preset is a :class:`ChannelError`, so callers (views, tasks,
commands) can catch one class and show ``str(error)``: each message says what was wrong with
which file or preset. A failure of the file storage while a channel set is read or written is a
:class:`RenditionStorageError` instead: the image is not at fault, and the set is worth running
again once the storage is back.
"""

from __future__ import annotations


class ChannelError(Exception):
    """Base class of every error this package's channel code raises on purpose."""


class UnknownChannelError(ChannelError, KeyError):
    """A channel key names no preset (built-in or from ``WAGTAIL_LFCLOUD_CHANNELS``)."""

    def __init__(self, key: str, known: list[str] | None = None):
        self.key = key
        hint = f" Known channels: {', '.join(sorted(known))}." if known else ""
        super().__init__(f"Unknown channel {key!r}.{hint}")

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.args[0]


class InvalidPresetError(ChannelError, ValueError):
    """A preset definition is invalid (bad filter spec, unknown rule, missing format...)."""


class ImageError(ChannelError):
    """A source or output image cannot be processed. ``name`` is the file's name."""

    def __init__(self, message: str, name: str = ""):
        self.name = name
        super().__init__(f"{name}: {message}" if name else message)


class EmptyImageError(ImageError):
    """The file has zero bytes."""


class CorruptImageError(ImageError):
    """The file is not a readable image, or its data is truncated or damaged."""


class ImageTooLargeError(ImageError):
    """The image has more pixels than allowed (a possible decompression bomb)."""


class SourceMissingError(ImageError):
    """The image's original file cannot be read from storage."""


class RenditionStorageError(Exception):
    """The file storage failed while a channel set's files were read or written (S3 unreachable,
    a bucket that does not exist, access denied, a full disk). Not a :class:`ChannelError`:
    nothing is wrong with the image. The storage's own exception is the ``__cause__``."""


def is_missing_file(error: BaseException) -> bool:
    """Whether ``error`` (or what it was raised from) says the file is not there: a local
    ``FileNotFoundError`` (which django-storages also raises for an S3 404, and which Wagtail
    wraps in ``SourceImageIOError``) or an S3 client error answering 404 / NoSuchKey."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if isinstance(error, FileNotFoundError):
            return True
        response = getattr(error, "response", None)
        if isinstance(response, dict):
            code = str(response.get("Error", {}).get("Code", ""))
            status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in {"404", "NoSuchKey", "NotFound"} or status == 404:
                return True
        error = error.__cause__ or error.__context__
    return False
