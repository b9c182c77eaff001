"""A hostile HTTP server on 127.0.0.1 for robustness tests: huge bodies, slow and dripping answers, malformed
JSON, redirects to another host and redirect loops, and an invalid or cyclic API description."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "hostile", "version": "1"},
    "paths": {p: {"get": {"responses": {"200": {"description": "x"}},
                          "parameters": [{"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}]}}
              for p in ("/huge", "/slow", "/drip", "/badjson", "/redirect", "/loop", "/chunked")},
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list[tuple[str, str, str]] = []
    spec_text = json.dumps(SPEC)

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes, ctype: str = "application/json", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self) -> None:
        Handler.seen.append((self.command, self.path, self.headers.get("Host", "")))
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        path = self.path.split("?")[0]
        try:
            if path == "/openapi.json":
                self._send(200, Handler.spec_text.encode())
            elif path == "/huge":
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(200 * 1024 * 1024))
                self.end_headers()
                chunk = b"A" * 65536
                for _ in range(3200):
                    self.wfile.write(chunk)
            elif path == "/slow":
                time.sleep(3)
                self._send(200, b"{}")
            elif path == "/drip":
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "100000")
                self.end_headers()
                for _ in range(100):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.2)
            elif path == "/badjson":
                self._send(200, b'{"token": "abc", "nested": [1, 2, {"x": ')
            elif path == "/redirect":
                self._send(302, b"", Location="http://evil.example.invalid/steal")
            elif path == "/loop":
                self._send(302, b"", Location="/loop")
            else:
                self._send(404, b'{"error": "not found"}')
        except (BrokenPipeError, ConnectionResetError):
            pass

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_TRACE = handle_any


@contextmanager
def hostile_server(spec_text: str | None = None) -> Iterator[str]:
    Handler.seen = []
    Handler.spec_text = spec_text if spec_text is not None else json.dumps(SPEC)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
