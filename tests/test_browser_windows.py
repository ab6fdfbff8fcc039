"""Every browser window of the browser tests opens through ``new_context`` in
tests/browser/conftest.py, which asks for reduced motion.

A window opened with Playwright's own ``browser.new_context()`` animates Wagtail's pulsing count
badge on the sidebar's Help menu: headless Chromium then draws frames at 13-17 % of a core for as
long as an admin page stays open, which the browser tests paid for in every idle second
(docs/explanation/performance.md). This check reads the browser tests' source, so it runs
without Chromium.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.browser.conftest import new_context

BROWSER_TESTS = Path(__file__).resolve().parent / "browser"


def _direct_calls(path: Path) -> list[str]:
    """``something.new_context(...)`` calls in ``path``, outside the helper itself."""
    tree = ast.parse(path.read_text(), filename=str(path))
    helper_lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "new_context":
            helper_lines.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return [
        f"{path.name}:{node.lineno}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "new_context"
        and node.lineno not in helper_lines
    ]


def test_every_window_opens_through_the_helper():
    sources = sorted(BROWSER_TESTS.glob("*.py"))
    assert any(path.name == "conftest.py" for path in sources)
    direct = [call for path in sources for call in _direct_calls(path)]
    assert not direct, (
        "open browser windows with tests/browser/conftest.py new_context(browser, url), "
        f"not browser.new_context(): {', '.join(direct)}"
    )


def test_the_helper_asks_for_reduced_motion():
    class Browser:
        def new_context(self, **options):
            return options

    options = new_context(Browser(), "http://testserver", accept_downloads=True)
    assert options["reduced_motion"] == "reduce"
    assert options["base_url"] == "http://testserver"
    assert options["accept_downloads"] is True
