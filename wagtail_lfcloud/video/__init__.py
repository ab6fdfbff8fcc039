"""Product video clips: probing, poster frames, review previews (PyAV, FFmpeg's libraries from
wheels; the ``[video]`` extra). See docs/explanation/video.md."""

from __future__ import annotations


class VideoUnavailable(RuntimeError):
    """PyAV is not installed (``pip install wagtail-lfcloud[video]``)."""


def require_av():
    """The ``av`` module, or :class:`VideoUnavailable` saying how to install it."""
    try:
        import av  # optional: the [video] extra
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        raise VideoUnavailable(
            "Video clips need PyAV: pip install 'wagtail-lfcloud[video]'."
        ) from exc
    return av
