"""The reference docs stay true to the code."""

import re
from pathlib import Path

from wagtail_lfcloud.conf import DEFAULTS

DOCS = Path(__file__).resolve().parents[2] / "docs"
PACKAGE = Path(__file__).resolve().parents[2] / "wagtail_lfcloud"


def test_every_setting_is_documented():
    text = (DOCS / "reference" / "settings.md").read_text()
    missing = [name for name in DEFAULTS if f"WAGTAIL_LFCLOUD_{name}`" not in text]
    assert not missing, f"Undocumented settings: {missing}"


def test_every_check_id_is_documented():
    ids = set()
    for path in PACKAGE.rglob("*.py"):
        ids |= set(re.findall(r"wagtail_lfcloud\.[EW]\d{3}", path.read_text()))
    text = (DOCS / "reference" / "checks.md").read_text()
    missing = sorted(i for i in ids if i not in text)
    assert ids and not missing, f"Undocumented check ids: {missing}"


README = Path(__file__).resolve().parents[2] / "README.md"


def _code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def test_install_snippets_list_every_required_app_and_put_urls_before_wagtails_catch_all():
    """The README and the installation guide: what a new site copies must work as copied."""
    from wagtail_lfcloud.checks import check_installed_apps

    source = (PACKAGE / "checks.py").read_text()
    required = re.search(r"required = \[(.*?)\]", source, re.S).group(1)
    apps = re.findall(r'"([\w.]+)"', required)
    assert "ninja" in apps and check_installed_apps() == []
    for doc in (README, DOCS / "installation.md"):
        text = doc.read_text()
        python = "\n".join(_code_blocks(text, "python"))
        settings = python[python.index("INSTALLED_APPS") :]
        missing = [app for app in apps if f'"{app}"' not in settings]
        assert not missing, f"{doc.name}: INSTALLED_APPS snippet omits {missing}"
        urls = next(
            block for block in _code_blocks(text, "python") if "wagtail_lfcloud.urls" in block
        )
        assert "catch-all" in text, (
            f"{doc.name} does not say the URLs go before Wagtail's catch-all"
        )
        assert urls.index("wagtail_lfcloud.urls") < urls.rindex(
            'path("", include(wagtail_urls))'
        ), f"{doc.name}: the package's URLs must come before Wagtail's catch-all"
        # Not on PyPI yet: a way to install that works today.
        assert "git+https://github.com/lfcloud/wagtail-lfcloud" in text, doc.name
        assert "pip wheel" in text, doc.name


def test_messages_link_to_the_online_docs_not_to_files_an_installed_package_lacks():
    """System check hints and rule sources are read where the package is installed, which has no
    docs/ folder: they give the documentation's address, and its page and anchor exist."""
    import ast

    from wagtail_lfcloud.conf import DOCS_URL

    bare, links = [], []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if id(node) in docstrings:
                    continue
                for match in re.finditer(r"(?<![\w/.])docs/[\w/.-]+\.md", node.value):
                    bare.append(f"{path.relative_to(PACKAGE)}:{node.lineno}: {match.group(0)}")
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", "") == "docs_url"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                links.append(node.args[0].value)
    assert not bare, "Messages pointing to a repository file:\n" + "\n".join(bare)
    assert DOCS_URL.startswith("https://") and len(links) >= 6
    for link in links:
        page, _, anchor = link.partition("#")
        text = (DOCS / page).read_text()
        headings = {
            re.sub(r"[^\w\s-]", "", h).strip().lower().replace(" ", "-")
            for h in re.findall(r"^#+ (.+)$", text, re.M)
        }
        assert not anchor or anchor in headings, f"{link}: no such heading in docs/{page}"
