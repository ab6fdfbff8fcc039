"""Load scenario: studios uploading and approvers approving at once, on gunicorn + RQ workers.

    /path/to/venv/bin/python benchmarks/load.py [--workers 1,2] [--studios 2] [--approvers 2]
        [--uploads 5] [--megapixels 2,6] [--direct 0.5] [--retouch 0.2] [--double-complete 0.3]
        [--web-workers 2] [--channels amazon_main,...] [--rendition-threads N] [--settle 240]
        [--gunicorn-path DIR]

What runs, all on this machine:

- PostgreSQL (``LFCLOUD_BENCH_DATABASE_URL``, default
  ``postgres://postgres@127.0.0.1:5432/lfcloud_load``; created if missing, migrated, never
  dropped: each run seeds a brand of its own), Redis (``LFCLOUD_BENCH_REDIS_URL``, default
  ``redis://127.0.0.1:6379/15``, emptied before and after each run) and a moto S3 server (started
  here, ``tests/s3.py``: originals and renditions in two buckets, as in production);
- per run, gunicorn (``--web-workers`` sync workers; the ``bench`` extra installs it, or
  ``--gunicorn-path`` names a folder that has it) and ``--workers`` ``manage.py rqworker``
  processes (django-tasks-rq's job class, RQ's scheduler on), each listening on every package
  queue, channel sets first (``lfcloud_channels lfcloud_previews default lfcloud_webhooks
  lfcloud_mail lfcloud_bundles``), all with ``benchmarks/load_settings.py``. ``--workers 1,2``
  runs the scenario once per count (``1,2,1,2`` repeats them; runs of a count are pooled).

Each run seeds, with the package's own code, a brand, its people (a brand admin, one studio user
per simulated studio, one approver per simulated approver, each with a scoped brand API token),
products and an order (submitted and in production: its deliverables, ``front`` and ``side`` of
each product with the ``--channels``, are the assets), and waits until the workers have run what
the seeding queued. Then, from threads of this process:

- ``--studios`` studios each send ``--uploads`` JPEG masters one after the other (a product on
  white with texture, ``--megapixels`` million pixels, 0.3-1.2 MB; drawn once before any clock
  starts, every one different, the same for every run). A ``--direct`` share goes straight to S3
  (``POST /uploads/direct``, ``PUT`` to the presigned URL, ``POST .../complete``; a second thread
  of the studio polls ``GET /uploads/direct/{id}`` until a worker registered it, while the studio
  sends its next file, as the upload page does), the rest through Django (``POST /uploads``). A
  ``--retouch`` share are a further version of an asset the studio already sent; a
  ``--double-complete`` share of the direct uploads send ``complete`` twice at once (a double
  click, a retrying proxy).
- ``--approvers`` approvers take each accepted version from a shared review queue and approve it
  (``POST /versions/{id}/approve``; a ``409`` for a version superseded meanwhile is expected).
- A watcher polls the database until every approved version has its full channel set ready.

Reported per run: uploads accepted (through Django / direct), uploads/s over the upload phase,
seconds from an upload's first request to its version (median, per path), approvals, the approve
request's median, approval-to-channel-set-ready p50 / p95 / max (from the approve answer to the
last channel file ready), wall time, CPU seconds of gunicorn, of the RQ workers (their forked work
horses included) and of moto, and the machine's 1-minute load before and after. Then "nothing
lost" (:func:`check_nothing_lost`): every accepted upload is exactly one version (and nothing
else became one), every approval answered 200 has its full channel set (or was superseded by a
later approval of the same asset), no asset has two current versions, no direct upload is left
unregistered or its staging object left behind, no answer was a 5xx or a broken connection. A
finding is printed (the servers' logs are kept) and the script exits with status 1. Asserts no
timing; run on demand. ``tests/test_load_checker.py`` tests the checker.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import queue
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get(
    "LFCLOUD_BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/lfcloud_load"
)
REDIS_URL = os.environ.get("LFCLOUD_BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
API = "/lfcloud/api/v1"
ANGLES = ("front", "side")
DEFAULT_CHANNELS = "amazon_main,shopify_product,ig_square,pdp_thumb"
#: Channel sets first: a burst of uploads must not delay approvals' renditions.
WORKER_QUEUES = (
    "lfcloud_channels",
    "lfcloud_previews",
    "default",
    "lfcloud_webhooks",
    "lfcloud_mail",
    "lfcloud_bundles",
)


# --- processes -------------------------------------------------------------------------------


def configure(media: Path, s3: str = "") -> dict:
    """The environment of this process and of every server it starts (before django.setup())."""
    env = {
        "DJANGO_SETTINGS_MODULE": "benchmarks.load_settings",
        "LFCLOUD_TEST_DB": "postgres",
        "LFCLOUD_TEST_DATABASE_URL": PG_URL,
        "LFCLOUD_TEST_REDIS_URL": REDIS_URL,
        "LFCLOUD_TEST_MEDIA_ROOT": str(media / "media"),
        "LFCLOUD_TEST_PRIVATE_ROOT": str(media / "private"),
    }
    if s3:
        env["LFCLOUD_TEST_S3"] = s3
    os.environ.update(env)
    return env


def ensure_database() -> None:
    import psycopg

    base, name = PG_URL.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env(extra_path: str = "") -> dict:
    path = [str(ROOT), *([extra_path] if extra_path else [])]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(path)}


def start_gunicorn(port: int, workers: int, log: Path, extra_path: str) -> subprocess.Popen:
    import socket

    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "120",
            "--chdir",
            str(ROOT),
            "--log-level",
            "warning",
            "django.core.wsgi:get_wsgi_application()",
        ],
        env=child_env(extra_path),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def start_rqworker(name: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "django",
            "rqworker",
            "--with-scheduler",
            "--job-class",
            "django_tasks_rq.Job",
            "--name",
            f"{name}-{os.getpid()}-{uuid.uuid4().hex[:6]}",
            *WORKER_QUEUES,
        ],
        cwd=ROOT,
        env=child_env(),
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def drain(workers: list[subprocess.Popen], timeout: float = 120) -> None:
    """Wait until the queues are empty and no job is running (the seeding queued some)."""
    import django_rq
    from rq.registry import StartedJobRegistry

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = 0
        for name in WORKER_QUEUES:
            q = django_rq.get_queue(name)
            busy += q.count + StartedJobRegistry(queue=q).count
        if not busy:
            return
        if any(w.poll() is not None for w in workers):
            raise RuntimeError("an rqworker exited; see its log")
        time.sleep(0.5)
    raise RuntimeError("the queues did not drain")


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def tree_cpu(root: int) -> float:
    """User + system CPU seconds of ``root`` and its live descendants, each with the CPU of its
    children it has already reaped (an RQ work horse, forked per job, lands in its worker's)."""
    stats: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the ")": state ppid ...; utime stime cutime cstime are stat fields 14-17.
        cpu = sum(int(f) for f in fields[11:15]) / CLOCK_TICKS
        stats[int(entry)] = (int(fields[1]), cpu)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        if pid in stats:
            total += stats[pid][1]
        todo.extend(p for p, (ppid, _cpu) in stats.items() if ppid == pid)
    return total


# --- masters ---------------------------------------------------------------------------------


def master_jpeg(seed: int, angle: str, megapixels: float, version: int = 1) -> bytes:
    """A product photo on studio white (the example site's drawing) with a photo's texture on the
    product, so it compresses like a real master (about 0.15-0.2 bytes per pixel at quality 95, as a packshot on white)."""
    import numpy as np
    from PIL import Image

    from example_site.demo.photos import product_photo

    side = int((megapixels * 1_000_000) ** 0.5)
    size = (side, int(side * 1.25)) if seed % 3 == 0 else (side, side)
    base = Image.open(io.BytesIO(product_photo(seed, angle, size, version=version)))
    pixels = np.asarray(base.convert("RGB"), dtype=np.int16)
    product = pixels.min(axis=2) < 235  # the white background stays pure white
    grain = np.random.default_rng(seed * 31 + version).normal(0, 30, pixels.shape)
    pixels = np.where(product[..., None], pixels + grain.astype(np.int16), pixels)
    out = io.BytesIO()
    Image.fromarray(pixels.clip(0, 255).astype(np.uint8)).save(out, "JPEG", quality=95)
    return out.getvalue()


# --- seeding ---------------------------------------------------------------------------------


@dataclass
class World:
    run_id: str
    brand_id: int
    brand_slug: str
    channels: list[str]
    studio_tokens: list[str]
    approver_tokens: list[str]
    #: Per studio: the (sku, angle) deliverables it shoots.
    shoots: list[list[tuple[str, str]]]


def seed(run_id: str, studios: int, approvers: int, uploads: int, channels: list[str]) -> World:
    """A brand, its people and tokens, products and a submitted order in production."""
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from wagtail.models import APIToken, Collection

    from tests.factories import make_brand, make_product, role_group
    from wagtail_lfcloud.assets.workflows import ensure_default_workflow
    from wagtail_lfcloud.models import BrandAPIToken, Order, OrderLine, OrderStatus, Role
    from wagtail_lfcloud.orders.status import transition

    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
    ensure_default_workflow()
    brand = make_brand(f"Load {run_id}", slug=f"load-{run_id}")
    User = get_user_model()

    def person(name: str, role: str, scopes: list[str]):
        user = User.objects.create_user(username=f"{name}-{run_id}", password="load")
        user.groups.add(role_group(brand, role))
        token, secret = APIToken.create_token(user=user, name=f"load {name}")
        BrandAPIToken.objects.create(token=token, brand=brand, scopes=scopes)
        return user, secret

    admin, _secret = person("admin", Role.BRAND_ADMIN, ["read"])
    studio_users = [person(f"studio{i}", Role.STUDIO, ["read", "upload"]) for i in range(studios)]
    approver_tokens = [
        person(f"approver{i}", Role.APPROVER, ["read", "review"])[1] for i in range(approvers)
    ]
    # Enough deliverables that each studio's first versions never run out (retouches reuse them).
    per_studio = max(1, (uploads + 1) // len(ANGLES))
    shoots = []
    order = Order(
        brand=brand,
        title=f"Load {run_id}",
        currency="EUR",
        due_date=dt.date.today() + dt.timedelta(days=14),
        created_by=admin,
    )
    for s in range(studios):
        skus = [f"L{run_id}-{s:02d}{p:03d}".upper() for p in range(per_studio)]
        for sku in skus:
            order.lines.add(
                OrderLine(
                    product=make_product(brand, sku),
                    angles=list(ANGLES),
                    channels=channels,
                    unit_price=Decimal("45.00"),
                    quantity=1,
                )
            )
        shoots.append([(sku, angle) for sku in skus for angle in ANGLES])
    order.save()
    transition(order, OrderStatus.SUBMITTED, admin)
    transition(order, OrderStatus.IN_PRODUCTION, studio_users[0][0])
    return World(
        run_id=run_id,
        brand_id=brand.pk,
        brand_slug=brand.slug,
        channels=channels,
        studio_tokens=[secret for _user, secret in studio_users],
        approver_tokens=approver_tokens,
        shoots=shoots,
    )


# --- the scenario ----------------------------------------------------------------------------


@dataclass
class Planned:
    studio: int
    sku: str
    angle: str
    version: int
    direct: bool
    data: bytes
    #: A direct upload whose client sends "complete" twice at once.
    twice: bool = False

    @property
    def name(self) -> str:
        return f"{self.sku}_2026-01_{self.angle}.jpg"


@dataclass
class Record:
    """What the clients saw, shared by their threads (under ``lock``)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    statuses: dict[int, int] = field(default_factory=dict)
    server_errors: list[str] = field(default_factory=list)
    #: version id -> (file name, "api" or "direct")
    accepted: dict[int, tuple[str, str]] = field(default_factory=dict)
    accepted_twice: list[int] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    direct_ids: list[int] = field(default_factory=list)
    upload_done: list[float] = field(default_factory=list)
    #: "api" / "direct" -> seconds from the first request to the version being there
    upload_seconds: dict[str, list[float]] = field(default_factory=dict)
    #: version id -> monotonic time the approve answer came back 200
    approved: dict[int, float] = field(default_factory=dict)
    approve_ms: list[float] = field(default_factory=list)
    stale: int = 0
    #: version id -> monotonic time its channel set was seen ready
    ready: dict[int, float] = field(default_factory=dict)
    failed_sets: dict[int, str] = field(default_factory=dict)

    def saw(self, method: str, url: str, response=None, error: Exception | None = None) -> None:
        with self.lock:
            if error is not None:
                self.server_errors.append(f"{method} {url}: {type(error).__name__}: {error}")
                return
            self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
            if response.status_code >= 500:
                self.server_errors.append(
                    f"{method} {url}: {response.status_code} {response.text[:300]}"
                )


class Client:
    def __init__(self, base: str, token: str, record: Record):
        import requests

        self.base, self.token, self.record = base, token, record
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, **kwargs):
        url = path if path.startswith("http") else self.base + path
        try:
            response = self.session.request(method, url, timeout=120, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a broken connection is a finding, not a crash
            self.record.saw(method, path, error=exc)
            return None
        if not url.startswith(self.base):  # S3 answers count too, but say so
            path = "S3 " + url.split("?")[0]
        self.record.saw(method, path, response)
        return response


def accept(record: Record, review: queue.Queue, item: Planned, version_id: int, began: float):
    """An upload became version ``version_id``: note it and hand it to the approvers."""
    with record.lock:
        if version_id in record.accepted:
            record.accepted_twice.append(version_id)
        record.accepted[version_id] = (item.name, "direct" if item.direct else "api")
        record.upload_done.append(time.monotonic())
        record.upload_seconds.setdefault("direct" if item.direct else "api", []).append(
            time.monotonic() - began
        )
    review.put(version_id)


def registrations(
    client: Client, sent: queue.Queue, record: Record, review: queue.Queue, deadline, done
):
    """Poll a studio's direct uploads until the worker has registered (or refused) each one, as
    the upload page does while the studio goes on sending the next files."""
    waiting: list[tuple[int, Planned, float]] = []
    while time.monotonic() < deadline:
        while not sent.empty():
            waiting.append(sent.get())
        if not waiting:
            if done.is_set() and sent.empty():
                return
            time.sleep(0.25)
            continue
        for entry in list(waiting):
            upload_id, item, began = entry
            state = client.call("GET", f"{API}/uploads/direct/{upload_id}")
            body = state.json() if state is not None and state.status_code == 200 else {}
            if body.get("status") == "registered":
                waiting.remove(entry)
                accept(record, review, item, body["version_id"], began)
            elif body.get("status") in ("refused", "aborted"):
                waiting.remove(entry)
                with record.lock:
                    record.refused.append(f"{item.name} (direct): {body}")
        time.sleep(0.25)


def studio(client: Client, plan: list[Planned], record: Record, review: queue.Queue, deadline):
    """Send the studio's masters one after the other; direct uploads are followed up by a
    second thread, so the next file goes while the worker checks the previous one."""
    import requests

    sent: queue.Queue = queue.Queue()
    done = threading.Event()
    follow = threading.Thread(
        target=registrations,
        args=(Client(client.base, client.token, record), sent, record, review, deadline, done),
    )
    follow.start()
    try:
        for item in plan:
            if time.monotonic() > deadline:
                return
            began = time.monotonic()
            if not item.direct:
                r = client.call(
                    "POST", f"{API}/uploads", files={"file": (item.name, item.data, "image/jpeg")}
                )
                if r is not None and r.status_code == 201:
                    accept(record, review, item, r.json()["version_id"], began)
                elif r is not None:
                    with record.lock:
                        record.refused.append(f"{item.name}: {r.status_code} {r.text[:200]}")
                continue
            r = client.call(
                "POST",
                f"{API}/uploads/direct",
                json={"filename": item.name, "size": len(item.data), "content_type": "image/jpeg"},
            )
            if r is None or r.status_code != 201:
                if r is not None:
                    with record.lock:
                        record.refused.append(f"{item.name}: {r.status_code} {r.text[:200]}")
                continue
            started = r.json()
            with record.lock:
                record.direct_ids.append(started["id"])
            # The bytes go to S3 itself, without the API token.
            try:
                put = requests.put(
                    started["url"], data=item.data, headers=started["headers"], timeout=120
                )
                record.saw("PUT", "S3 presigned URL", put)
            except Exception as exc:  # noqa: BLE001
                record.saw("PUT", "S3 presigned URL", error=exc)
                continue
            complete = f"{API}/uploads/direct/{started['id']}/complete"
            if item.twice:
                # Two requests at once, as a double click or a retrying proxy sends them; each must
                # answer 202 and the file must still become exactly one version.
                again = threading.Thread(
                    target=Client(client.base, client.token, record).call,
                    args=("POST", complete),
                    kwargs={"json": {}},
                )
                again.start()
            answer = client.call("POST", complete, json={})
            if item.twice:
                again.join()
            if answer is None or answer.status_code != 202:
                with record.lock:
                    record.refused.append(
                        f"{item.name} (direct, complete): {answer and answer.status_code} "
                        f"{answer and answer.text[:200]}"
                    )
                continue
            sent.put((started["id"], item, began))
    finally:
        done.set()
        follow.join()


def approver(client: Client, record: Record, review: queue.Queue, deadline):
    while time.monotonic() < deadline:
        try:
            version_id = review.get(timeout=0.5)
        except queue.Empty:
            continue
        if version_id is None:
            return
        start = time.monotonic()
        r = client.call("POST", f"{API}/versions/{version_id}/approve", json={"comment": ""})
        if r is None:
            continue
        with record.lock:
            if r.status_code == 200:
                record.approved[version_id] = time.monotonic()
                record.approve_ms.append((time.monotonic() - start) * 1000)
            elif r.status_code == 409:
                record.stale += 1


def watch(record: Record, channels: list[str], done: threading.Event, deadline) -> None:
    """Note when each approved version's full channel set is ready (polling the database)."""
    from django.db import connection
    from django.db.models import Count

    from wagtail_lfcloud.models import AssetVersion, ChannelRendition, VersionStatus

    try:
        while time.monotonic() < deadline:
            finished = done.is_set()  # read first: nothing is approved after it is set
            with record.lock:
                waiting = [v for v in record.approved if v not in record.ready]
            if not waiting:
                if finished:
                    return
                time.sleep(0.2)
                continue
            counts = dict(
                ChannelRendition.objects.filter(
                    version_id__in=waiting,
                    channel__in=channels,
                    status=ChannelRendition.Status.READY,
                )
                .values_list("version_id")
                .annotate(n=Count("pk"))
            )
            failed = dict(
                ChannelRendition.objects.filter(
                    version_id__in=waiting, status=ChannelRendition.Status.FAILED
                ).values_list("version_id", "error")
            )
            # Approved, then superseded by a later approval before its set was built: not wanted.
            superseded = set(
                AssetVersion.objects.filter(pk__in=waiting)
                .exclude(status=VersionStatus.CURRENT)
                .values_list("pk", flat=True)
            )
            now = time.monotonic()
            with record.lock:
                for v in waiting:
                    if counts.get(v) == len(channels):
                        record.ready[v] = now
                    elif v in failed:
                        record.failed_sets[v] = failed[v]
                left = [v for v in waiting if v not in record.ready]
            if finished and all(v in superseded or v in record.failed_sets for v in left):
                return
            time.sleep(0.2)
    finally:
        connection.close()


def plan_uploads(args) -> list[list[Planned]]:
    """Each studio's uploads, in order, for deliverables numbered by their place in the studio's
    shoot (:func:`for_world` names them); drawn once, before any clock starts, and sent alike by
    every run (the same bytes, the same paths), so runs differ only in their worker count."""
    rng = random.Random(args.seed)
    deliverables = max(1, (args.uploads + 1) // len(ANGLES)) * len(ANGLES)
    plans = []
    lo, hi = args.megapixels
    for s in range(args.studios):
        items, sent = [], []
        fresh = iter(range(deliverables))
        for _n in range(args.uploads):
            retouch = sent and rng.random() < args.retouch
            target = rng.choice(sent) if retouch else next(fresh, None)
            if target is None:
                target = rng.choice(sent)
            version = 1 + sent.count(target)
            sent.append(target)
            angle = ANGLES[target % len(ANGLES)]
            direct = rng.random() < args.direct
            items.append(
                Planned(
                    studio=s,
                    sku=str(target),
                    angle=angle,
                    version=version,
                    direct=direct,
                    twice=direct and rng.random() < args.double_complete,
                    data=master_jpeg(s * 1000 + target, angle, rng.uniform(lo, hi), version),
                )
            )
        plans.append(items)
    return plans


def for_world(plans: list[list[Planned]], world: World) -> list[list[Planned]]:
    """The plans with the run's SKUs in their file names."""
    return [
        [replace(p, sku=world.shoots[s][int(p.sku)][0]) for p in plan]
        for s, plan in enumerate(plans)
    ]


def check_nothing_lost(brand_id: int, record: Record, channels: list[str], s3=None) -> list[str]:
    """Findings (empty: nothing lost) about one run, from the database and what clients saw."""
    from django.db.models import Count

    from wagtail_lfcloud.models import AssetVersion, ChannelRendition, DirectUpload, VersionStatus

    problems: list[str] = []
    versions = {
        v["pk"]: v
        for v in AssetVersion.objects.filter(asset__brand_id=brand_id).values(
            "pk", "asset_id", "status", "original_filename"
        )
    }
    accepted = set(record.accepted)
    if missing := accepted - set(versions):
        problems.append(f"accepted uploads without a version: {sorted(missing)}")
    if extra := set(versions) - accepted:
        problems.append(f"versions no client was told about: {sorted(extra)}")
    if record.accepted_twice:
        problems.append(f"one version answered for two uploads: {record.accepted_twice}")
    for pk, (name, _path) in record.accepted.items():
        if pk in versions and versions[pk]["original_filename"] != name:
            problems.append(f"version {pk} is {versions[pk]['original_filename']}, not {name}")
    doubled = (
        AssetVersion.objects.filter(asset__brand_id=brand_id, status=VersionStatus.CURRENT)
        .values("asset_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    if doubled:
        problems.append(f"assets with two current versions: {list(doubled)}")
    ready = dict(
        ChannelRendition.objects.filter(
            version_id__in=list(record.approved),
            channel__in=channels,
            status=ChannelRendition.Status.READY,
        )
        .values_list("version_id")
        .annotate(n=Count("pk"))
    )
    for pk in record.approved:
        status = versions.get(pk, {}).get("status")
        if status == VersionStatus.CURRENT and ready.get(pk, 0) != len(channels):
            problems.append(
                f"approved version {pk} has {ready.get(pk, 0)} of {len(channels)} channel files"
            )
        elif status not in (VersionStatus.CURRENT, VersionStatus.SUPERSEDED):
            problems.append(f"approved version {pk} is {status}")
    open_direct = DirectUpload.objects.filter(
        pk__in=record.direct_ids,
        status__in=[DirectUpload.Status.STARTED, DirectUpload.Status.UPLOADED],
    ).count()
    if open_direct:
        problems.append(f"{open_direct} direct uploads never registered nor refused")
    if s3 is not None:
        staging = [k for k in s3() if "/uploads/" in k]
        if staging:
            problems.append(f"staging objects left in the bucket: {staging[:5]}")
    if record.server_errors:
        problems.append(
            f"{len(record.server_errors)} 5xx answers or broken connections, first: "
            + "; ".join(record.server_errors[:3])
        )
    return problems


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def one_run(args, plans, n_workers: int, moto, buckets, logs: Path) -> dict:
    import redis
    from django.db import connection

    run_id = f"{time.strftime('%H%M%S')}{n_workers}"
    r = redis.Redis.from_url(REDIS_URL)
    r.flushdb()
    world = seed(run_id, args.studios, args.approvers, args.uploads, args.channels)
    plans = for_world(plans, world)
    total_bytes = sum(len(p.data) for plan in plans for p in plan)
    connection.close()

    port = free_port()
    web = start_gunicorn(port, args.web_workers, logs / "gunicorn.log", args.gunicorn_path)
    workers = [start_rqworker(f"w{i}", logs / f"rqworker{i}.log") for i in range(n_workers)]
    record = Record()
    try:
        base = f"http://127.0.0.1:{port}"
        warm = Client(base, world.studio_tokens[0], record)
        for _ in range(2 * args.web_workers):  # every web worker has loaded the app
            warm.call("GET", f"{API}/products?limit=1")
        drain(workers)  # the seeding's own tasks (search index, reference index) are done
        record.statuses.clear()
        cpu_before = {
            "web": tree_cpu(web.pid),
            "workers": sum(tree_cpu(w.pid) for w in workers),
            "moto": tree_cpu(moto.process.pid),
        }
        load_before = os.getloadavg()
        start = time.monotonic()
        deadline = start + args.settle
        review: queue.Queue = queue.Queue()
        done = threading.Event()
        watcher = threading.Thread(
            target=watch, args=(record, world.channels, done, deadline), daemon=True
        )
        watcher.start()
        studios = [
            threading.Thread(
                target=studio,
                args=(Client(base, token, record), plan, record, review, deadline),
            )
            for token, plan in zip(world.studio_tokens, plans, strict=True)
        ]
        approvers = [
            threading.Thread(
                target=approver, args=(Client(base, token, record), record, review, deadline)
            )
            for token in world.approver_tokens
        ]
        for t in studios + approvers:
            t.start()
        for t in studios:
            t.join()
        uploads_end = max(record.upload_done, default=time.monotonic())
        for _ in approvers:
            review.put(None)
        for t in approvers:
            t.join()
        done.set()
        watcher.join()
        wall = time.monotonic() - start
        cpu = {
            "web": tree_cpu(web.pid) - cpu_before["web"],
            "workers": sum(tree_cpu(w.pid) for w in workers) - cpu_before["workers"],
            "moto": tree_cpu(moto.process.pid) - cpu_before["moto"],
        }
        load_after = os.getloadavg()
    finally:
        for w in workers:
            stop(w)
        stop(web)
    from django.db.models import Count

    from wagtail_lfcloud.models import AssetVersion

    final = dict(
        AssetVersion.objects.filter(asset__brand_id=world.brand_id)
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    problems = check_nothing_lost(
        world.brand_id,
        record,
        world.channels,
        s3=lambda: moto.keys(buckets[0]),
    )
    connection.close()
    r.flushdb()
    latencies = [record.ready[v] - record.approved[v] for v in record.ready]
    planned = sum(len(p) for p in plans)
    return {
        "workers": n_workers,
        "planned": planned,
        "bytes": total_bytes,
        "accepted": len(record.accepted),
        "via_api": sum(1 for _n, how in record.accepted.values() if how == "api"),
        "via_direct": sum(1 for _n, how in record.accepted.values() if how == "direct"),
        "refused": record.refused,
        "uploads_per_s": len(record.accepted) / max(1e-9, uploads_end - start),
        "upload_phase": uploads_end - start,
        "upload_s": {
            how: statistics.median(values) for how, values in record.upload_seconds.items()
        },
        "approved": len(record.approved),
        "stale": record.stale,
        "ready": len(record.ready),
        "approve_ms": statistics.median(record.approve_ms) if record.approve_ms else 0,
        "p50": percentile(latencies, 0.5) if latencies else float("nan"),
        "p95": percentile(latencies, 0.95) if latencies else float("nan"),
        "max": max(latencies, default=float("nan")),
        "wall": wall,
        "cpu": cpu,
        "load": (load_before[0], load_after[0]),
        "statuses": dict(sorted(record.statuses.items())),
        "latencies": latencies,
        "problems": problems,
        "final": dict(sorted(final.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", default="1,2", help="rqworker counts, one run each")
    parser.add_argument("--studios", type=int, default=2)
    parser.add_argument("--approvers", type=int, default=2)
    parser.add_argument("--uploads", type=int, default=5, help="per studio")
    parser.add_argument(
        "--megapixels", default="2,6", help="masters' size range, million pixels: lo,hi"
    )
    parser.add_argument("--direct", type=float, default=0.5, help="share sent straight to S3")
    parser.add_argument("--retouch", type=float, default=0.2, help="share that are a v2, v3...")
    parser.add_argument(
        "--double-complete",
        type=float,
        default=0.3,
        help="share of direct uploads whose client sends 'complete' twice at once (a double "
        "click, a proxy's retry)",
    )
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--channels", default=DEFAULT_CHANNELS, help="each deliverable's channels")
    parser.add_argument("--settle", type=float, default=240, help="seconds a run may take at most")
    parser.add_argument(
        "--rendition-threads",
        type=int,
        default=0,
        help="WAGTAIL_LFCLOUD_RENDITION_THREADS of the workers (0: the package's default, one "
        "per core)",
    )
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument(
        "--gunicorn-path",
        default=os.environ.get("LFCLOUD_BENCH_GUNICORN_PATH", ""),
        help="a folder to add to the servers' PYTHONPATH where gunicorn is installed, when this "
        "venv lacks the bench extra",
    )
    args = parser.parse_args()
    args.megapixels = tuple(float(x) for x in args.megapixels.split(","))
    args.channels = [c.strip() for c in args.channels.split(",") if c.strip()]
    counts = [int(n) for n in args.workers.split(",")]
    if not (args.gunicorn_path or importlib.util.find_spec("gunicorn")):
        sys.exit("gunicorn is not installed: install the bench extra, or pass --gunicorn-path")

    from tests.s3 import start_moto_server, stop_moto_server

    ensure_database()
    moto = start_moto_server()
    tmp = Path(tempfile.mkdtemp(prefix="lfcloud-load-"))
    keep = True  # the servers' logs stay for a run that failed or found something
    try:
        suffix = uuid.uuid4().hex[:8]
        buckets = (
            moto.create_bucket(f"originals-{suffix}"),
            moto.create_bucket(f"renditions-{suffix}"),
        )
        configure(tmp, f"{moto.endpoint_url} {buckets[0]} {buckets[1]}")
        if args.rendition_threads:
            # tests/settings_rq.py applies these to every process (the workers render).
            os.environ["LFCLOUD_TEST_WORKER_SETTINGS"] = json.dumps(
                {"WAGTAIL_LFCLOUD_RENDITION_THREADS": args.rendition_threads}
            )
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        print(
            f"\nload: {args.studios} studios x {args.uploads} masters ({args.megapixels[0]:g}-"
            f"{args.megapixels[1]:g} MP JPEG, {args.direct:.0%} straight to S3, {args.retouch:.0%} "
            f"retouches), {args.approvers} approvers, {len(args.channels)} channels per approval "
            f"({', '.join(args.channels)}), rendition threads per worker: "
            f"{args.rendition_threads or 'one per core'}; gunicorn {args.web_workers} sync workers, PostgreSQL, "
            f"Redis, moto S3; {os.cpu_count()} CPUs, {time.strftime('%Y-%m-%d %H:%M %Z')}",
            flush=True,
        )
        plans = plan_uploads(args)
        results = []
        for n in counts:
            result = one_run(args, plans, n, moto, buckets, tmp)
            results.append(result)
            print(
                f"- {n} RQ worker(s): {result['accepted']}/{result['planned']} accepted "
                f"({result['bytes'] / 1e6:.0f} MB), {result['approved']} approved, "
                f"{result['ready']} channel sets ready, {len(result['problems'])} findings; "
                f"answers {result['statuses']}",
                flush=True,
            )
        print(
            "\n| RQ workers | uploads accepted (Django / direct) | uploads/s "
            "| s to version p50 (Django / direct) | approvals (409 stale) | approve ms p50 | approval to channel set ready p50 / p95 / max s | wall s "
            "| CPU s gunicorn / workers / moto | load 1-min before / after |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        for r in results:
            print(
                f"| {r['workers']} | {r['accepted']} ({r['via_api']} / {r['via_direct']}) | "
                f"{r['uploads_per_s']:.2f} | {r['upload_s'].get('api', float('nan')):.1f} / "
                f"{r['upload_s'].get('direct', float('nan')):.1f} | {r['approved']} ({r['stale']}) | "
                f"{r['approve_ms']:.0f} | "
                f"{r['p50']:.1f} / {r['p95']:.1f} / {r['max']:.1f} | {r['wall']:.0f} | "
                f"{r['cpu']['web']:.0f} / {r['cpu']['workers']:.0f} / {r['cpu']['moto']:.0f} | "
                f"{r['load'][0]:.2f} / {r['load'][1]:.2f} |"
            )
        by_count: dict[int, list[dict]] = {}
        for r in results:
            by_count.setdefault(r["workers"], []).append(r)
        if len(by_count) > 1:
            # Runs of the same count pooled (repeat counts, e.g. --workers 1,2,1,2, to even out a
            # machine whose load changes over the run).
            summary = {}
            for n, runs in sorted(by_count.items()):
                pooled = [x for r in runs for x in r["latencies"]]
                summary[n] = {
                    "ups": statistics.median(r["uploads_per_s"] for r in runs),
                    "p50": percentile(pooled, 0.5) if pooled else float("nan"),
                    "p95": percentile(pooled, 0.95) if pooled else float("nan"),
                    "wall": statistics.median(r["wall"] for r in runs),
                    "cpu": statistics.median(
                        (r["cpu"]["web"] + r["cpu"]["workers"]) / max(1, r["accepted"])
                        for r in runs
                    ),
                }
            lo, hi = min(summary), max(summary)
            a, b = summary[lo], summary[hi]
            print(
                f"\n{lo} -> {hi} RQ workers: uploads/s x{b['ups'] / a['ups']:.2f}, approval to "
                f"channel set ready p50 x{b['p50'] / a['p50']:.2f}, p95 x{b['p95'] / a['p95']:.2f}, "
                f"wall x{b['wall'] / a['wall']:.2f}; CPU (gunicorn + workers) per accepted upload "
                f"{a['cpu']:.1f} s and {b['cpu']:.1f} s"
            )
        ok = True
        for r in results:
            for problem in r["refused"]:
                print(f"refused ({r['workers']} workers): {problem}")
            for problem in r["problems"]:
                ok = False
                print(f"LOST ({r['workers']} workers): {problem}")
        print("nothing lost" if ok else f"FINDINGS above; servers' logs in {tmp}", flush=True)
        keep = not ok
        sys.exit(0 if ok else 1)
    finally:
        stop_moto_server(moto)
        if keep:
            print(f"servers' logs kept in {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
