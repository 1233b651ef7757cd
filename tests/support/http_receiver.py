"""A real HTTP server on 127.0.0.1 that records what is POSTed to it (connectors, webhooks)."""

import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver(ThreadingHTTPServer):
    """Records each POST as {"path", "headers" (lower-case names), "body"}; answers with the
    next of `statuses`, else `status`, and the body `answer`."""

    def __init__(self, path="/hook"):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.path = path
        self.hits: list[dict] = []
        self.statuses: list[int] = []
        self.status = 200
        self.answer = b""

    @property
    def url(self):
        return f"http://127.0.0.1:{self.server_address[1]}{self.path}"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver  # the server that made this handler

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.hits.append({"path": self.path, "headers": headers, "body": body})
        self.send_response(self.server.statuses.pop(0) if self.server.statuses else self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(self.server.answer)))
        self.end_headers()
        self.wfile.write(self.server.answer)

    def log_message(self, *args):
        pass


@contextmanager
def running_receiver(path="/hook"):
    server = Receiver(path)
    # serve_forever notices shutdown() only between polls: 0.5 s by default, paid by every test.
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
