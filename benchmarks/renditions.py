"""Benchmark: a full built-in channel set, cold, Wagtail's get_renditions vs the pipeline.

    .venv/bin/python benchmarks/renditions.py [--rounds 3] [--sizes 16,24] [--workdir DIR]
    .venv/bin/python benchmarks/renditions.py --ocr [--rounds 3]

``--ocr`` measures the text/watermark check instead (Tesseract through pytesseract, see
``wagtail_lfcloud/channels/text.py``): per image, wall and CPU time of the OCR alone (our
process plus the tesseract child processes, from ``getrusage``), and of a whole ``amazon_main``
check (which includes it), on the labelled set's product photos (tests/channels/labelled.py)
at each text channel's size; it also counts what the OCR flags as added text on the photos with
added text (caught) and on the clean ones, labels, printed fabric and embossed logos (false
alarms). The machine's load average is printed with the figures: on a shared machine the wall
time moves with it, the CPU time much less.

Masters are synthetic product photos made with numpy + Pillow (no downloads): 4000x4000
(16 MP) and 6000x4000 (24 MP) JPEG q92. Every measurement runs in a fresh subprocess
(minimal Django: in-memory SQLite, local storage in a temp dir, LocMem caches), warms up
every code path on a 1/16-size copy of the master, then times one cold generation of every
built-in channel preset from the master. Rounds interleave the modes so machine noise hits both.

Wall time is ``perf_counter``, CPU time is ``process_time`` (all threads), peak memory is the
kernel's RSS high-water mark (``VmHWM``) after resetting it just before the timed run.
Run on demand; never part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
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


# --- child: one measurement ----------------------------------------------------------------------


def _setup_django(media: str) -> None:
    import django
    from django.conf import settings

    settings.configure(
        SECRET_KEY="bench",
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "taggit",
            "wagtail.images",
            "wagtail",
        ],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        MEDIA_ROOT=media,
        MEDIA_URL="/media/",
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        STATIC_URL="/static/",
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.AutoField",
        WAGTAILIMAGES_MAX_IMAGE_PIXELS=200_000_000,
        # Tables straight from the models: no migration graph (wagtailadmin is not installed).
        MIGRATION_MODULES=dict.fromkeys(
            ("contenttypes", "auth", "taggit", "wagtailimages", "wagtailcore")
        ),
    )
    django.setup()
    from django.core.management import call_command
    from wagtail import hooks

    from wagtail_lfcloud.channels.operations import get_image_operations

    # The package's wagtail_hooks.py registers these; this minimal site does it by hand.
    hooks.register("register_image_operations", get_image_operations)
    call_command("migrate", verbosity=0, run_syncdb=True)
    from wagtail.models import Collection

    Collection.add_root(name="Root")


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


def child(mode: str, master: str) -> dict:
    media = tempfile.mkdtemp(prefix="lfbench-")
    _setup_django(media)
    from django.core.files import File
    from wagtail.images.models import Image

    from wagtail_lfcloud.channels.pipeline import generate_renditions
    from wagtail_lfcloud.channels.presets import BUILTIN_PRESETS

    specs = [p["spec"] for p in BUILTIN_PRESETS.values()]
    if os.environ.get("LFBENCH_ONLY"):  # for investigating one preset's cost
        specs = [BUILTIN_PRESETS[k]["spec"] for k in os.environ["LFBENCH_ONLY"].split(",")]
    with open(master, "rb") as f:
        image = Image.objects.create(title="master", file=File(f, name=os.path.basename(master)))

    def run():
        if mode == "wagtail":
            return image.get_renditions(*specs)
        return generate_renditions(image, specs)

    # Warm up every code path (imports, Willow's registry, ICC profiles) on a small copy, so
    # the timed run is cold for the master only; then hand freed heap back to the OS so the
    # high-water mark measures this run, not the warm-up.
    from io import BytesIO

    from PIL import Image as PILImage

    with PILImage.open(master) as big:
        small = BytesIO()
        big.draft("RGB", (big.width // 8, big.height // 8))  # no full decode in the warm-up
        big.save(small, "JPEG", quality=90)
    warm = Image.objects.create(title="warm", file=File(small, name="warm.jpg"))
    warm.get_renditions(*specs) if mode == "wagtail" else generate_renditions(warm, specs)
    _trim_heap()
    baseline = _status("VmRSS")
    _reset_peak()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    result = run()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    peak = _status("VmHWM")
    sizes = sorted((r.width, r.height) for r in result.values())
    out_bytes = sum(r.file.size for r in result.values())
    return {
        "mode": mode,
        "wall": wall,
        "cpu": cpu,
        "peak": peak,
        "baseline": baseline,
        "outputs": len(result),
        "bytes": out_bytes,
        "sizes": sizes,
    }


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


# --- parent ---------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sizes", default="16,24")
    parser.add_argument("--workdir", default=None)
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

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="lfbench-masters-"))
    workdir.mkdir(parents=True, exist_ok=True)
    masters = {}
    for key in args.sizes.split(","):
        path = workdir / f"master_{key}mp.jpg"
        if not path.exists():
            # In a child, so the master's numpy arrays do not inflate our measurements.
            code = (
                f"import sys; sys.path.insert(0, {str(ROOT)!r});"
                "from benchmarks.renditions import make_master;"
                f"make_master(__import__('pathlib').Path({str(path)!r}), {SIZES[key]!r})"
            )
            subprocess.run([sys.executable, "-c", code], check=True)
        masters[key] = path

    results: dict[tuple[str, str], list[dict]] = {}
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    for round_ in range(args.rounds):
        order = [(k, m) for k in masters for m in ("wagtail", "pipeline")]
        if round_ % 2:
            order.reverse()
        for key, mode in order:
            proc = subprocess.run(
                [sys.executable, __file__, "--child", mode, str(masters[key])],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            if proc.returncode:
                sys.exit(proc.stderr)
            data = json.loads(proc.stdout.strip().splitlines()[-1])
            results.setdefault((key, mode), []).append(data)
            print(
                f"round {round_ + 1} {key} MP {mode:8s} wall {data['wall']:.2f}s "
                f"cpu {data['cpu']:.2f}s peak {data['peak']:.0f} MB",
                file=sys.stderr,
            )

    print(
        f"\n{len(next(iter(results.values()))[0]['sizes'])} outputs per set, "
        f"median of {args.rounds} cold runs, {os.cpu_count()} CPUs\n"
    )
    print("| master | approach | wall s | CPU s | peak MB (VmHWM) | above baseline MB | out MB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    summary = {}
    for key in masters:
        for mode in ("wagtail", "pipeline"):
            runs = results[(key, mode)]
            fields = ("wall", "cpu", "peak", "baseline", "bytes")
            med = {f: statistics.median(r[f] for r in runs) for f in fields}
            summary[(key, mode)] = med
            label = (
                "Wagtail get_renditions" if mode == "wagtail" else "pipeline generate_renditions"
            )
            print(
                f"| {key} MP | {label} | {med['wall']:.2f} | {med['cpu']:.2f} | {med['peak']:.0f} | "
                f"{med['peak'] - med['baseline']:.0f} | {med['bytes'] / 1e6:.2f} |"
            )
        same = results[(key, "wagtail")][0]["sizes"] == results[(key, "pipeline")][0]["sizes"]
        w, p = summary[(key, "wagtail")], summary[(key, "pipeline")]
        extra = (w["peak"] - w["baseline"]) / (p["peak"] - p["baseline"])
        print(
            f"| {key} MP | **ratio** (Wagtail / pipeline) | **{w['wall'] / p['wall']:.2f}x** | "
            f"{w['cpu'] / p['cpu']:.2f}x | **{w['peak'] / p['peak']:.2f}x** | {extra:.2f}x | "
            f"sizes identical: {same} |"
        )


if __name__ == "__main__":
    main()
