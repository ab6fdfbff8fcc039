"""Real RQ workers for the queue tests: ``redis-server`` on 127.0.0.1:6379 and ``manage.py
rqworker`` processes (django-tasks-rq's job class, RQ's scheduler on) over the test's own
PostgreSQL database.

Each pytest-xdist worker uses its own Redis database number, emptied before and after each test,
so parallel runs (SQLite and PostgreSQL at once in scripts/test) never take each other's jobs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
ROOT = Path(__file__).resolve().parents[2]


def redis_db_number() -> int:
    """1-15: one per xdist worker and database kind (0 is left to people's own use)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    base = 8 if os.environ.get("LFCLOUD_TEST_DB", "sqlite") == "postgres" else 1
    return base + index % 7


@pytest.fixture
def redis_url():
    """A Redis database for this test's queues, empty at the start and at the end."""
    pytest.importorskip("django_tasks_rq", reason="the [rq] extra is not installed")
    import redis

    url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_db_number()}"
    connection = redis.Redis.from_url(url)
    try:
        connection.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis server on {REDIS_HOST}:{REDIS_PORT} (.ci/run starts one)")
    connection.flushdb()
    yield url
    connection.flushdb()
    connection.close()


@pytest.fixture
def rq_backend(settings, redis_url):
    """This process queues the package's tasks into Redis, as a web process of a site would."""
    from wagtail_lfcloud.background import QUEUES

    settings.RQ_QUEUES = {name: {"URL": redis_url} for name in ("default", *QUEUES)}
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": list(settings.RQ_QUEUES)}
    }
    return redis_url


def database_url() -> str:
    from django.db import connection

    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Workers:
    """Starts ``rqworker`` processes for a test and stops them at its end."""

    def __init__(self, redis_url: str, settings, tmp_path: Path):
        self.redis_url = redis_url
        self.settings = settings
        self.log_dir = tmp_path / "rqworker-logs"
        self.log_dir.mkdir()
        self.processes: list[subprocess.Popen] = []
        self.s3: str | None = None
        self.overrides: dict = {}

    def start(self, *queues: str, name: str | None = None) -> subprocess.Popen:
        """One worker process listening on ``queues`` (in that order of preference)."""
        from django.conf import settings

        name = name or f"w{len(self.processes) + 1}"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings_rq",
            "LFCLOUD_TEST_DB": "postgres",
            "LFCLOUD_TEST_DATABASE_URL": database_url(),
            "LFCLOUD_TEST_REDIS_URL": self.redis_url,
            "LFCLOUD_TEST_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "LFCLOUD_TEST_PRIVATE_ROOT": str(
                settings.STORAGES.get("private", {}).get("OPTIONS", {}).get("location", "")
            ),
            "LFCLOUD_TEST_WORKER_SETTINGS": json.dumps(self.overrides),
            "PYTHONPATH": str(ROOT),
        }
        if self.s3:
            env["LFCLOUD_TEST_S3"] = self.s3
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "django",
                "rqworker",
                "--with-scheduler",
                "--job-class",
                "django_tasks_rq.Job",
                "--name",
                f"{name}-{os.getpid()}",
                *queues,
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        process.log = log
        self.processes.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')}"
            for path in sorted(self.log_dir.glob("*.log"))
        )

    def stop(self) -> None:
        """RQ's warm shutdown (one SIGTERM) waits for the job in hand, which a test that has seen
        what it waited for does not need (it cost 20 s at times); a second SIGTERM is RQ's cold
        shutdown, which stops the work horse too."""
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 2
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.log.close()


@pytest.fixture
def workers(rq_backend, settings, tmp_path):
    workers = Workers(rq_backend, settings, tmp_path)
    yield workers
    workers.stop()


def wait_for(condition, what: str, workers: Workers | None = None, timeout: float = 90.0):
    """Poll ``condition()`` until it is true; fail with the workers' logs after ``timeout``.

    The timeout only bounds a broken run; nothing here asserts how long the work took.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            logs = workers.logs() if workers else ""
            pytest.fail(f"Timed out waiting for {what}.\n{logs}")
        time.sleep(0.2)
