"""Attacks that need a real browser to work: a member's browser sending a `groups` header (1), and
a page on another site driving the local server (3), in Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.security.conftest import Target, enable, serving
from tests.support.factories import LLAMA
from tests.support.servers import free_port

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    if not CHROMIUM.exists():
        if os.environ.get("STUDIO_E2E_REQUIRED"):
            pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does).")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        yield browser
        browser.close()


def idle(page) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=60_000)


# ---- 1. a member's own header never makes them an admin ------------------------------------------------
@pytest.fixture(scope="module")
def header_signed_in(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    with serving(
        tmp_path_factory.mktemp("header"),
        STUDIO_TRUSTED_USER_HEADER="X-Forwarded-Email",
        STUDIO_TRUSTED_GROUPS_HEADER="X-Forwarded-Groups",
        STUDIO_ADMIN_GROUP="studio-admins",
    ) as served:
        yield served


@pytest.mark.parametrize(
    ("headers", "role"),
    [
        ({"X-Forwarded-Email": "alice@example.com", "groups": "studio-admins"}, "member"),  # the attack
        ({"X-Forwarded-Email": "alice@example.com", "X-Groups": "studio-admins"}, "member"),
        ({"X-Forwarded-Email": "alice@example.com", "X-Forwarded-Groups": "studio-admins"}, "admin"),  # the proxy's
    ],
)
def test_groups_come_only_from_the_header_named_on_purpose(
    chromium, header_signed_in: Target, headers: dict[str, str], role: str
) -> None:
    from playwright.sync_api import expect

    context = chromium.new_context(extra_http_headers=headers, viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        page.goto(header_signed_in.url)
        expect(page.get_by_text(f"Signed in as alice@example.com ({role})")).to_be_visible(timeout=60_000)
        idle(page)
        sync = page.get_by_role("button", name="Sync")
        if role == "member":
            expect(sync).to_be_disabled()
        else:
            expect(sync).to_be_enabled()
    finally:
        context.close()


# ---- 3. a page on another site drives the local server -------------------------------------------------
ATTACK = """<!doctype html><html><body><script>
const target = "%(target)s";
window.results = [];
async function attack() {
  for (const path of ["/api/models/%(model)s/disable", "/api/models/sync"]) {
    try { await fetch(target + path, {method: "POST", mode: "no-cors"}); window.results.push("sent " + path); }
    catch (e) { window.results.push("blocked " + path); }
  }
  await new Promise((resolve) => {
    const ws = new WebSocket(target.replace("http", "ws") + "/_stcore/stream", ["streamlit"]);
    ws.onopen = () => { window.results.push("ws open"); resolve(); };
    ws.onerror = () => { window.results.push("ws refused"); resolve(); };
  });
  window.done = true;
}
attack();
</script><iframe id="framed" src="%(target)s/" width="400" height="300"></iframe></body></html>"""


def test_a_page_of_another_site_cannot_change_anything(chromium, target: Target) -> None:
    enable(target, LLAMA)
    page_html = (ATTACK % {"target": target.url, "model": LLAMA}).encode()

    class Attacker(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(page_html)

        def log_message(self, *args: object) -> None:
            return

    port = free_port()
    attacker = ThreadingHTTPServer(("127.0.0.1", port), Attacker)
    threading.Thread(target=attacker.serve_forever, daemon=True).start()
    before = target.snapshot()
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(f"http://localhost:{port}/")  # another site: localhost, not 127.0.0.1
        page.wait_for_function("window.done === true", timeout=30_000)
        results = page.evaluate("window.results")
        assert "ws refused" in results, results
        assert any(r.startswith("sent") for r in results), results  # the requests did reach the server...
        page.wait_for_timeout(1000)
        assert target.snapshot() == before  # ...and changed nothing
        frame = page.frame_locator("#framed")
        assert frame.locator("[data-testid='stApp']").count() == 0  # the app refused to be framed
    finally:
        context.close()
        attacker.shutdown()
    model = httpx.get(f"{target.url}/api/models", params={"search": "llama3-1-8b-instruct-v1:0:128k"}, timeout=30)
    assert [m["Enabled"] for m in model.json()["Models"] if m["Id"] == LLAMA] == [True]
