"""One Chromium for the whole test process.

Playwright's sync API keeps an event loop running in the main thread for as long as it
is started, so a second ``sync_playwright()`` in the same process fails, and so does
``asyncio.run`` (run asyncio code in a thread instead: :func:`run_in_thread`). Every
browser test (the JupyterLab harness, the XSS suite, the report check) takes its browser
from :func:`shared_browser`; ``tests/conftest.py`` stops it when the session ends.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
from collections.abc import Coroutine
from typing import Any, TypeVar

from playwright.sync_api import Browser, Playwright, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

_state: dict[str, Any] = {}
T = TypeVar("T")


def shared_browser() -> Browser:
    """The process's Chromium, launched on first use."""
    browser = _state.get("browser")
    if browser is None or not browser.is_connected():
        pw: Playwright = _state.get("pw") or sync_playwright().start()
        _state["pw"] = pw
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        _state["browser"] = browser
    return browser


def stop_shared_browser() -> None:
    """Close the browser and Playwright (no-op when never started)."""
    browser = _state.pop("browser", None)
    if browser is not None and browser.is_connected():
        browser.close()
    pw = _state.pop("pw", None)
    if pw is not None:
        pw.stop()


def run_in_thread(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)`` in a worker thread: safe while Playwright owns this one."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        result = pool.submit(asyncio.run, coro).result()
    gc.collect()  # what the coroutine left behind is collected now, in the calling test
    return result
