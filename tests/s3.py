"""A real S3 endpoint for tests: moto's server in a subprocess, spoken to over HTTP.

Its fixtures are registered for every test by ``tests/conftest.py``::

    @pytest.mark.s3
    def test_something(s3_storages):
        ...  # default storage and the "renditions" storage are S3 buckets on the moto server

Nothing is patched: django-storages and boto3 make real HTTP requests to ``127.0.0.1:<port>``.
The server starts once per test session (on a port it binds itself) and stops when the session
ends; each test gets its own pair of empty buckets.
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import urllib.request
import uuid
from dataclasses import dataclass

import pytest

#: Fake credentials; moto accepts any.
ACCESS_KEY = "lfcloud-test"
SECRET_KEY = "lfcloud-test-secret"
REGION = "eu-west-1"


#: Sockets of :func:`closed_port`, bound and never listening, kept for the process's lifetime.
_HELD: list[socket.socket] = []


def closed_port() -> int:
    """A TCP port that refuses connections for the rest of this process: bound here and never
    listened on, so no server (another xdist worker's site or S3 server) can take it meanwhile,
    as one could take a port only found free."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    _HELD.append(sock)
    return sock.getsockname()[1]


@dataclass
class MotoServer:
    endpoint_url: str
    process: subprocess.Popen

    def client(self):
        """A plain boto3 S3 client for arranging and inspecting buckets."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def create_bucket(self, name: str, *, cors_origins: tuple[str, ...] = ()) -> str:
        """A new bucket; ``cors_origins``: pages there may upload to it (:func:`upload_cors`)."""
        client = self.client()
        client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        if cors_origins:
            client.put_bucket_cors(Bucket=name, CORSConfiguration=upload_cors(*cors_origins))
        return name

    def keys(self, bucket: str) -> list[str]:
        """Every object key in ``bucket``."""
        paginator = self.client().get_paginator("list_objects_v2")
        return sorted(
            obj["Key"]
            for page in paginator.paginate(Bucket=bucket)
            for obj in page.get("Contents", [])
        )


def upload_cors(*origins: str) -> dict:
    """The bucket CORS rule a browser needs to PUT to presigned URLs from ``origins`` and read
    each part's ETag (docs/how-to/direct-uploads.md gives users the same rule)."""
    return {
        "CORSRules": [
            {
                "AllowedOrigins": list(origins),
                "AllowedMethods": ["PUT"],
                "AllowedHeaders": ["*"],
                "ExposeHeaders": ["ETag"],
                "MaxAgeSeconds": 3000,
            }
        ]
    }


#: The moto server's process: it binds a port the system chooses (port 0) and prints it. A port
#: chosen here and handed over (bound, closed, passed as ``-p``) could be taken by another xdist
#: worker's server in between, and a check that something answers there would then accept that
#: worker's server: this session would share its buckets without noticing.
MOTO_SERVER = """
import os, threading
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # the test reads one line, then closes the pipe
threading.Event().wait()
"""


def start_moto_server(timeout: float = 30.0) -> MotoServer:
    """Start moto's S3 server on a port of 127.0.0.1 it binds itself and wait until it answers."""
    env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
    process = subprocess.Popen(
        [sys.executable, "-c", MOTO_SERVER],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    line = process.stdout.readline().strip() if ready else ""
    process.stdout.close()
    if not line.isdigit():
        process.kill()
        process.wait()
        raise RuntimeError(
            f"moto_server did not start within {timeout} s (exit code {process.returncode})"
        )
    endpoint = f"http://127.0.0.1:{line}"
    server = MotoServer(endpoint, process)
    try:
        # Bound before its port was printed: nothing else can answer there.
        with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=timeout):
            return server
    except BaseException:
        stop_moto_server(server)
        raise


def stop_moto_server(server: MotoServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def s3_options(endpoint_url: str, bucket: str, **extra) -> dict:
    """``OPTIONS`` for ``storages.backends.s3.S3Storage`` pointing at ``endpoint_url``."""
    from botocore.config import Config

    return {
        "bucket_name": bucket,
        "endpoint_url": endpoint_url,
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "region_name": REGION,
        "file_overwrite": False,
        # One attempt and short timeouts: fault tests must fail fast, not back off for seconds.
        # (A client_config replaces django-storages' own, so signature and addressing go in it too.)
        "client_config": Config(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1, "mode": "standard"},
            connect_timeout=2,
            read_timeout=10,
        ),
        **extra,
    }


@pytest.fixture(scope="session")
def moto_server():
    """The session's moto S3 server (started on first use)."""
    server = start_moto_server()
    yield server
    stop_moto_server(server)


@dataclass
class S3Buckets:
    server: MotoServer
    originals: str
    renditions: str

    def original_keys(self) -> list[str]:
        return self.server.keys(self.originals)

    def rendition_keys(self) -> list[str]:
        return self.server.keys(self.renditions)


def rendition_models():
    """The rendition model of every image model in play (default and custom)."""
    from django.apps import apps
    from wagtail.images.models import AbstractRendition

    return [m for m in apps.get_models() if issubclass(m, AbstractRendition)]


def s3_storages_settings(
    endpoint_url: str, originals: str, renditions: str, **originals_extra
) -> dict:
    """The ``STORAGES`` of docs/how-to/production.md, pointed at a test endpoint."""
    return {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3_options(
                endpoint_url,
                originals,
                querystring_auth=True,
                querystring_expire=300,
                default_acl="private",
                **originals_extra,
            ),
        },
        "renditions": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": s3_options(endpoint_url, renditions, querystring_auth=False),
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def use_rendition_storage(monkeypatch, alias: str = "renditions") -> None:
    """Point the rendition models' file field at ``storages[alias]``.

    Wagtail resolves ``WAGTAILIMAGES_RENDITION_STORAGE`` once, when the rendition model is
    defined, so overriding the setting inside a test is not enough.
    """
    from django.core.files.storage import storages

    for model in rendition_models():
        monkeypatch.setattr(model._meta.get_field("file"), "storage", storages[alias])


@pytest.fixture
def s3_storages(moto_server, settings, monkeypatch) -> S3Buckets:
    """Originals and renditions on two fresh S3 buckets of the moto server, as in production."""
    suffix = uuid.uuid4().hex[:12]
    buckets = S3Buckets(
        moto_server,
        moto_server.create_bucket(f"originals-{suffix}"),
        moto_server.create_bucket(f"renditions-{suffix}"),
    )
    settings.STORAGES = s3_storages_settings(
        moto_server.endpoint_url, buckets.originals, buckets.renditions
    )
    settings.WAGTAILIMAGES_RENDITION_STORAGE = "renditions"
    use_rendition_storage(monkeypatch)
    return buckets
