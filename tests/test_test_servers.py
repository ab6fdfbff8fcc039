"""The servers the tests start (moto's S3 server, the example site) are the ones they talk to.

Their ports are free when chosen; another xdist worker's server could be listening there by the
time they start. A check that "something answers on the port" once took that server for this
session's own: the tests then used another worker's buckets or site without noticing. Here a
foreign server already answers on the port the fixtures would pick first.
"""

from __future__ import annotations

import http.server
import threading
import urllib.request

import pytest

from tests import s3


class _NotYours(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        body = b"another worker's server"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def foreign_port():
    """A port where another server already answers 200 to anything."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotYours)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join()


def taken_first(port: int, free):
    """A free-port function whose first answer is ``port`` (taken meanwhile), then free ones."""
    answers = [port]
    return lambda: answers.pop() if answers else free()


@pytest.mark.s3
def test_the_moto_server_is_our_own(foreign_port):
    """moto binds a port of its own choosing (port 0), so a foreign server cannot be taken for it."""
    server = s3.start_moto_server()
    try:
        assert not server.endpoint_url.endswith(f":{foreign_port}")
        client = server.client()
        server.create_bucket("ours")
        assert [b["Name"] for b in client.list_buckets()["Buckets"]] == ["ours"]
    finally:
        s3.stop_moto_server(server)


@pytest.mark.slow
@pytest.mark.own_sqlite
def test_the_example_site_is_our_own(foreign_port, monkeypatch, request, tmp_path_factory):
    from tests.browser import conftest
    from tests.sqlite_template import example_site_template

    monkeypatch.setattr(conftest, "_free_port", taken_first(foreign_port, conftest._free_port))
    template = example_site_template(request.config, tmp_path_factory)
    with conftest.running_example_site(template=template) as site:
        assert not site.url.endswith(f":{foreign_port}")
        with urllib.request.urlopen(site.url + "/admin/login/", timeout=30) as response:
            assert "Sign in" in response.read().decode()
        assert site.shell("from wagtail_lfcloud.models import Brand; print(Brand.objects.count())")
