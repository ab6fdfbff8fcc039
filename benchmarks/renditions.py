"""Benchmark: a full built-in channel set, cold: Wagtail's get_renditions, the pipeline, the
approval path and the floor, on flat and busy masters.

    .venv/bin/python benchmarks/renditions.py [--rounds 3] [--masters flat16,flat24,busy16,busy24]
                                              [--workdir DIR] [--min-psnr 30]
    .venv/bin/python benchmarks/renditions.py --quick [--workdir DIR]
    .venv/bin/python benchmarks/renditions.py --ocr [--rounds 3]

Quick mode (``--quick``) is for an idle-machine check: one round of every mode on two masters,
``flat16`` and ``busy24`` (the flat studio shot at 16 MP, the busy fabric at 24 MP), the same
measurements, tables and output comparison. On an idle 2-core machine it takes about two
minutes, plus about a minute to make the two masters the first time (``--workdir`` keeps them
for the next run). Check the load average the run prints before trusting a wall ratio: every
other process on the machine takes cores from one side or the other.

What is measured, per master, each in a fresh subprocess (rounds interleave the modes, so
machine noise hits every side):

``wagtail``   ``image.get_renditions(*specs)`` for the 19 built-in presets' specs, cold. Wagtail
              renders in its own 3-thread pool; nothing is pinned, every core is free. Its JPEG
              saver is given each preset's encoder settings (progressive only where the preset
              says so: ``BROWSER`` presets; ``optimize`` as the preset), so both sides write the
              same kind of file; WebP method 4 is Pillow's default on both sides.
``pipeline``  ``generate_renditions(image, channel_keys)``: the inner function, with the
              presets' encoder settings (channel keys, not spec strings).
``approval``  ``build_channel_renditions(version, channel_keys)``: what the approval task calls
              (the pipeline, then the compliance checks and the ``ChannelRendition`` rows).
``floor``     one reduced decode of the master (the smallest JPEG DCT scale covering the
              largest output) plus the same encodes of the same output pixels, one thread:
              the physical lower bound of the work without resizing or checks.

Every mode runs under the test settings (SQLite file copied from one migrated database, local
storage in a temp dir, LocMem caches, the package's image operations registered by its
``wagtail_hooks``), warms up every code path on a 1/8-size copy of the master, then times one
cold run. Wall time is ``perf_counter``; CPU time is user + system time of the whole process
(all threads) plus its finished child processes (the approval path's text check runs
Tesseract), from ``getrusage``; peak memory is the process's **RSS high-water mark** (``VmHWM`` from
``/proc/self/status`` after resetting it with ``/proc/self/clear_refs`` just before the timed
run; it includes Pillow's C buffers, which ``tracemalloc`` does not see). The machine's load
average (``os.getloadavg``) and usable core count are recorded before and after every run.

Outputs are compared preset by preset, Wagtail's file against the pipeline's and the approval
path's: dimensions, format, mode, ICC profile present, progressive flag, and PSNR of the
decoded pixels. Anything but pixel differences within ``--min-psnr`` fails the run (exit 1)
after the table is printed.

Masters are generated deterministically with numpy + Pillow (no downloads), JPEG q92 4:2:0:
``flat`` is a product on studio white (cheap to encode), ``busy`` a full-frame textured fabric
shot with folds, weave, thread colour and sensor noise (expensive to encode); 16 MP is
4000x4000, 24 MP 6000x4000.

``--ocr`` measures the text/watermark check instead (Tesseract through pytesseract, see
``wagtail_lfcloud/channels/text.py``): per image, wall and CPU time of the OCR alone (our
process plus the tesseract child processes, from ``getrusage``), and of a whole ``amazon_main``
check (which includes it), on the labelled set's product photos (tests/channels/labelled.py)
at each text channel's size; it also counts what the OCR flags as added text on the photos with
added text (caught) and on the clean ones, labels, printed fabric and embossed logos (false
alarms).

For investigating: ``LFBENCH_THREADS=N`` (``WAGTAIL_LFCLOUD_RENDITION_THREADS``),
``LFBENCH_MEMORY=MB`` (``WAGTAIL_LFCLOUD_RENDITION_MEMORY``, in MB) and
``LFBENCH_ONLY=key,key`` (only those presets) change what the child processes run.

Run on demand; never part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
SIZES = {"16": (4000, 4000), "24": (6000, 4000)}
KINDS = ("flat", "busy")
MODES = ("wagtail", "pipeline", "approval", "floor")


# --- masters ------------------------------------------------------------------------------------


def make_master(path: Path, size: tuple[int, int]) -> None:
    """A product (textured, shaded) on a studio-white backdrop with sensor noise."""
    import numpy as np
    from PIL import Image

    w, h = size
    rng = np.random.default_rng(42)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    image = np.full((h, w, 3), 255.0, dtype=np.float32)
    # Product: a rounded bag shape about 60 % of the height, fabric texture and shading.
    cx, cy = w / 2, h / 2
    rx, ry = 0.22 * min(w, h), 0.30 * h
    inside = ((xx - cx) / rx) ** 4 + ((yy - cy) / ry) ** 4 <= 1
    weave = 18 * np.sin(xx / 3.1) * np.sin(yy / 2.7) + rng.normal(0, 9, (h, w))
    shade = 1 - 0.35 * ((xx - cx) / rx + (yy - cy) / ry) / 2
    for c, base in enumerate((150, 60, 45)):
        channel = np.clip(base * shade + weave, 0, 255)
        image[..., c] = np.where(inside, channel, image[..., c])
    # Label with fine print.
    label = (abs(xx - cx) < rx * 0.4) & (abs(yy - cy) < ry * 0.15)
    print_lines = (np.sin(yy / 1.5) > 0.6) & (np.sin(xx / 2.0) > 0)
    image[label] = 240
    image[label & print_lines] = 30
    # Soft contact shadow under the product, then sensor noise everywhere but the backdrop.
    shadow = np.exp(-(((yy - (cy + ry)) / (0.02 * h)) ** 2)) * (abs(xx - cx) < rx)
    image -= (shadow * 25)[..., None]
    image += rng.normal(0, 1.2, (h, w, 1)) * inside[..., None]
    Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(
        path, "JPEG", quality=92, subsampling="4:2:0"
    )


def make_busy_master(path: Path, size: tuple[int, int]) -> None:
    """A full-frame textured "lifestyle" shot: draped fabric filling the frame.

    Low-frequency folds (light and shadow), a twill weave a few pixels wide whose direction
    bends with the folds, thread-to-thread colour variation, a printed stripe pattern and
    sensor noise: high-entropy pixels everywhere, as a real fabric close-up has, so encoders
    and the Huffman decoder work as hard as on a real photo (about 3-4 bits per pixel at q92).
    Deterministic (fixed seeds), row band by row band to keep the generator's memory small.
    """
    import numpy as np
    from PIL import Image

    w, h = size
    rng = np.random.default_rng(7)
    # Fold field: a few long sinusoids with random directions and phases.
    folds = [
        (rng.uniform(0, math.pi), rng.uniform(0.02, 0.12) * min(w, h), rng.uniform(0, 6.3))
        for _ in range(5)
    ]
    hue = rng.uniform(0, 1, 3)
    out = np.empty((h, w, 3), dtype=np.uint8)
    band = 500
    xs = np.arange(w, dtype=np.float32)[None, :]
    for y0 in range(0, h, band):
        ys = np.arange(y0, min(h, y0 + band), dtype=np.float32)[:, None]
        fold = sum(
            np.sin((xs * math.cos(a) + ys * math.sin(a)) / p + ph) for a, p, ph in folds
        ) / len(folds)
        bend = 6.0 * fold
        weave = np.sin((xs + ys * 0.6 + bend * 4) / 1.9) * np.sin((ys - xs * 0.3) / 2.4)
        threads = np.sin(ys / 3.3 + np.sin(xs / 57.0) * 2) * 0.5 + 0.5
        stripes = (np.sin((xs + bend * 20) / 90.0) > 0.55).astype(np.float32)
        light = 0.62 + 0.33 * fold
        noise = rng.normal(0, 7, (len(ys), w, 3)).astype(np.float32)
        base = np.stack(
            [
                110 + 90 * hue[0] + 40 * stripes * (c == 0) - 30 * stripes * (c == 2)
                for c in range(3)
            ],
            axis=-1,
        ).astype(np.float32)
        pixel = (
            base * light[..., None]
            + (22 * weave + 12 * threads)[..., None] * np.array([1.0, 0.9, 0.8], np.float32)
            + noise
        )
        out[y0 : y0 + len(ys)] = np.clip(pixel, 0, 255).astype(np.uint8)
    Image.fromarray(out).save(path, "JPEG", quality=92, subsampling="4:2:0")


def master_path(workdir: Path, key: str) -> Path:
    """``flat16`` -> workdir/master_flat_16mp.jpg, made once (in a child: numpy's arrays must
    not inflate the measurements)."""
    kind, mp = key[:4], key[4:]
    path = workdir / f"master_{kind}_{mp}mp.jpg"
    if not path.exists():
        func = "make_master" if kind == "flat" else "make_busy_master"
        code = (
            f"import sys; sys.path.insert(0, {str(ROOT)!r});"
            f"from benchmarks.renditions import {func};"
            f"{func}(__import__('pathlib').Path({str(path)!r}), {SIZES[mp]!r})"
        )
        subprocess.run([sys.executable, "-c", code], check=True)
    return path


# --- child: one measurement ----------------------------------------------------------------------


def _machine() -> dict:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {"load": list(os.getloadavg()), "cpus": os.cpu_count(), "usable_cpus": usable}


def _trim_heap() -> None:
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:
        pass


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _status(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024  # kB -> MB
    return float("nan")


def _migrate(database: Path) -> None:
    """Build the migrated SQLite file every child copies (once per work dir)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "LFCLOUD_TEST_DB": "sqlite",
        "LFCLOUD_TEST_SQLITE_NAME": str(database),
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    code = "import django; django.setup(); from django.core.management import call_command; call_command('migrate', verbosity=0)"
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT)


def _wagtail_saver_with_preset_settings(encoders: dict) -> None:
    """Make Wagtail's JPEG saver use each preset's encoder settings (``encoders``: spec ->
    ``EncoderOptions``), so both sides write the same kind of file.

    ``Filter.run`` always asks for ``progressive=True, optimize=True``; each spec renders in one
    thread of Wagtail's pool, so the spec being rendered is kept per thread.
    """
    import threading

    from wagtail.images.models import Filter
    from willow.plugins.pillow import PillowImage

    local = threading.local()
    run, save_as_jpeg = Filter.run, PillowImage.save_as_jpeg

    def patched_run(self, image, output, source=None):
        local.spec = self.spec
        try:
            return run(self, image, output, source)
        finally:
            local.spec = None

    def patched_save(self, f, quality=85, optimize=False, progressive=False, apply_optimizers=True):
        options = encoders.get(getattr(local, "spec", None))
        if options is not None:
            optimize, progressive = options.jpeg_optimize, options.jpeg_progressive
        return save_as_jpeg(
            self,
            f,
            quality=quality,
            optimize=optimize,
            progressive=progressive,
            apply_optimizers=apply_optimizers,
        )

    Filter.run = patched_run
    PillowImage.save_as_jpeg = patched_save


def _make_version(data: bytes, name: str, keys: list[str]):
    from django.core.files.images import ImageFile
    from wagtail.images import get_image_model

    from tests.factories import make_asset, make_brand, make_product
    from wagtail_lfcloud.models import AssetVersion, VersionStatus

    brand = make_brand()
    product = make_product(brand, asin="B000123456")
    asset = make_asset(product, "front", channels=keys)
    import io

    image = get_image_model().objects.create(
        title=name, file=ImageFile(io.BytesIO(data), name=name)
    )
    return AssetVersion.objects.create(
        asset=asset,
        number=1,
        image=image,
        status=VersionStatus.CURRENT,
        period="2025-10",
        original_filename=name,
    )


def child(mode: str, master: str) -> dict:
    import django

    django.setup()
    from django.conf import settings
    from django.test import override_settings

    media = tempfile.mkdtemp(prefix="lfbench-media-")
    storages = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": os.path.join(media, "private")},
        },
    }
    extra = {}
    if os.environ.get("LFBENCH_THREADS"):  # for investigating the thread count's effect
        extra["WAGTAIL_LFCLOUD_RENDITION_THREADS"] = int(os.environ["LFBENCH_THREADS"])
    if os.environ.get("LFBENCH_MEMORY"):  # WAGTAIL_LFCLOUD_RENDITION_MEMORY, in MB
        extra["WAGTAIL_LFCLOUD_RENDITION_MEMORY"] = int(os.environ["LFBENCH_MEMORY"]) * 1_000_000
    with override_settings(MEDIA_ROOT=os.path.join(media, "public"), STORAGES=storages, **extra):
        result = _child(mode, master)
    result["media"] = media
    return result


def _child(mode: str, master: str) -> dict:
    from io import BytesIO

    from PIL import Image as PILImage

    from wagtail_lfcloud.channels import pipeline
    from wagtail_lfcloud.channels.deliverables import build_channel_renditions
    from wagtail_lfcloud.channels.pipeline import generate_renditions
    from wagtail_lfcloud.channels.registry import get_presets

    presets = get_presets()
    keys = list(presets)
    if os.environ.get("LFBENCH_ONLY"):  # for investigating one preset's cost
        keys = os.environ["LFBENCH_ONLY"].split(",")
    specs = [presets[k].spec for k in keys]
    if mode == "wagtail":
        _wagtail_saver_with_preset_settings({presets[k].spec: presets[k].encoder for k in keys})

    data = Path(master).read_bytes()
    with PILImage.open(BytesIO(data)) as big:
        small = BytesIO()
        big.draft("RGB", (big.width // 8, big.height // 8))  # no full decode in the warm-up
        big.save(small, "JPEG", quality=90)
    warm = _make_version(small.getvalue(), "warm.jpg", keys)
    version = _make_version(data, os.path.basename(master), keys)
    image = version.image
    del data

    def run(v):
        if mode == "wagtail":
            result = v.image.get_renditions(*specs)
            return {k: result[s] for k, s in zip(keys, specs, strict=True)}
        if mode == "approval":
            build_channel_renditions(v, keys)
            return None
        return generate_renditions(v.image, keys)

    captured: list = []
    if mode == "floor":
        # Untimed: the pipeline's own output pixels and encoder settings, captured at encode time.
        encode = pipeline._encode

        def capture(job, prepared):
            captured.append((job, prepared))
            return encode(job, prepared)

        pipeline._encode = capture
        result = generate_renditions(image, keys)
        pipeline._encode = encode
        outputs = {}
        captured.sort(key=lambda jp: jp[0].filter.spec)
    else:
        run(warm)
    _trim_heap()
    baseline = _status("VmRSS")
    before = _machine()
    _reset_peak()
    wall0, cpu0 = time.perf_counter(), _cpu_with_children()
    if mode == "floor":
        stages = _floor(image, captured)
    else:
        result = run(version)
        stages = {}
    wall, cpu = time.perf_counter() - wall0, _cpu_with_children() - cpu0
    peak = _status("VmHWM")
    after = _machine()
    if mode == "approval":
        from wagtail_lfcloud.models import ChannelRendition

        rows = {r.channel: r for r in ChannelRendition.objects.filter(version=version)}
        failed = [k for k, r in rows.items() if r.status != ChannelRendition.Status.READY]
        if failed:
            raise SystemExit(f"approval path failed for {failed}: {rows[failed[0]].error}")
        result = image.get_renditions(*[presets[k].spec for k in keys])
        result = {k: result[presets[k].spec] for k in keys}
    outputs = {k: r.file.path for k, r in result.items()} if mode != "floor" else {}
    return {
        "mode": mode,
        "wall": wall,
        "cpu": cpu,
        "peak": peak,
        "baseline": baseline,
        "before": before,
        "after": after,
        "outputs": outputs,
        "bytes": sum(os.path.getsize(p) for p in outputs.values()),
        "stages": stages,
    }


def _floor(image, captured: list) -> dict:
    """One reduced decode of the master, then every captured output's encode (one thread)."""
    from wagtail_lfcloud.channels import pipeline
    from wagtail_lfcloud.channels.imaging import load_pixels, open_image

    t0 = time.process_time()
    with image.open_file() as f:
        data = f.read()
    pil = open_image(data, "master")
    need = max(job.need for job, _p in captured)
    if pil.format == "JPEG" and need < 1:
        pil.draft(pil.mode, (math.ceil(pil.width * need), math.ceil(pil.height * need)))
    load_pixels(pil)
    decoded = pil.size
    del pil, data
    t1 = time.process_time()
    for job, prepared in captured:
        pipeline._encode(job, prepared)
    t2 = time.process_time()
    return {"decode": t1 - t0, "encode": t2 - t1, "decoded": list(decoded)}


# --- OCR: the cost and precision of the text check ---------------------------------------------


TEXT_CHANNELS = ("amazon_main", "ebay_gallery", "gmc_main", "meta_catalog", "tiktok_main")
ADDED = ("text_on_white", "text_across_product", "watermark")
ON_PRODUCT = ("clean", "label_on_product", "printed_fabric", "embossed_logo")


def _cpu_with_children() -> float:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def ocr_child() -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from io import BytesIO

    from PIL import Image as PILImage

    from tests.channels import labelled
    from wagtail_lfcloud.channels import analysis, text
    from wagtail_lfcloud.channels.compliance import check_bytes, normalised_rgb

    ok, why = text.availability()
    if not ok:
        return {"error": why}
    rows = []
    for channel in TEXT_CHANNELS:
        for name in ADDED + ON_PRODUCT:
            data, file_name = labelled.VARIANTS[name].make(channel)
            image = PILImage.open(BytesIO(data))
            image.load()
            rgb = normalised_rgb(image)
            seg = analysis.segment(rgb)
            text._CACHE.clear()
            wall0, cpu0 = time.perf_counter(), _cpu_with_children()
            found = text.find_text(rgb, seg)
            ocr_wall, ocr_cpu = time.perf_counter() - wall0, _cpu_with_children() - cpu0
            text._CACHE.clear()
            wall0, cpu0 = time.perf_counter(), _cpu_with_children()
            check_bytes(data, file_name, "amazon_main")
            check_wall, check_cpu = time.perf_counter() - wall0, _cpu_with_children() - cpu0
            rows.append(
                {
                    "channel": channel,
                    "case": name,
                    "size": list(rgb.size),
                    "added": [w.text for w in found.added],
                    "on_product": [w.text for w in found.on_product],
                    "ocr_wall": ocr_wall,
                    "ocr_cpu": ocr_cpu,
                    "check_wall": check_wall,
                    "check_cpu": check_cpu,
                }
            )
    return {"engine": why, "rows": rows, "load": os.getloadavg()}


def ocr_main(rounds: int) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    runs = []
    for round_ in range(rounds):
        proc = subprocess.run(
            [sys.executable, __file__, "--ocr-child"],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            check=False,
        )
        if proc.returncode:
            sys.exit(proc.stderr)
        data = json.loads(proc.stdout.strip().splitlines()[-1])
        if "error" in data:
            sys.exit(f"text detection is off: {data['error']}")
        runs.append(data)
        print(f"round {round_ + 1}: load average {data['load']}", file=sys.stderr)
    rows = runs[0]["rows"]
    n = len(rows)

    def med(field, row):
        return statistics.median(run["rows"][row][field] for run in runs)

    caught = sum(bool(r["added"]) for r in rows if r["case"] in ADDED)
    total_added = sum(r["case"] in ADDED for r in rows)
    alarms = sum(bool(r["added"]) for r in rows if r["case"] in ON_PRODUCT)
    total_clean = sum(r["case"] in ON_PRODUCT for r in rows)
    print(f"\n{runs[0]['engine']}, {os.cpu_count()} CPUs, median of {rounds} rounds")
    print(
        f"load average during the rounds: {[tuple(round(v, 1) for v in r['load']) for r in runs]}"
    )
    print(
        f"added text caught on {caught}/{total_added} images; false alarms on "
        f"{alarms}/{total_clean} clean, labelled, printed or embossed product photos\n"
    )
    print(
        "| channel size | images | OCR wall s / image | OCR CPU s / image | amazon_main check wall s | check CPU s |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for channel in TEXT_CHANNELS:
        idx = [i for i, r in enumerate(rows) if r["channel"] == channel]
        size = "x".join(map(str, rows[idx[0]]["size"]))
        cells = [
            statistics.mean(med(f, i) for i in idx)
            for f in ("ocr_wall", "ocr_cpu", "check_wall", "check_cpu")
        ]
        print(f"| {channel} {size} | {len(idx)} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
    allc = [
        statistics.mean(med(f, i) for i in range(n))
        for f in ("ocr_wall", "ocr_cpu", "check_wall", "check_cpu")
    ]
    print(f"| all | {n} | " + " | ".join(f"{c:.3f}" for c in allc) + " |")


# --- parent: comparison of outputs ------------------------------------------------------------------


def describe(path: str) -> dict:
    from PIL import Image

    with Image.open(path) as im:
        return {
            "size": list(im.size),
            "format": im.format,
            "mode": im.mode,
            "icc": bool(im.info.get("icc_profile")),
            "progressive": bool(im.info.get("progressive") or im.info.get("progression")),
        }


def psnr(a: str, b: str) -> float:
    import numpy as np
    from PIL import Image

    with Image.open(a) as ia, Image.open(b) as ib:
        x = np.asarray(ia.convert("RGB"), dtype=np.float64)
        y = np.asarray(ib.convert("RGB"), dtype=np.float64)
    mse = float(((x - y) ** 2).mean())
    return 99.0 if mse == 0 else 10 * math.log10(255**2 / mse)


def compare(reference: dict, other: dict) -> tuple[float, list[str], str]:
    """(min PSNR, mismatches other than pixels, key of the min) between two runs' outputs."""
    problems, worst, worst_key = [], 99.0, ""
    for key, path in reference.items():
        if key not in other:
            problems.append(f"{key}: missing")
            continue
        a, b = describe(path), describe(other[key])
        diff = [f"{f} {a[f]} vs {b[f]}" for f in a if a[f] != b[f]]
        if diff:
            problems.append(f"{key}: " + ", ".join(diff))
            continue
        value = psnr(path, other[key])
        if value < worst:
            worst, worst_key = value, key
    return worst, problems, worst_key


# --- parent ---------------------------------------------------------------------------------------


def _run_child(mode: str, master: Path, database: Path, env: dict) -> dict:
    copy = Path(tempfile.mkdtemp(prefix="lfbench-db-")) / "db.sqlite3"
    shutil.copy(database, copy)
    try:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", mode, str(master)],
            capture_output=True,
            text=True,
            env={**env, "LFCLOUD_TEST_SQLITE_NAME": str(copy)},
            cwd=ROOT,
            check=False,
        )
    finally:
        shutil.rmtree(copy.parent, ignore_errors=True)
    if proc.returncode:
        sys.exit(f"{mode} on {master.name} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fmt_load(runs: list[dict]) -> str:
    loads = [r["before"]["load"][0] for r in runs] + [r["after"]["load"][0] for r in runs]
    return f"{min(loads):.2f}-{max(loads):.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--masters", default="flat16,flat24,busy16,busy24")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--min-psnr", type=float, default=30.0)
    parser.add_argument("--json", default=None, help="also write every run's figures here")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="one round on flat16 and busy24 (an idle-machine check, about two minutes)",
    )
    parser.add_argument("--ocr", action="store_true", help="measure the text check instead")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "MASTER"), help=argparse.SUPPRESS)
    parser.add_argument("--ocr-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    if args.ocr_child:
        print(json.dumps(ocr_child()))
        return
    if args.ocr:
        ocr_main(args.rounds)
        return

    if args.quick:
        args.rounds, args.masters = 1, "flat16,busy24"
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="lfbench-masters-"))
    workdir.mkdir(parents=True, exist_ok=True)
    masters = {key: master_path(workdir, key) for key in args.masters.split(",")}
    modes = args.modes.split(",")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "LFCLOUD_TEST_DB": "sqlite",
        "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    database = workdir / "migrated.sqlite3"
    if not database.exists():
        _migrate(database)

    start = _machine()
    print(
        f"start {time.strftime('%Y-%m-%d %H:%M:%S %Z')}: {start['cpus']} CPUs "
        f"({start['usable_cpus']} usable), load average {start['load']}",
        file=sys.stderr,
    )
    results: dict[tuple[str, str], list[dict]] = {}
    media_dirs: list[str] = []
    try:
        for round_ in range(args.rounds):
            order = [(k, m) for k in masters for m in modes]
            if round_ % 2:
                order.reverse()
            for key, mode in order:
                data = _run_child(mode, masters[key], database, env)
                results.setdefault((key, mode), []).append(data)
                if round_ == 0 and data["outputs"]:
                    media_dirs.append(data["media"])  # the first round's files are compared
                else:
                    shutil.rmtree(data["media"], ignore_errors=True)
                print(
                    f"round {round_ + 1} {key} {mode:8s} wall {data['wall']:.2f}s "
                    f"cpu {data['cpu']:.2f}s peak {data['peak']:.0f} MB "
                    f"load {data['before']['load'][0]:.2f}->{data['after']['load'][0]:.2f}",
                    file=sys.stderr,
                )
        failures = _report(args, masters, modes, results, start)
    finally:
        for media in media_dirs:
            shutil.rmtree(media, ignore_errors=True)
    if args.json:
        Path(args.json).write_text(
            json.dumps({f"{k}/{m}": v for (k, m), v in results.items()}, indent=1)
        )
    if failures:
        print("\nFAILED: the outputs differ in more than pixels:", file=sys.stderr)
        for line in failures:
            print("  " + line, file=sys.stderr)
        sys.exit(1)


LABELS = {
    "wagtail": "Wagtail `get_renditions` (cold)",
    "pipeline": "`generate_renditions`",
    "approval": "`build_channel_renditions` (approval path)",
    "floor": "floor: reduced decode + same encodes, 1 thread",
}


def _report(args, masters, modes, results, start) -> list[str]:
    end = _machine()

    print(
        f"\n{time.strftime('%Y-%m-%d %H:%M %Z')}, {end['cpus']} CPUs ({end['usable_cpus']} usable, "
        f"nothing pinned), median of {args.rounds} cold runs per cell; load average at start "
        f"{tuple(round(v, 2) for v in start['load'])}, at end {tuple(round(v, 2) for v in end['load'])}\n"
    )
    print(
        "| master | approach | wall s | CPU s | CPU/wall | peak RSS MB | above baseline MB "
        "| out MB | 1-min load during runs |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    failures: list[str] = []
    ratios = []
    for key in masters:
        med = {}
        for mode in modes:
            runs = results[(key, mode)]
            fields = ("wall", "cpu", "peak", "baseline", "bytes")
            m = {f: statistics.median(r[f] for r in runs) for f in fields}
            med[mode] = m
            print(
                f"| {key} | {LABELS[mode]} | {m['wall']:.2f} | {m['cpu']:.2f} | "
                f"{m['cpu'] / m['wall']:.2f} | {m['peak']:.0f} | {m['peak'] - m['baseline']:.0f} | "
                f"{m['bytes'] / 1e6:.2f} | {_fmt_load(runs)} |"
            )
        row = {"master": key}
        w = med.get("wagtail")
        for mode in ("pipeline", "approval"):
            p = med.get(mode)
            if w and p:
                row[mode] = (
                    w["wall"] / p["wall"],
                    w["cpu"] / p["cpu"],
                    p["peak"] / w["peak"],
                    (p["peak"] - p["baseline"]) / (w["peak"] - w["baseline"]),
                )
            if p and "floor" in med:
                row[f"{mode}_floor"] = p["cpu"] / med["floor"]["cpu"]
            if w and p:
                worst, problems, worst_key = compare(
                    results[(key, "wagtail")][0]["outputs"], results[(key, mode)][0]["outputs"]
                )
                row[f"{mode}_psnr"] = (worst, worst_key)
                failures += [f"{key} {mode}: {p_}" for p_ in problems]
                if worst < args.min_psnr:
                    failures.append(
                        f"{key} {mode}: {worst_key} PSNR {worst:.1f} dB < {args.min_psnr} dB"
                    )
        if "floor" in med:
            stages = results[(key, "floor")][0]["stages"]
            row["floor_stages"] = stages
        ratios.append(row)
    print(
        "\n| master | vs Wagtail | wall speed-up | CPU ratio | peak RSS ratio | above-baseline ratio "
        "| CPU / floor | min PSNR vs Wagtail (output) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for row in ratios:
        for mode in ("pipeline", "approval"):
            if mode not in row:
                continue
            wall, cpu, peak, extra = row[mode]
            floor = row.get(f"{mode}_floor")
            worst, worst_key = row[f"{mode}_psnr"]
            print(
                f"| {row['master']} | {mode} | {wall:.2f}x | {cpu:.2f}x | {peak:.2f}x | {extra:.2f}x | "
                f"{f'{floor:.2f}x' if floor else '-'} | {worst:.1f} dB ({worst_key}) |"
            )
    for row in ratios:
        if "floor_stages" in row:
            s = row["floor_stages"]
            print(
                f"\nfloor {row['master']}: decode at {s['decoded'][0]}x{s['decoded'][1]} "
                f"{s['decode']:.3f}s CPU, encodes {s['encode']:.3f}s CPU",
                end="",
            )
    print()
    return failures


if __name__ == "__main__":
    main()
