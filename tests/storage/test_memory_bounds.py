"""The memory one file can cost, measured in a fresh Python process per file.

Each file goes through the real entry points (``upload_version`` as the upload view calls it, the
preview task the upload queues, every channel preset through ``build_channel_renditions``) in a
subprocess (tests/storage/memory_probe.py), which reports its peak resident memory above what it
held before the file was touched. The bound asserted is the one documented in
docs/how-to/upload-and-review.md#limits: a refused file costs under :data:`REFUSED_BOUND`; an
accepted one at most ``3 x WAGTAIL_LFCLOUD_MAX_DECODED_BYTES`` plus :data:`OVERHEAD`.
This is a memory bound, not a timing.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sqlite_template import subprocess_env
from tests.storage import hostile_files as H

ROOT = Path(__file__).resolve().parents[2]
MB = 1_000_000
LIMIT = 64 * MB
#: Documented: peak increase <= FACTOR x the decoded-size limit + OVERHEAD.
FACTOR = 3
OVERHEAD = 64 * MB
#: A file refused from its header must not be decoded at all.
REFUSED_BOUND = 32 * MB

NAME = "SKU10001_2025-10_front.{}"

CASES = {
    # id: (file maker, extension, refused code or None)
    "png-bomb-over-limit": (lambda: H.png_bomb(11_000, 11_000), "png", "too_large"),
    "png-bomb-rgb-under-limit": (lambda: H.png_bomb(4600, 4600), "png", None),
    "png-bomb-rgba-under-limit": (lambda: H.png_bomb(4000, 3900, colour_type=6), "png", None),
    "png-bomb-palette": (lambda: H.png_bomb(4600, 4600, colour_type=3), "png", None),
    "gif-huge-frame": (lambda: H.gif_with_huge_frame(huge=(8000, 8000)), "gif", "too_large"),
    "webp-animated-over-limit": (
        lambda: H.animated("WEBP", (3000, 3000), 4, lossless=True, method=0),
        "webp",
        "too_large",
    ),
    "webp-animated-under-limit": (
        lambda: H.animated("WEBP", (2500, 2500), 2, lossless=True, method=0),
        "webp",
        None,
    ),
    "tiff-16-bit-rgb": (lambda: H.tiff(3500, 3000, H.rgb16_strip(3500)), "tif", None),
    "tiff-16-bit-grey": (lambda: H.tiff(5600, 5600, H.grey16_strip(5600), samples=1), "tif", None),
    "tiff-16-bit-over-limit": (
        lambda: H.tiff(6000, 4000, H.rgb16_strip(6000)),
        "tiff",
        "too_large",
    ),
    "jpeg-large": (lambda: H.photo_jpeg((4600, 4600)), "jpg", None),
}


def probe(migrated: Path, tmp_path: Path, content: bytes, name: str) -> dict:
    """``migrated``: the session's migrated SQLite file (tests/sqlite_template.py), copied here."""
    db = tmp_path / "db.sqlite3"
    shutil.copy(migrated, db)
    path = tmp_path / name
    path.write_bytes(content)
    done = subprocess.run(
        [sys.executable, "-m", "tests.storage.memory_probe", "run", str(path), name],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=subprocess_env(
            LFCLOUD_TEST_SQLITE_NAME=str(db),
            LFCLOUD_PROBE_MEDIA=str(tmp_path / "media"),
            LFCLOUD_PROBE_MAX_DECODED_BYTES=str(LIMIT),
        ),
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("PROBE ")]
    assert done.returncode == 0 and lines, done.stderr[-3000:]
    return json.loads(lines[-1][len("PROBE ") :])


@pytest.mark.slow
@pytest.mark.own_sqlite  # the probe runs on a copy of migrated_sqlite
@pytest.mark.parametrize("case", list(CASES))
def test_peak_memory_of_one_file_stays_under_the_documented_bound(migrated_sqlite, tmp_path, case):
    make, extension, code = CASES[case]
    result = probe(migrated_sqlite, tmp_path, make(), NAME.format(extension))
    increase = result["increase_kb"] * 1000
    assert result["peak_reset"], "the kernel could not reset the peak (/proc/self/clear_refs)"
    if code:
        assert result["refused"] == code, result
        assert "WAGTAIL_LFCLOUD_MAX_DECODED_BYTES" in result["message"]
        assert increase < REFUSED_BOUND, f"{case}: refused, yet {increase / MB:.0f} MB were used"
    else:
        assert result["refused"] is None, result
        # Really processed: both previews, the perceptual hash, every channel rendition ready.
        assert {"max-165x165", "max-800x600"} <= set(result["previews"]), result
        assert result["perceptual_hash"], result
        assert result["channels"] and set(result["channels"].values()) == {"ready"}, result
        bound = FACTOR * LIMIT + OVERHEAD
        assert increase <= bound, (
            f"{case}: {increase / MB:.0f} MB over its baseline, bound {bound / MB:.0f} MB"
        )
