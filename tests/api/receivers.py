"""Real local HTTP servers for the webhook tests: a receiver that answers queued statuses,
redirects, or hangs until the test ends."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    """A local HTTP server that records requests and answers with the queued status codes.

    ``statuses`` items are an int (the status), ``("redirect", url)`` or ``"hang"`` (read the
    request, then answer nothing until :meth:`close`).
    """

    def __init__(self, statuses=(), host: str = "127.0.0.1"):
        self.requests: list[dict] = []
        self.statuses = list(statuses)
        self.released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": self.headers, "body": body, "path": self.path})
                answer = receiver.statuses.pop(0) if receiver.statuses else 200
                if answer == "hang":
                    receiver.released.wait(30)
                    return
                if isinstance(answer, tuple):
                    self.send_response(307)
                    self.send_header("Location", answer[1])
                else:
                    self.send_response(answer)
                self.send_header("Content-Length", "22")
                self.end_headers()
                self.wfile.write(b"internal service reply")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://{host}:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def closed_port() -> int:
    """A local TCP port nothing listens on (connections are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
