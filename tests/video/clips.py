"""Small clips made with PyAV for the tests (a few hundred KB at most)."""

from __future__ import annotations

import io
from fractions import Fraction

import numpy as np

#: ``WAGTAIL_LFCLOUD_VIDEO_CHANNELS`` for tests: the built-in Amazon video channel scaled down, so
#: a 320x180 clip transcodes in a moment.
SMALL = {
    "amazon_video": {
        "transcode": {
            "max_width": 320,
            "max_height": 180,
            "video_options": {"preset": "ultrafast"},
        },
        "rules": {"min_width": 160, "min_height": 90},
    },
}


def make_clip(
    *,
    seconds: float = 2.0,
    size: tuple[int, int] = (320, 240),
    fps: int = 25,
    codec: str = "libx264",
    audio: bool = True,
    format: str = "mp4",
    pix_fmt: str | None = None,
    rotation: int = 0,
    mark: bool = False,
) -> bytes:
    """A clip of a moving colour gradient (and a 440 Hz tone when ``audio``), as bytes.

    ``rotation``: a display matrix turning it that many degrees counterclockwise when shown (a
    phone's portrait clip is stored landscape with ``-90``). ``mark``: the stored picture's
    top-left quarter is white, to tell which way up a frame came out.
    """
    import av

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=format) as out:
        video = out.add_stream(codec, rate=fps)
        video.width, video.height = size
        video.pix_fmt = pix_fmt or ("yuv422p10le" if codec == "prores_ks" else "yuv420p")
        if rotation:
            video.set_display_rotation(rotation)
        if codec == "libx264":
            video.options = {"preset": "ultrafast", "crf": "30"}
        sound = None
        if audio:
            sound = out.add_stream("aac", rate=48000)
            sound.layout = "mono"
        width, height = size
        xs = np.linspace(0, 255, width, dtype=np.float32)
        ys = np.linspace(0, 255, height, dtype=np.float32)[:, None]
        count = int(seconds * fps)
        for i in range(count):
            rgb = np.empty((height, width, 3), dtype=np.uint8)
            rgb[..., 0] = (xs + i * 7) % 256
            rgb[..., 1] = (ys + i * 3) % 256
            rgb[..., 2] = (i * 11) % 256
            if mark:
                rgb[: height // 4, : width // 4] = 255
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if sound is not None:
            total = int(seconds * 48000)
            t = np.arange(total, dtype=np.float32) / 48000
            tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
            for start in range(0, total, 1024):
                chunk = tone[start : start + 1024]
                frame = av.AudioFrame.from_ndarray(chunk[None, :], format="fltp", layout="mono")
                frame.sample_rate = 48000
                frame.pts, frame.time_base = start, Fraction(1, 48000)
                out.mux(sound.encode(frame))
            out.mux(sound.encode(None))
    return buffer.getvalue()
