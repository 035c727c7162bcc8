"""Browser-test harness: a real JupyterLab server and a real Chromium, driven by Playwright.

How to write a browser test
---------------------------
The fixtures in ``tests/e2e/conftest.py`` give you ``lab`` (one JupyterLab server and one
Chromium for the whole session) and ``page`` (a fresh browser context per test, 1280x900).
Each notebook lives in its own folder (the kernel's working directory, so store files do
not collide) and opens in its own JupyterLab workspace::

    import pytest
    from playwright.sync_api import expect

    @pytest.mark.e2e
    def test_labels_reach_the_kernel(lab, page):
        path = lab.write_notebook([
            "import rater_widgets as rw, polars as pl",
            "w = rw.ItemRater(pl.DataFrame({'id': [1], 'text': ['hi']}), rubric)\\nw",
        ])
        nb = lab.open_notebook(page, path)       # waits for the kernel to be idle
        nb.run_all()                             # raises NotebookError with the traceback
        view = nb.output(1)                      # locator of cell 1's output area
        nb.press(view, "1", "Enter", click=True) # focus the widget, then press keys
        expect(view.get_by_text("saved")).to_be_visible()
        assert nb.eval_json("w.annotations['verdict'].to_list()") == ["safe"]
        nb.screenshot("item-rater-light", view)
        lab.set_theme(page, "dark")
        nb.screenshot("item-rater-dark", view)

Other helpers: ``nb.execute(code) -> str`` (stdout + result text, raises KernelError on
an exception), ``nb.wait_eval(expr, expected)`` (poll the kernel until e.g. an ack
landed), ``nb.restart_kernel()`` (from the page), ``nb.reload()`` (saves, reloads the
tab, waits for the live kernel again), ``nb.save(with_widget_state=True) -> str`` (the
saved file's text), ``nb.run_cells([i, ...])``, ``nb.execution_counts()``, ``nb.cell(i)``
(cell indices count every cell, markdown too), ``nb.console_errors``,
``lab.open_notebook7(page, path)`` (Jupyter Notebook 7 UI, same ``Notebook`` API).
Keys: ``nb.press`` refuses to type when focus is outside the widget, because stray keys
edit the notebook in JupyterLab's command mode. Settings (theme, saveState) are reset
before every test. Screenshots go to ``test-artifacts/screenshots/``, the server log to
``test-artifacts/jupyter.log``; a failing test also leaves ``FAILED-<test>.png`` there.
Mark every browser test ``@pytest.mark.e2e``. Waits are conditions polled with timeouts;
use Playwright's ``expect`` for anything the page shows.

Outside pytest (benchmarks)::

    with start_lab(tmp_dir) as lab:      # server + Chromium, stopped on exit
        page = lab.new_context().new_page()
        nb = lab.open_notebook(page, lab.write_notebook(cells))

Files: ``server.py`` (the isolated server), ``notebook.py`` (``Notebook``), ``_page.py``
(page-side JS helpers), ``conftest.py`` (fixtures, Chromium flags).
"""

from __future__ import annotations

import json
import os
import re
import statistics
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote

from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser import CHROMIUM, CHROMIUM_ARGS, shared_browser
from tests.e2e._page import (
    ARTIFACTS,
    KERNELSPEC,
    SCREENSHOTS,
    THEMES,
    VIEWPORT,
    KernelError,
    NotebookError,
    page_errors,
)
from tests.e2e._page import js as _js
from tests.e2e.notebook import Notebook
from tests.e2e.server import JupyterServer

__all__ = [
    "ARTIFACTS",
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "SCREENSHOTS",
    "KernelError",
    "Lab",
    "Notebook",
    "NotebookError",
    "page_errors",
    "start_lab",
]


class Lab:
    """The session's JupyterLab server plus Chromium, and the notebook-level entry points.

    Example::

        nb = lab.open_notebook(page, lab.write_notebook(["x = 1"]))
    """

    def __init__(self, server: JupyterServer, browser: Browser) -> None:
        self.server = server
        self.browser = browser
        self.timings: dict[str, list[float]] = {}
        self._counter = 0

    @property
    def url(self) -> str:
        """Base URL of the server, e.g. ``http://127.0.0.1:8899``."""
        return self.server.url

    def record(self, what: str, seconds: float) -> None:
        """Note a duration; the e2e session prints medians at the end."""
        self.timings.setdefault(what, []).append(seconds)

    def timing_summary(self) -> list[str]:
        """Lines ``what: median (n=..)`` for every recorded duration."""
        return [
            f"{what}: median {statistics.median(v):.2f} s, max {max(v):.2f} s (n={len(v)})"
            for what, v in self.timings.items()
        ]

    def new_context(self) -> BrowserContext:
        """A fresh browser context (own storage) with the harness viewport."""
        return self.browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]

    def write_notebook(
        self, cells: Sequence[str | tuple[str, str]], name: str = "test", **metadata: Any
    ) -> str:
        """Write a v4 notebook in a new folder under the server root; return its path.

        ``cells`` are code strings or ``("markdown", text)`` / ``("code", text)`` pairs.

        Example::

            path = lab.write_notebook(["x = 41 + 1", ("markdown", "# done")])
        """
        self._counter += 1
        test = os.environ.get("PYTEST_CURRENT_TEST", "nb").split(" ")[0].split("::")[-1]
        folder = f"{re.sub(r'[^A-Za-z0-9_-]+', '-', test)[:60]}-{self._counter}"
        # Written by hand (nbformat 4.5) rather than with nbformat, which is untyped.
        nb_cells = []
        for cell in cells:
            kind, source = ("code", cell) if isinstance(cell, str) else cell
            entry: dict[str, Any] = {
                "cell_type": kind,
                "id": uuid.uuid4().hex[:8],
                "metadata": {},
                "source": source,
            }
            if kind == "code":
                entry.update(execution_count=None, outputs=[])
            nb_cells.append(entry)
        notebook = {
            "cells": nb_cells,
            # Without a kernelspec JupyterLab asks for a kernel in a dialog.
            "metadata": {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
            | metadata,
            "nbformat": 4,
            "nbformat_minor": 5,
        }
        rel = f"{folder}/{name}.ipynb"
        target = self.server.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(notebook, indent=1))
        return rel

    def open_notebook(
        self, page: Page, path: str, *, workspace: str | None = None, timeout: float = 60
    ) -> Notebook:
        """Open ``path`` in JupyterLab, in its own workspace; wait for an idle kernel.

        The page loads an empty workspace and opens the file with ``docmanager:open``
        (what a double click in the file browser does): ~1 s quicker than the
        ``/tree/<path>`` URL route, which lists the folder in the file browser first.

        Example::

            nb = lab.open_notebook(page, path)
        """
        ws = workspace or f"t-{uuid.uuid4().hex[:12]}"
        return self._open(page, path, f"/lab/workspaces/{ws}", "lab", timeout)

    def open_notebook7(self, page: Page, path: str, *, timeout: float = 60) -> Notebook:
        """Open ``path`` in the Jupyter Notebook 7 UI (``/notebooks/...``) of the same server.

        Example::

            nb = lab.open_notebook7(page, path)
            nb.run_all()
        """
        return self._open(page, path, f"/notebooks/{quote(path)}", "notebook7", timeout)

    def _open(
        self,
        page: Page,
        path: str,
        url_path: str,
        flavor: Literal["lab", "notebook7"],
        timeout: float,
    ) -> Notebook:
        start = time.monotonic()
        nb = Notebook(self, page, path, flavor, self.url + url_path)
        self.server.start_session(path)
        page.goto(nb.url)
        nb.wait_ready(timeout)
        self.record(f"open notebook ({flavor})", time.monotonic() - start)
        return nb

    def set_theme(self, page: Page, theme: Literal["light", "dark"], timeout: float = 15) -> None:
        """Switch the JupyterLab theme and wait until the page has applied it.

        Example::

            lab.set_theme(page, "dark")
        """
        page.evaluate(
            _js("window.jupyterapp.commands.execute('apputils:change-theme', {theme: arg});"),
            THEMES[theme],
        )
        # JupyterLab covers the page with its splash while the theme loads, then fades
        # it out and removes it: a screenshot before that shows a dimmed page.
        page.wait_for_function(
            """(light) => document.body.dataset.jpThemeLight === light
                          && !document.getElementById('jupyterlab-splash')""",
            arg="true" if theme == "light" else "false",
            timeout=timeout * 1000,
        )


@contextmanager
def start_lab(
    base_dir: Path,
    *,
    log_path: Path = ARTIFACTS / "jupyter.log",
    extra_args: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
) -> Iterator[Lab]:
    """Start the JupyterLab server in ``base_dir`` and Chromium; stop both on exit.

    ``extra_args`` / ``env`` go to the server (see ``JupyterServer.start``).

    Records "start server" and "start harness (server + browser)" in ``lab.timings``.

    Example::

        with start_lab(Path(tempfile.mkdtemp())) as lab:
            nb = lab.open_notebook(lab.new_context().new_page(), lab.write_notebook(["1"]))
    """
    start = time.monotonic()
    server = JupyterServer.start(base_dir, log_path=log_path, extra_args=extra_args, env=env)
    server_ready = time.monotonic()
    try:
        # the process's one Chromium (tests/browser.py): a second sync Playwright fails
        lab = Lab(server, shared_browser())
        lab.record("start server", server_ready - start)
        lab.record("start harness (server + browser)", time.monotonic() - start)
        yield lab
    finally:
        server.stop()
