"""scripts/check-imports: no import cycle between the package's parts, no unexplained import
inside a function (issue 17)."""

import importlib.machinery
import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check-imports"


def _checker():
    loader = importlib.machinery.SourceFileLoader("check_imports", str(SCRIPT))
    spec = importlib.util.spec_from_loader("check_imports", loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules["check_imports"] = module  # dataclasses look their module up
    try:
        loader.exec_module(module)
    finally:
        del sys.modules["check_imports"]
    return module


def _tree(tmp_path, files: dict[str, str]) -> Path:
    root = tmp_path / "wagtail_lfcloud"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def test_the_package_passes():
    result = subprocess.run(
        [sys.executable, str(SCRIPT)], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_cycle_through_a_function_level_import_is_found(tmp_path):
    root = _tree(
        tmp_path,
        {
            "orders/__init__.py": "from ..delivery import send\n",
            "delivery/__init__.py": """
                def send():
                    # why: a cycle
                    from ..orders import grid
            """,
        },
    )
    report = _checker().scan(root)
    assert report.cycles() == [["delivery", "orders"]]
    edge = next(e for e in report.edges if e.source == "delivery")
    assert edge.in_function and edge.where == "wagtail_lfcloud/delivery/__init__.py:4"


def test_models_calling_services_is_the_allowed_cycle(tmp_path):
    root = _tree(
        tmp_path,
        {
            "models/__init__.py": """
                def save():
                    # cycle: the services import the models
                    from ..assets import previews
            """,
            "assets/__init__.py": "from ..models import Asset\n",
        },
    )
    assert _checker().scan(root).cycles() == []


def test_type_checking_imports_are_no_edges(tmp_path):
    root = _tree(
        tmp_path,
        {
            "orders/__init__.py": "from ..delivery import send\n",
            "delivery/__init__.py": """
                from typing import TYPE_CHECKING
                if TYPE_CHECKING:
                    from ..orders import Order
            """,
        },
    )
    assert _checker().scan(root).cycles() == []


def test_an_import_inside_a_function_needs_a_comment_giving_its_reason(tmp_path):
    root = _tree(
        tmp_path,
        {
            "storage.py": """
                def check():
                    from storages.backends.s3 import S3Storage

                def other():
                    # optional: the [ocr] extra
                    import pytesseract
                    import json

                def third():
                    import boto3  # optional: the [s3] extra

                def fourth():
                    # cycle: the tasks import this module, and
                    # this comment goes on.
                    from .tasks import run

                def fifth():
                    # Faster this way.
                    import csv

                def sixth():
                    import zipfile  # see above
            """,
        },
    )
    assert _checker().scan(root).uncommented == [
        "wagtail_lfcloud/storage.py:3: from storages.backends.s3 import S3Storage",
        "wagtail_lfcloud/storage.py:20: import csv",
        "wagtail_lfcloud/storage.py:23: import zipfile",
    ]
