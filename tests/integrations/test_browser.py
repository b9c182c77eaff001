"""A real browser (headless Chromium through Playwright) enforces what the shield answers.

Pages are served from two loopback origins: ``allowed`` (listed in the API's CORS policy) and ``other``.
The API runs on a third port (Flask under gunicorn, plain HTTP).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.conftest import free_port
from tests.integrations.servers import serve

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("integration-browser")]

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _page_server(api: str, port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """A static page server: ``/`` is blank, ``/form`` auto-submits a form to the API's ``/notes``."""
    form = (
        "<!doctype html><html><body>"
        f'<form id="f" method="post" action="{api}/notes"><input name="note" value="hi"></form>'
        "<script>document.getElementById('f').submit()</script></body></html>"
    ).encode()
    blank = b"<!doctype html><html><body>page</body></html>"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = form if self.path.startswith("/form") else blank
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port or free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def setup() -> Iterator[dict[str, Any]]:
    sync_api = pytest.importorskip("playwright.sync_api")
    import os

    if not os.path.exists(CHROMIUM):
        pytest.skip("no /usr/bin/chromium")
    # the allowed page origin must be known before the API starts: reserve its port first
    allowed_port = free_port()
    allowed_origin = f"http://127.0.0.1:{allowed_port}"
    with serve("flask", APISHIELD_TEST_ORIGINS=allowed_origin, APISHIELD_TEST_HTTPS="off") as api:
        pages = []
        try:
            other, other_origin = _page_server(api)
            pages.append(other)
            allowed, _ = _page_server(api, allowed_port)
            pages.append(allowed)
            with sync_api.sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
                try:
                    yield {"api": api, "allowed": allowed_origin, "other": other_origin, "browser": browser}
                finally:
                    browser.close()
        finally:
            for server in pages:
                server.shutdown()
                server.server_close()


FETCH = """async ([url, token]) => {
  try {
    const r = await fetch(url, {headers: {Authorization: 'Bearer ' + token}});
    return {status: r.status, body: await r.text()};
  } catch (e) {
    return {error: String(e)};
  }
}"""


def test_allowed_origin_reads_the_api(setup: dict[str, Any], make_token: Callable[..., str]) -> None:
    page = setup["browser"].new_page()
    try:
        page.goto(setup["allowed"] + "/")
        result = page.evaluate(FETCH, [setup["api"] + "/tasks", make_token("dora", ("tasks:read",))])
        assert result.get("status") == 200, result
        assert '"subject":"dora"' in result["body"].replace(" ", "")
    finally:
        page.close()


def test_other_origin_is_blocked_by_the_browser(setup: dict[str, Any], make_token: Callable[..., str]) -> None:
    page = setup["browser"].new_page()
    try:
        page.goto(setup["other"] + "/")
        result = page.evaluate(FETCH, [setup["api"] + "/tasks", make_token("dora", ("tasks:read",))])
        assert "error" in result and "TypeError" in result["error"], result
    finally:
        page.close()


def test_cross_site_form_post_without_csrf_token_is_rejected(setup: dict[str, Any]) -> None:
    context = setup["browser"].new_context()
    try:
        login = context.request.post(setup["api"] + "/login")
        assert login.status == 200
        token = login.json()["csrf_token"]
        assert any(c["name"] == "session" for c in context.cookies())
        page = context.new_page()
        with page.expect_response(lambda r: r.url.endswith("/notes")) as info:
            page.goto(setup["other"] + "/form")
        response = info.value
        assert response.status == 403  # the session cookie went along (else 401), the CSRF check refused it
        assert "CSRF" in response.text()
        # the same session with its token is accepted, so the refusal above was the CSRF defence
        ok = context.request.post(setup["api"] + "/notes", headers={"X-CSRF-Token": token})
        assert ok.status == 200, ok.text()
    finally:
        context.close()
