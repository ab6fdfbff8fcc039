"""What an uploaded clip is (:func:`probe`), its poster frame (:func:`poster_jpeg`) and transcodes
(:func:`transcode`), with PyAV.

Hostile input: an upload is only ever opened with FFmpeg's MP4/QuickTime demuxer (``format="mov"``,
from a Python file object): a playlist or concat file dressed as ``.mp4`` cannot make FFmpeg open
other files or URLs, and external data references are not followed (FFmpeg's default). Every
packet is read (not decoded) once to find a truncated file; only the few frames before the poster
are decoded in the request. Limits (``VIDEO_MAX_BYTES``, ``VIDEO_MAX_SECONDS``,
``VIDEO_MAX_DIMENSION``) are checked from the header before any packet is read.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction

from django.db.models.fields.files import FieldFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image

from ..conf import lfcloud_settings
from . import require_av

#: Bytes read at a time when a clip is copied to a local file.
COPY_CHUNK = 1024 * 1024

#: Box types an MP4 or QuickTime file can start with.
ISO_BOXES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot", b"uuid"}


class ClipRefused(ValueError):
    """A clip that is not accepted; ``code`` as :class:`~wagtail_lfcloud.assets.uploads.UploadRefused`."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)

    def __reduce__(self):  # back from the child process that probed the clip (video/bounded.py)
        return (type(self), (self.code, str(self)))


@dataclass(frozen=True)
class ClipInfo:
    """What probing a clip found.

    ``width`` and ``height`` are the size the clip is *shown* at: a phone's portrait clip is
    usually stored landscape with a display matrix saying "turn it a quarter" (``rotation``,
    degrees counterclockwise: 0, 90, 180 or 270), and players, the poster, transcodes and the
    channels' aspect rules all go by what is shown.
    """

    container: str
    video_codec: str
    audio_codec: str
    width: int
    height: int
    fps: float
    duration: float
    frames: int
    bytes: int
    rotation: int = 0

    @property
    def bitrate(self) -> int:
        return int(self.bytes * 8 / self.duration) if self.duration else 0

    @property
    def aspect(self) -> float:
        return self.width / self.height if self.height else 0.0


#: PIL's transposition for 1, 2 and 3 counterclockwise quarter turns.
_TURNS = {
    1: Image.Transpose.ROTATE_90,
    2: Image.Transpose.ROTATE_180,
    3: Image.Transpose.ROTATE_270,
}


def quarter_turns(frame) -> int:
    """Counterclockwise quarter turns (0-3) a decoded frame is turned by for display: the display
    matrix FFmpeg attaches to each frame (PyAV's ``VideoFrame.rotation``, 0 where an older PyAV
    does not read it), rounded to the nearest quarter (mirroring is not applied)."""
    return int(round((getattr(frame, "rotation", 0) or 0) / 90)) % 4


def _display_turns(container, stream) -> int:
    """:func:`quarter_turns` of the clip's first frame (then back to the start); 0 if none decodes
    (the poster frame then refuses the clip)."""
    av = require_av()
    turns = 0
    try:
        for frame in container.decode(stream):
            turns = quarter_turns(frame)
            break
        container.seek(0)
    except (av.FFmpegError, ValueError, OSError):
        pass
    return turns


def upright(frame):
    """``frame`` turned the way it is shown (a new RGB frame, same time), or itself if it is
    shown as stored."""
    turns = quarter_turns(frame)
    if not turns:
        return frame
    av = require_av()
    new = av.VideoFrame.from_image(frame.to_image().transpose(_TURNS[turns]))
    new.pts, new.time_base = frame.pts, frame.time_base
    return new


def _size_of(file) -> int:
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, io.SEEK_END)
        size = file.tell()
    file.seek(0)
    return size


def _open(file):
    av = require_av()
    file.seek(0)
    # The MP4/QuickTime demuxer only: never a format FFmpeg would guess from the content.
    if _HAS_METADATA_ERRORS.get(av.__version__, True):
        try:
            return av.open(file, mode="r", format="mov", metadata_errors="replace")
        except TypeError:  # PyAV >= 19 dropped the argument (undecodable metadata is replaced)
            _HAS_METADATA_ERRORS[av.__version__] = False
            file.seek(0)
    return av.open(file, mode="r", format="mov")


#: Whether this PyAV's ``av.open`` takes ``metadata_errors`` (PyAV 14-18 do, 19 does not).
_HAS_METADATA_ERRORS: dict[str, bool] = {}


def probe(file, name: str) -> ClipInfo:
    """Probe ``file`` (a seekable file object) named ``name``; raises :class:`ClipRefused`."""
    av = require_av()
    size = _size_of(file)
    limit = lfcloud_settings.VIDEO_MAX_BYTES
    if limit is not None and size > limit:
        raise ClipRefused(
            "too_large",
            _("%(name)s is %(size)s; the largest clip accepted is %(limit)s.")
            % {"name": name, "size": filesizeformat(size), "limit": filesizeformat(limit)},
        )
    head = file.read(12)
    file.seek(0)
    if len(head) < 8 or head[4:8] not in ISO_BOXES:
        raise ClipRefused(
            "not_video",
            _("%(name)s is not an MP4 or QuickTime (MOV) file.") % {"name": name},
        )
    try:
        container = _open(file)
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise ClipRefused(
            "corrupt",
            _("%(name)s could not be read as a video: it looks damaged or incomplete (%(error)s).")
            % {"name": name, "error": exc},
        ) from exc
    try:
        return _probe_open(container, name, size)
    finally:
        container.close()
        file.seek(0)


def _probe_open(container, name: str, size: int) -> ClipInfo:
    av = require_av()
    if not container.streams.video:
        raise ClipRefused("not_video", _("%(name)s has no video track.") % {"name": name})
    stream = container.streams.video[0]
    codec = stream.codec_context.name
    accepted = list(lfcloud_settings.VIDEO_CODECS)
    if codec not in accepted:
        raise ClipRefused(
            "codec",
            _(
                "%(name)s is encoded with %(codec)s; clips are accepted in %(accepted)s. Export "
                "it again as H.264, H.265 or ProRes."
            )
            % {"name": name, "codec": codec, "accepted": ", ".join(accepted)},
        )
    width, height = stream.codec_context.width, stream.codec_context.height
    biggest = lfcloud_settings.VIDEO_MAX_DIMENSION
    if not width or not height:
        raise ClipRefused(
            "corrupt", _("%(name)s does not say how large its frames are.") % {"name": name}
        )
    if biggest and max(width, height) > biggest:
        raise ClipRefused(
            "too_large",
            _("%(name)s is %(w)s×%(h)s; the largest frame accepted is %(max)s px on a side.")
            % {"name": name, "w": width, "h": height, "max": biggest},
        )
    turns = _display_turns(container, stream)
    if turns % 2:  # shown a quarter turn from how it is stored
        width, height = height, width
    longest = lfcloud_settings.VIDEO_MAX_SECONDS
    declared = float(container.duration / av.time_base) if container.duration else 0.0
    if longest and declared > longest + 0.5:
        raise ClipRefused("too_long", _too_long(name, declared, longest))
    audio = container.streams.audio[0] if container.streams.audio else None
    # Read every packet (no decoding): the real duration and frame count, and a truncated file.
    wanted = [stream] + ([audio] if audio is not None else [])
    frames, end = 0, 0.0
    try:
        for packet in container.demux(wanted):
            if packet.size == 0 or packet.stream is not stream:
                continue
            frames += 1
            if packet.pts is not None:
                end = max(end, float((packet.pts + (packet.duration or 0)) * stream.time_base))
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise ClipRefused(
            "corrupt",
            _("%(name)s could not be read to its end: it looks damaged or incomplete (%(error)s).")
            % {"name": name, "error": exc},
        ) from exc
    if frames == 0:
        raise ClipRefused("corrupt", _("%(name)s has no video frames.") % {"name": name})
    if stream.frames and frames < stream.frames:
        raise ClipRefused(
            "corrupt",
            _(
                "%(name)s stops early: %(found)s of its %(frames)s frames are in the file (an "
                "interrupted copy or export?)."
            )
            % {"name": name, "found": frames, "frames": stream.frames},
        )
    start = float(stream.start_time * stream.time_base) if stream.start_time else 0.0
    duration = max(end - start, 0.0) or declared
    if longest and duration > longest + 0.5:
        raise ClipRefused("too_long", _too_long(name, duration, longest))
    rate = stream.average_rate or stream.guessed_rate
    fps = float(rate) if rate else (frames / duration if duration else 0.0)
    return ClipInfo(
        container=container.format.name,
        video_codec=codec,
        audio_codec=audio.codec_context.name if audio is not None else "",
        width=width,
        height=height,
        fps=round(fps, 3),
        duration=round(duration, 3),
        frames=frames,
        bytes=size,
        rotation=turns * 90,
    )


def _too_long(name: str, seconds: float, longest: float) -> str:
    return _("%(name)s lasts %(seconds).1f s; the longest clip accepted is %(max)s s.") % {
        "name": name,
        "seconds": seconds,
        "max": longest,
    }


def poster_time(info: ClipInfo) -> float:
    """Where the poster frame is taken: a tenth into the clip, at most two seconds in."""
    return round(min(info.duration * 0.1, 2.0), 3)


def poster_jpeg(file, name: str, at: float, *, quality: int = 90) -> bytes:
    """The frame shown at ``at`` seconds (the last one before it), as JPEG bytes.

    Raises :class:`ClipRefused` (``corrupt``) when no frame decodes: a clip whose pictures cannot
    be decoded is refused at upload, not found out by the reviewer.
    """
    av = require_av()
    container = _open(file)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        if at > 0:
            container.seek(int(at / stream.time_base), stream=stream, backward=True)
        picked = None
        decoded = 0
        for frame in container.decode(stream):
            decoded += 1
            if picked is not None and frame.time is not None and frame.time > at:
                break
            picked = frame
            if decoded > 600:  # a keyframe interval longer than this: take what we have
                break
        if picked is None:
            raise ClipRefused("corrupt", _("%(name)s has no frame that decodes.") % {"name": name})
        image = picked.to_image()
        turns = quarter_turns(picked)
        if turns:  # upright, as players show it
            image = image.transpose(_TURNS[turns])
    except av.FFmpegError as exc:
        raise ClipRefused(
            "corrupt",
            _("%(name)s could not be decoded: it looks damaged (%(error)s).")
            % {"name": name, "error": exc},
        ) from exc
    finally:
        container.close()
        file.seek(0)
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def inspect_clip(path: str, name: str) -> tuple[ClipInfo, float, bytes]:
    """``(facts, poster time, poster JPEG)`` of the uploaded clip at ``path``: :func:`probe`, then
    :func:`poster_jpeg` at :func:`poster_time`. Raises :class:`ClipRefused`."""
    with open(path, "rb") as file:
        info = probe(file, name)
        at = poster_time(info)
        return info, at, poster_jpeg(file, name, at)


@contextmanager
def local_path(file):
    """The path of a local file holding ``file``'s bytes, for a child process to open: an
    upload's own temporary file where it has one, else a temporary copy (removed on exit). A
    stored file (``FieldFile``) is opened, copied and closed before the path is given, so a
    remote clip is not held twice. A child never reads the parent's open files or a remote file
    through the parent's connections."""
    if hasattr(file, "temporary_file_path"):
        yield file.temporary_file_path()
        return
    with tempfile.NamedTemporaryFile(prefix="lfcloud-clip-") as copy:
        if isinstance(file, FieldFile):
            with file.open("rb") as stored:
                shutil.copyfileobj(stored, copy, COPY_CHUNK)
        else:
            file.seek(0)
            shutil.copyfileobj(file, copy, COPY_CHUNK)
            file.seek(0)
        copy.flush()
        yield copy.name


# --- transcoding ------------------------------------------------------------------------------


class TranscodeTimeout(RuntimeError):
    """A transcode ran past its deadline."""


def transcode_file(source_path: str, target, spec: TranscodeSpec, *, deadline=None) -> dict:
    """:func:`transcode` of the clip stored at ``source_path`` (opened with the MP4/QuickTime
    demuxer only, as an upload always is)."""
    with open(source_path, "rb") as source:
        return transcode(source, target, spec, deadline=deadline)


@dataclass(frozen=True)
class TranscodeSpec:
    """How to make one output from a clip.

    The picture is scaled to fit ``max_width`` x ``max_height`` (aspect kept, even sizes); with
    ``aspect`` ("9:16") it is first cropped to that aspect around the centre. ``fps``: a constant
    output frame rate (frames are dropped to reach it), else the source's. ``audio_codec`` None
    drops the sound; ``max_seconds`` cuts the end off.
    """

    format: str = "mp4"
    video_codec: str = "libx264"
    pix_fmt: str = "yuv420p"
    max_width: int = 1920
    max_height: int = 1920
    aspect: str = ""
    fps: float | None = None
    video_bitrate: int | None = None
    video_options: dict = field(default_factory=dict)
    audio_codec: str | None = "aac"
    audio_bitrate: int = 128_000
    audio_rate: int = 48_000
    max_seconds: float | None = None
    container_options: dict = field(default_factory=dict)


def _even(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def output_size(width: int, height: int, spec: TranscodeSpec) -> tuple[tuple, tuple[int, int]]:
    """``(crop box (x, y, w, h), output (w, h))`` for a source of ``width`` x ``height``."""
    cx, cy, cw, ch = 0, 0, width, height
    if spec.aspect:
        a, b = (int(p) for p in spec.aspect.split(":"))
        want = a / b
        if width / height > want:  # too wide: crop the sides
            cw = _even(height * want)
            cx = (width - cw) // 2
        elif width / height < want:  # too tall: crop top and bottom
            ch = _even(width / want)
            cy = (height - ch) // 2
    scale = min(1.0, spec.max_width / cw, spec.max_height / ch)
    return (cx, cy, cw, ch), (_even(cw * scale), _even(ch * scale))


def transcode(source, target, spec: TranscodeSpec, *, deadline: float | None = None) -> dict:
    """Transcode ``source`` (a path or a seekable file object) into ``target`` (a path or a
    writable file object) following ``spec``; returns ``{"width", "height", "frames", "seconds"}``.

    Frames are streamed one at a time (memory stays at a few frames whatever the length). Raises
    :class:`TranscodeTimeout` past ``deadline`` (a ``time.monotonic()`` value).
    """
    av = require_av()
    if hasattr(source, "seek"):
        source.seek(0)
    inp = av.open(source, mode="r", format="mov" if hasattr(source, "read") else None)
    out = av.open(target, mode="w", format=spec.format, options=dict(spec.container_options))
    try:
        vin = inp.streams.video[0]
        vin.thread_type = "AUTO"
        ain = inp.streams.audio[0] if (inp.streams.audio and spec.audio_codec) else None
        # Frames are turned upright (a phone's portrait clip, stored landscape): the output is
        # sized, cropped and encoded as the clip is shown, with no display matrix of its own.
        turns = _display_turns(inp, vin)
        shown = (vin.codec_context.width, vin.codec_context.height)
        if turns % 2:
            shown = shown[::-1]
        (cx, cy, cw, ch), (ow, oh) = output_size(*shown, spec)
        src_rate = vin.average_rate or vin.guessed_rate or Fraction(25)
        rate = Fraction(spec.fps).limit_denominator(1001) if spec.fps else Fraction(src_rate)
        vout = out.add_stream(spec.video_codec, rate=rate, options=dict(spec.video_options))
        vout.width, vout.height, vout.pix_fmt = ow, oh, spec.pix_fmt
        # Frames carry their own time base: the muxer changes the stream's (1/12800 for MP4)
        # when it writes the header, which an early audio packet can make happen mid-way.
        frame_time_base = 1 / rate
        vout.time_base = frame_time_base
        if spec.video_bitrate:
            vout.bit_rate = spec.video_bitrate
        aout = fifo = resampler = None
        if ain is not None:
            aout = out.add_stream(spec.audio_codec, rate=spec.audio_rate)
            aout.bit_rate = spec.audio_bitrate
            aout.layout = "stereo"
            resampler = av.AudioResampler(
                format=aout.codec_context.codec.audio_formats[0].name,
                layout="stereo",
                rate=spec.audio_rate,
            )
            fifo = av.AudioFifo()
        streams = [vin] + ([ain] if ain is not None else [])
        last_pts, frames, samples = -1, 0, 0
        limit = spec.max_seconds
        for packet in inp.demux(streams):
            if deadline is not None and time.monotonic() > deadline:
                raise TranscodeTimeout("the transcode ran out of time")
            for frame in packet.decode():
                if frame.time is not None and limit is not None and frame.time >= limit:
                    continue
                if packet.stream is vin:
                    pts = round((frame.time or 0.0) * rate)
                    if pts <= last_pts:
                        continue  # a lower output frame rate: drop this one
                    if turns:
                        frame = upright(frame)
                    if (cx, cy, cw, ch) != (0, 0, *shown):
                        frame = _crop(frame, cx, cy, cw, ch)
                    new = frame.reformat(ow, oh, format=spec.pix_fmt, interpolation="AREA")
                    new.pts, new.time_base = pts, frame_time_base
                    last_pts = pts
                    frames += 1
                    out.mux(vout.encode(new))
                else:
                    for chunk in resampler.resample(frame):
                        chunk.pts = None
                        fifo.write(chunk)
                    size = aout.codec_context.frame_size or 1024
                    while fifo.samples >= size:
                        chunk = fifo.read(size)
                        chunk.pts, chunk.time_base = samples, Fraction(1, spec.audio_rate)
                        samples += chunk.samples
                        out.mux(aout.encode(chunk))
        out.mux(vout.encode(None))
        if aout is not None:
            rest = fifo.read()
            if rest is not None and rest.samples:
                rest.pts, rest.time_base = samples, Fraction(1, spec.audio_rate)
                out.mux(aout.encode(rest))
            out.mux(aout.encode(None))
    finally:
        out.close()
        inp.close()
    return {"width": ow, "height": oh, "frames": frames, "seconds": float(last_pts + 1) / rate}


def _crop(frame, x: int, y: int, w: int, h: int):
    """``frame`` cropped to the box (through RGB/numpy-free Pillow: simple, and rare)."""
    av = require_av()
    image = frame.to_image().crop((x, y, x + w, y + h))
    new = av.VideoFrame.from_image(image)
    new.pts, new.time_base = frame.pts, frame.time_base
    return new


#: The review player's preview: WebM (VP8 + Opus) plays in every current browser, Chromium
#: builds without proprietary codecs included.
def preview_spec() -> TranscodeSpec:
    size = lfcloud_settings.VIDEO_PREVIEW_SIZE
    return TranscodeSpec(
        format="webm",
        video_codec="libvpx",
        max_width=size,
        max_height=size,
        video_bitrate=1_500_000,
        video_options={"deadline": "realtime", "cpu-used": "8", "threads": "2"},
        audio_codec="libopus",
        audio_bitrate=96_000,
    )
