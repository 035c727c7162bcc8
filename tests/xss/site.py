"""A served test page for the renderer in real Chromium (used by the XSS suite and the benchmark).

``serve_site()`` bundles tests/xss/page.ts (the real js/render plus a small driver) with
esbuild, serves it from a loopback HTTP server on a free port and starts Chromium.
``Site.open()`` gives a page whose every request, dialog, console error, page error and
popup is recorded by a ``Watch``; requests for anything but the page's own server are
answered by a local stub, so nothing leaves the machine.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Dialog,
    Page,
    Request,
    Route,
)

from tests.browser import shared_browser

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"
# 1x1 transparent PNG: the stub answer for image requests once the rater allowed them
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)
INDEX_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>renderer xss page</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="render.css">
<style>@keyframes rwspin { from { opacity: 1 } to { opacity: .9 } }</style>
<script type="module" src="page.js"></script>
</head><body><div id="out"></div></body></html>
"""


def load_payloads() -> list[str]:
    """The corpus: one payload per line, "⏎" for a newline, "#" lines are comments."""
    lines = (HERE / "payloads.txt").read_text(encoding="utf-8").splitlines()
    return [ln.replace("⏎", "\n") for ln in lines if ln.strip() and not ln.startswith("#")]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Site:
    """The served test page and what the browser did while a test ran."""

    origin: str
    browser: Browser

    def open(self) -> tuple[Page, Watch]:
        page = self.browser.new_page()
        watch = Watch(origin=self.origin)
        page.route("**/*", watch.route)
        page.on("request", watch.on_request)
        page.on("dialog", watch.on_dialog)
        page.on("console", watch.on_console)
        page.on("pageerror", lambda exc: watch.errors.append(f"pageerror: {exc}"))
        page.on("popup", lambda popup: watch.popups.append(popup.url))
        page.goto(f"{self.origin}/index.html")
        page.wait_for_function("window.rwXss !== undefined")
        watch.page_url = page.url
        return page, watch


@dataclass
class Watch:
    """Everything observable that a payload could cause."""

    origin: str
    page_url: str = ""
    foreign: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    popups: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        url = route.request.url
        if url.startswith(self.origin + "/"):
            route.continue_()
        else:
            # answered locally: even a failing test sends nothing off the machine
            route.fulfill(status=200, body=PNG_1X1, content_type="image/png")

    def on_request(self, request: Request) -> None:
        if not request.url.startswith(self.origin + "/") and not request.url.startswith("data:"):
            self.foreign.append(request.url)

    def on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            self.errors.append(f"console: {msg.text}")


@contextlib.contextmanager
def serve_site(root: Path) -> Iterator[Site]:
    """Bundle the renderer into ``root``, serve it on a free loopback port, start Chromium."""
    subprocess.run(
        [str(ESBUILD), str(HERE / "page.ts"), "--bundle", "--format=esm", "--minify",
         "--target=es2020", "--log-level=warning", f"--outfile={root / 'page.js'}"],
        cwd=ROOT, check=True,
    )  # fmt: skip
    shutil.copy(ROOT / "js" / "render" / "render.css", root / "render.css")
    (root / "index.html").write_text(INDEX_HTML, encoding="utf-8")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        # the process's one Chromium (tests/browser.py): a second sync Playwright fails
        yield Site(origin=f"http://127.0.0.1:{server.server_address[1]}", browser=shared_browser())
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
