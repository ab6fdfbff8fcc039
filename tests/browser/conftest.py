"""Real-browser fixtures: the example site in a subprocess, and Debian's Chromium driven by Playwright.

The site gets a fresh SQLite database and MEDIA_ROOT in a temporary directory, copied from the
example site migrated and loaded with ``lfcloud_demo`` once per session (tests/sqlite_template.py),
or the empty database named by ``LFCLOUD_BROWSER_DATABASE_URL``, migrated and loaded here; it is
served by ``runserver`` on a free port of 127.0.0.1. Chromium is the
system one (``/usr/bin/chromium``, or ``LFCLOUD_CHROMIUM``): Playwright's own browser downloads are
never used. Without Chromium the browser tests skip locally and fail in CI (``CI=true``), so a CI
image that lost its browser cannot pass silently.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.sqlite_template import copy_example_site, example_env, example_site_template

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_SITE = ROOT / "example_site"
CHROMIUM = os.environ.get("LFCLOUD_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "lfcloud-demo"
#: Where each step's screenshot goes; the tutorial (docs/tutorial/first-steps.md) shows them.
#: Screenshots go to test-results/ (ignored by git); LFCLOUD_UPDATE_SCREENSHOTS=1 refreshes the
#: tutorial's own pictures in docs/img/tutorial/ instead, so a plain test run never edits the docs.
UPDATE_SCREENSHOTS = os.environ.get("LFCLOUD_UPDATE_SCREENSHOTS") == "1"
SCREENSHOTS = (
    ROOT / "docs" / "img" / "tutorial"
    if UPDATE_SCREENSHOTS
    else ROOT / "test-results" / "screenshots"
)
VIEWPORT = {"width": 1280, "height": 800}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing(reason: str) -> None:
    """Skip locally, fail in CI: a browser test that cannot run must not look green there."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI=true: browser tests must run in CI)", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def new_context(browser, base_url: str, **options):
    """A new browser window (its own cookies and cache) on ``base_url``: every test opens its
    windows here, so they share the viewport and ask for reduced motion. Without it, the admin's
    animated badge (the count on the sidebar's Help menu) kept Chromium drawing frames at 13-17 %
    of a core for as long as any admin page stayed open (0.13 s of CPU per idle second against
    0.004 with reduced motion); nothing a test asserts depends on an animation."""
    return browser.new_context(
        viewport=VIEWPORT, base_url=base_url, reduced_motion="reduce", **options
    )


@dataclass
class ExampleSite:
    """The running example site: its URL, environment and a way to run ``manage.py`` against it."""

    url: str
    env: dict[str, str]
    media_root: Path
    log: Path
    process: subprocess.Popen = field(repr=False)

    def manage(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        """Run ``manage.py`` with the site's database and media; raise with its output if it fails."""
        result = subprocess.run(
            [sys.executable, str(EXAMPLE_SITE / "manage.py"), *args],
            env=self.env,
            cwd=EXAMPLE_SITE,
            capture_output=True,
            text=True,
            timeout=300,
            input=input,
            check=False,
        )
        if result.returncode != 0:
            raise AssertionError(
                f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
            )
        return result

    def shell(self, code: str) -> str:
        """Run Python ``code`` in ``manage.py shell`` against the site's database; return its stdout."""
        return self.manage("shell", "-c", code).stdout.strip()


#: Each response of a site started here names it in this header (SITE_SETTINGS), so the startup
#: check knows that the server answering on the site's port is this site. Its port is chosen free
#: (:func:`_free_port`) and bound by runserver only later: another xdist worker's site could take
#: it in between, and a check that anything answers there would hand this worker that site.
SITE_HEADER = "X-LFCloud-Test-Site"

#: The settings module of each site (``lfcloud_site_settings``); ``settings`` code goes after it.
SITE_SETTINGS = """from example.settings import *  # noqa: F403

LFCLOUD_TEST_SITE = {token!r}


def name_the_site(get_response):
    def middleware(request):
        response = get_response(request)
        response[{header!r}] = LFCLOUD_TEST_SITE
        return response

    return middleware


MIDDLEWARE = ["lfcloud_site_settings.name_the_site", *MIDDLEWARE]  # noqa: F405

"""


class _PortTaken(Exception):
    """The site's runserver exited because something else listens on its port."""


def _wait_until_answering(
    url: str, token: str, process: subprocess.Popen, log: Path, timeout: float = 90
) -> None:
    """Wait until the site answers with its own ``token``; raise :class:`_PortTaken` if its
    runserver found the port taken (another server answering there is not taken for it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text()
            if "That port is already in use" in output:
                raise _PortTaken(url)
            raise RuntimeError(f"the example site exited with {process.returncode}:\n{output}")
        try:
            with urllib.request.urlopen(url + "/admin/login/", timeout=5) as response:
                if response.status == 200 and response.headers.get(SITE_HEADER) == token:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise RuntimeError(
        f"the example site did not answer within {timeout:.0f} s:\n{log.read_text()}"
    )


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="session")
def example_site(request, tmp_path_factory) -> Iterator[ExampleSite]:
    """The example site with demo data, served on a free port for the whole browser session."""
    template = example_site_template(request.config, tmp_path_factory)
    with running_example_site(template=template) as site:
        yield site


@contextmanager
def running_example_site(
    settings: str = "",
    *,
    template: Path | None = None,
    media_to: Callable[[Path], None] | None = None,
) -> Iterator[ExampleSite]:
    """A fresh example site with demo data on a free port, stopped and deleted on exit (also used
    without a browser, e.g. by tests/api/test_client_example.py, which writes to its own copy).

    ``settings``: Python run after the example's settings, in a settings module of its own (e.g.
    S3 storage on the moto server: :func:`s3_example_site`). ``template``: the session's migrated,
    demo-loaded example site (tests/sqlite_template.py ``example_site_template``), whose database
    and media are copied. ``media_to(media)``: where the copied ``media/`` goes when ``settings``
    store the default storage's files elsewhere (S3: :func:`s3_example_site` puts each file in
    the bucket under its name). Without a template, or when LFCLOUD_BROWSER_DATABASE_URL names
    another (empty) database, the site is migrated and loaded here. If runserver finds its port
    taken (another worker's site), the site starts again on another: ``site.url`` is its URL."""
    workdir = Path(tempfile.mkdtemp(prefix="lfcloud-browser-"))
    url = f"http://127.0.0.1:{_free_port()}"
    other_database = os.environ.get("LFCLOUD_BROWSER_DATABASE_URL")
    env = example_env(
        workdir,
        WAGTAILADMIN_BASE_URL=url,
        DJANGO_DEBUG="1",
        PYTHONUNBUFFERED="1",
        **({"DATABASE_URL": other_database} if other_database else {}),
    )
    token = uuid.uuid4().hex
    (workdir / "lfcloud_site_settings.py").write_text(
        SITE_SETTINGS.format(token=token, header=SITE_HEADER) + settings
    )
    env["DJANGO_SETTINGS_MODULE"] = "lfcloud_site_settings"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(workdir), env.get("PYTHONPATH")]))
    log = workdir / "runserver.log"
    site = ExampleSite(url=url, env=env, media_root=workdir / "media", log=log, process=None)  # type: ignore[arg-type]
    if template is not None and not other_database and (media_to is not None or not settings):
        copy_example_site(template, workdir)
        if media_to is not None:
            media_to(workdir / "media")
            shutil.rmtree(workdir / "media")
    else:
        site.manage("migrate", "--no-input", "-v0")
        site.manage("lfcloud_demo")
    try:
        for _attempt in range(5):
            with log.open("w") as out:
                # --noreload: one process to stop; threads so two people's pages can load at once.
                site.process = subprocess.Popen(
                    [
                        sys.executable,
                        str(EXAMPLE_SITE / "manage.py"),
                        "runserver",
                        "--noreload",
                        site.url.removeprefix("http://"),
                    ],
                    env=env,
                    cwd=EXAMPLE_SITE,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            try:
                _wait_until_answering(site.url, token, site.process, log)
                break
            except _PortTaken:
                site.url = env["WAGTAILADMIN_BASE_URL"] = f"http://127.0.0.1:{_free_port()}"
        else:
            raise RuntimeError(f"the example site found its port taken 5 times:\n{log.read_text()}")
        yield site
    finally:
        if site.process is not None:
            _stop(site.process)
        shutil.rmtree(workdir, ignore_errors=True)


@dataclass
class S3Site:
    """The example site with its originals on a moto S3 bucket (uploads go straight to it)."""

    site: ExampleSite
    bucket: str
    moto: object  # tests.s3.MotoServer

    @property
    def url(self) -> str:
        return self.site.url

    def keys(self) -> list[str]:
        return self.moto.keys(self.bucket)


#: Settings of :func:`s3_example_site`: the originals on S3 (with presigned URLs, so the upload
#: page sends files straight to the bucket), files up to 80 MB, parts of 8 MiB above 16 MiB.
S3_SETTINGS = """
STORAGES = {{
    **STORAGES,
    "default": {{
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {{
            "bucket_name": {bucket!r},
            "endpoint_url": {endpoint!r},
            "access_key": {access!r},
            "secret_key": {secret!r},
            "region_name": {region!r},
            "signature_version": "s3v4",
            "addressing_style": "path",
            "querystring_auth": True,
            "default_acl": "private",
            "file_overwrite": False,
        }},
    }},
}}
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 80 * 1024 * 1024
WAGTAIL_LFCLOUD_DIRECT_UPLOAD_MULTIPART_THRESHOLD = 16 * 1024 * 1024
WAGTAIL_LFCLOUD_DIRECT_UPLOAD_PART_SIZE = 8 * 1024 * 1024
"""


@pytest.fixture(scope="session")
def s3_example_site(request, tmp_path_factory, chromium, moto_server) -> Iterator[S3Site]:
    """A second example site, its originals on a bucket of the moto server whose CORS rule lets
    the site's pages PUT to it (the rule docs/how-to/direct-uploads.md gives). Its database is a
    copy of the session's demo-loaded example site, and that site's media files are put in the
    bucket, as ``lfcloud_demo`` would have stored them there."""
    from tests import s3

    bucket = moto_server.create_bucket(f"browser-originals-{uuid.uuid4().hex[:12]}")
    code = S3_SETTINGS.format(
        bucket=bucket,
        endpoint=moto_server.endpoint_url,
        access=s3.ACCESS_KEY,
        secret=s3.SECRET_KEY,
        region=s3.REGION,
    )
    client = moto_server.client()

    def to_bucket(media: Path) -> None:
        for path in sorted(media.rglob("*")):
            if path.is_file():
                client.upload_file(str(path), bucket, path.relative_to(media).as_posix())

    template = example_site_template(request.config, tmp_path_factory)
    with running_example_site(code, template=template, media_to=to_bucket) as site:
        # Its port is known once it answers (it may have had to take another).
        client.put_bucket_cors(Bucket=bucket, CORSConfiguration=s3.upload_cors(site.url))
        yield S3Site(site=site, bucket=bucket, moto=moto_server)


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """Debian's Chromium, headless, launched by Playwright with a fresh, empty profile."""
    if not os.path.exists(CHROMIUM):
        _missing(
            f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install -y chromium)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed: pip install -e '.[test]'")
    profile = Path(tempfile.mkdtemp(prefix="lfcloud-chromium-"))
    with sync_playwright() as playwright:
        # Playwright refuses --user-data-dir in args for launch(); it creates its own empty profile
        # per launch. Pointing TMPDIR at our own directory keeps that profile out of shared /tmp and
        # lets us remove it afterwards.
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            env={**os.environ, "TMPDIR": str(profile)},
        )
        try:
            yield browser
        finally:
            browser.close()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def login(
    chromium, example_site
):  # chromium first: without a browser, fail before starting the site
    """``login(username)`` opens a new browser window (its own cookies) logged into the admin."""
    contexts = []

    def open_as(username: str):
        context = new_context(chromium, example_site.url, accept_downloads=True)
        context.set_default_timeout(30_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/admin/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/admin/login/" not in url)
        return page

    yield open_as
    for context in contexts:
        context.close()


def screenshot(page, name: str, folder: Path = SCREENSHOTS) -> Path:
    """Save the page as ``<folder>/<name>.png`` (viewport only). The docs' copies
    (LFCLOUD_UPDATE_SCREENSHOTS=1) are reduced to a 256-colour palette: admin pages have few
    colours, and it makes them a third of the size, for a few tenths of a second per picture."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    png = page.screenshot(full_page=False)
    if not UPDATE_SCREENSHOTS:
        path.write_bytes(png)
        return path
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    return path
