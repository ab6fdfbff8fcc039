"""Benchmark: transcode time per video channel for a 15 s 1080p clip, against a plain PyAV
(FFmpeg's libraries) transcode of the same file with the same settings.

    .venv/bin/python benchmarks/video.py [--seconds 15] [--size 1920x1080] [--repeat 1] [--channels a,b]

Makes a synthetic clip first (H.264 + AAC, 25 fps, moving gradients and shapes, made with PyAV;
not timed), then for each video channel preset (``wagtail_lfcloud.video.presets``):

- **package**: :func:`wagtail_lfcloud.video.probe.transcode` with the preset's settings (what the
  approval's video task runs, without storing the file);
- **plain**: the textbook PyAV loop (demux, decode, ``reformat`` to the output size, encode,
  mux; audio resampled through an ``AudioFifo``), the same codec, size, frame rate, bit rate,
  encoder options and container options: the cost of FFmpeg itself.

- **bounded**: the same package transcode run as the approval's task runs it, in a child process
  limited by ``VIDEO_MEMORY_LIMIT`` and ``VIDEO_TASK_SECONDS`` (``video/bounded.py``): the cost
  of the hard bound is ``bounded`` over ``package``.

Prints seconds for each (best of ``--repeat``), wall and CPU (the child's CPU for **bounded**),
their ratios, the output sizes, and the machine's load average before and after; the peak RSS
of the process and of the bounded children at the end. No ``ffmpeg`` binary is
used (the wheels' libraries are the same FFmpeg). Asserts nothing; run on demand.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("LFCLOUD_TEST_DB", "sqlite")


def make_source(path: str, seconds: float, size: tuple[int, int], fps: int = 25) -> None:
    import av
    import numpy as np

    width, height = size
    with av.open(path, mode="w", format="mp4") as out:
        video = out.add_stream("libx264", rate=fps, options={"preset": "veryfast", "crf": "18"})
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        sound = out.add_stream("aac", rate=48000)
        sound.layout = "stereo"
        xs = np.linspace(0, 255, width, dtype=np.float32)
        ys = np.linspace(0, 255, height, dtype=np.float32)[:, None]
        base = np.empty((height, width, 3), dtype=np.uint8)
        for i in range(int(seconds * fps)):
            base[..., 0] = (xs + i * 3) % 256
            base[..., 1] = (ys + i * 2) % 256
            base[..., 2] = 128
            # A moving "product": a square that turns its colour around.
            cx = int((width - 300) * (0.5 + 0.4 * np.sin(i / 20)))
            base[height // 2 - 150 : height // 2 + 150, cx : cx + 300] = (i * 5 % 256, 40, 200)
            frame = av.VideoFrame.from_ndarray(base, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, fps)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        total = int(seconds * 48000)
        t = np.arange(total, dtype=np.float32) / 48000
        tone = (0.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        for start in range(0, total, 1024):
            chunk = np.stack([tone[start : start + 1024]] * 2)
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate = 48000
            frame.pts, frame.time_base = start, Fraction(1, 48000)
            out.mux(sound.encode(frame))
        out.mux(sound.encode(None))


def plain_transcode(source: str, target: str, spec) -> None:
    """The textbook PyAV transcode with ``spec``'s settings (no cropping, frame dropping or limits)."""
    import av

    from wagtail_lfcloud.video.probe import output_size

    with (
        av.open(source) as inp,
        av.open(target, mode="w", format=spec.format, options=dict(spec.container_options)) as out,
    ):
        vin = inp.streams.video[0]
        vin.thread_type = "AUTO"
        _, (ow, oh) = output_size(vin.codec_context.width, vin.codec_context.height, spec)
        rate = Fraction(spec.fps).limit_denominator(1001) if spec.fps else vin.average_rate
        vout = out.add_stream(spec.video_codec, rate=rate, options=dict(spec.video_options))
        vout.width, vout.height, vout.pix_fmt = ow, oh, spec.pix_fmt
        if spec.video_bitrate:
            vout.bit_rate = spec.video_bitrate
        ain = inp.streams.audio[0] if inp.streams.audio and spec.audio_codec else None
        streams = [vin]
        samples = 0
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
            streams.append(ain)
        for packet in inp.demux(streams):
            for frame in packet.decode():
                if packet.stream is vin:
                    # reformat keeps the decoder's pts and time base; the encoder rescales them.
                    new = frame.reformat(ow, oh, format=spec.pix_fmt, interpolation="AREA")
                    out.mux(vout.encode(new))
                else:
                    for chunk in resampler.resample(frame):
                        chunk.pts = None
                        fifo.write(chunk)
                    size = aout.codec_context.frame_size or 1024  # 0 until the encoder opens
                    while fifo.samples >= size:
                        chunk = fifo.read(size)
                        chunk.pts, chunk.time_base = samples, Fraction(1, spec.audio_rate)
                        samples += size
                        out.mux(aout.encode(chunk))
        out.mux(vout.encode(None))
        if ain is not None:
            out.mux(aout.encode(None))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--channels", default="")
    args = parser.parse_args()

    import django

    django.setup()
    from wagtail_lfcloud.video.bounded import run_bounded
    from wagtail_lfcloud.video.presets import get_video_presets
    from wagtail_lfcloud.video.probe import transcode, transcode_file

    width, height = (int(v) for v in args.size.split("x"))
    presets = get_video_presets()
    keys = [k for k in args.channels.split(",") if k] or list(presets)
    with tempfile.TemporaryDirectory() as folder:
        source = os.path.join(folder, "source.mp4")
        started = time.perf_counter()
        make_source(source, args.seconds, (width, height))
        print(
            f"source: {args.seconds:g} s {width}x{height} H.264+AAC 25 fps, "
            f"{os.path.getsize(source) / 1e6:.1f} MB (made in {time.perf_counter() - started:.1f} s)"
        )
        print(
            f"{'channel':18} {'package s':>10} {'bounded s':>10} {'plain s':>9} "
            f"{'pkg/plain':>9} {'bnd/pkg':>8} {'pkg MB':>7} {'plain MB':>8}  load before/after"
        )
        print(f"{'':18} {'wall (CPU)':>10} {'wall (CPU)':>10} {'wall (CPU)':>9}")
        for key in keys:
            spec = presets[key].transcode
            timings = {"package": [], "bounded": [], "plain": []}
            cpu = {"package": [], "bounded": [], "plain": []}
            sizes = {}
            load = os.getloadavg()[0]
            for _ in range(args.repeat):
                for name in ("package", "bounded", "plain"):
                    target = os.path.join(folder, f"{key}-{name}.{presets[key].extension}")
                    t0, c0, k0 = time.perf_counter(), time.process_time(), _children_cpu()
                    if name == "package":
                        with open(source, "rb") as f:
                            transcode(f, target, spec)
                    elif name == "bounded":
                        run_bounded(
                            transcode_file, source, target, spec, deadline=None, seconds=900
                        )
                    else:
                        plain_transcode(source, target, spec)
                    timings[name].append(time.perf_counter() - t0)
                    cpu[name].append(time.process_time() - c0 + _children_cpu() - k0)
                    sizes[name] = os.path.getsize(target) / 1e6
            best = {name: min(values) for name, values in timings.items()}
            cpus = {name: min(values) for name, values in cpu.items()}
            print(
                f"{key:18} {best['package']:5.2f} ({cpus['package']:5.2f}) "
                f"{best['bounded']:5.2f} ({cpus['bounded']:5.2f}) "
                f"{best['plain']:5.2f} ({cpus['plain']:5.2f}) "
                f"{best['package'] / best['plain']:9.2f} {best['bounded'] / best['package']:8.3f} "
                f"{sizes['package']:7.2f} {sizes['plain']:8.2f}  {load:.1f}/{os.getloadavg()[0]:.1f}"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MB; of a bounded child: {children:.0f} MB")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main()
