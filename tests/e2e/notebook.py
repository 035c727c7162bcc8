"""One open notebook in the browser: run cells, evaluate in its kernel, restart, reload.

Made by ``Lab.open_notebook`` / ``Lab.open_notebook7`` (see ``lab.py`` for a full test)::

    nb = lab.open_notebook(page, lab.write_notebook(["x = 1"]))
    nb.run_all()
    assert nb.eval_json("x") == 1
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from playwright.sync_api import Locator, Page

from tests.e2e._page import (
    SAVE_STATE_CMD,
    SCREENSHOTS,
    KernelError,
    NotebookError,
    page_errors,
)
from tests.e2e._page import js as _js
from tests.e2e._page import strip_ansi as _strip_ansi

if TYPE_CHECKING:
    from tests.e2e.lab import Lab


class Notebook:
    """One open notebook page: run cells, evaluate in its kernel, restart, reload, save.

    Example::

        nb = lab.open_notebook(page, path)
        nb.run_all()
        assert nb.execute("print(1 + 1)") == "2\\n"
    """

    def __init__(
        self, lab: Lab, page: Page, path: str, flavor: Literal["lab", "notebook7"], url: str
    ) -> None:
        self.lab = lab
        self.page = page
        self.path = path
        self.flavor = flavor
        self.url = url
        self.panel_id = ""
        self._opened_at: float | None = time.monotonic()
        page_errors(page)

    @property
    def console_errors(self) -> list[str]:
        """Console errors and uncaught exceptions of this notebook's page so far."""
        return page_errors(self.page)

    @property
    def file(self) -> Path:
        """The notebook file on disk (the server root is a local temp dir)."""
        return self.lab.server.root / self.path

    def _eval(self, body: str, arg: Any = None) -> Any:
        return self.page.evaluate(_js(body), {"path": self.path, **(arg or {})})

    def wait_ready(self, timeout: float = 60) -> None:
        """Wait until the app has restored, the panel exists and its kernel is idle.

        In JupyterLab the notebook is opened with ``docmanager:open`` if the restored
        workspace does not already show it. On timeout the error lists the cells, the
        kernel status, open dialogs and console errors.
        """
        try:
            self.page.wait_for_function("() => !!window.jupyterapp", timeout=timeout * 1000)
            self._eval(
                """let timer;
                await Promise.race([window.jupyterapp.restored, new Promise((_, reject) => {
                  timer = setTimeout(() => reject(new Error('app not restored')), arg.ms); })]);
                clearTimeout(timer);
                if (arg.lab && !rw.panel(arg.path)) {
                  await window.jupyterapp.commands.execute(
                    'docmanager:open', {path: arg.path, factory: 'Notebook'});
                }""",
                {"lab": self.flavor == "lab", "ms": int(timeout * 1000)},
            )
            self._wait_kernel_idle(timeout)
        except Exception as e:
            raise AssertionError(
                f"{self.path}: notebook or kernel not ready within {timeout} s: {e}\n"
                f"{self._describe()}"
            ) from e
        self.panel_id = self._eval("return rw.panel(arg.path).id;")

    def _wait_kernel_idle(self, timeout: float) -> None:
        self.page.wait_for_function(
            _js(
                """const p = rw.panel(arg.path); const k = rw.kernel(arg.path);
                return !!(p && p.context.isReady && p.sessionContext.isReady && k
                          && k.status === 'idle' && k.connectionStatus === 'connected'
                          && !document.getElementById('jupyterlab-splash'));""",
                predicate=True,
            ),
            arg={"path": self.path},
            timeout=timeout * 1000,
            polling=50,
        )

    # ----------------------------------------------------------------- running cells
    def run_all(self, timeout: float = 60, *, allow_stderr: bool = False) -> None:
        """Run every cell (``notebook:run-all-cells``) and wait until all have run.

        Raises NotebookError with the cell source and traceback if a cell raised, or
        wrote to stderr unless ``allow_stderr``.
        """
        self._run(None, timeout, allow_stderr)

    def run_cells(
        self, indices: Iterable[int], timeout: float = 60, *, allow_stderr: bool = False
    ) -> None:
        """Run the cells at ``indices`` (positions among all cells), in that order."""
        self._run(list(indices), timeout, allow_stderr)

    def _run(self, indices: list[int] | None, timeout: float, allow_stderr: bool) -> None:
        start = time.monotonic()
        self.wait_ready(timeout)
        # Clear first so "has an execution count" means "ran this time", also after a
        # restart (counts start over). The command's promise is deliberately not awaited:
        # it resolves only when every cell is done, which we poll for with a timeout.
        self._eval(
            """const p = rw.panel(arg.path); const app = window.jupyterapp;
            window.__rwRunError = null;
            for (const c of rw.codeCells(arg.path, arg.indices)) c.cell.model.clearExecution();
            app.shell.activateById(p.id);
            const fail = e => { window.__rwRunError = String(e && e.stack || e); };
            if (!arg.indices) {
              app.commands.execute('notebook:run-all-cells').catch(fail);
            } else {
              for (const i of arg.indices) {
                p.content.deselectAll();
                p.content.activeCellIndex = i;
                app.commands.execute('notebook:run-cell').catch(fail);
              }
            }""",
            {"indices": indices},
        )
        try:
            self.page.wait_for_function(
                _js(
                    """if (window.__rwRunError) return true;
                    const k = rw.kernel(arg.path);
                    if (!k || k.status !== 'idle') return false;
                    let pending = false, failed = false;
                    for (const {cell} of rw.codeCells(arg.path, arg.indices)) {
                      const m = cell.model;
                      const prompt = cell.promptNode ? cell.promptNode.textContent : '';
                      if (m.executionState === 'running' || prompt.includes('*')) return false;
                      for (let i = 0; i < m.outputs.length; i++)
                        if (m.outputs.get(i).type === 'error') failed = true;
                      if (m.sharedModel.getSource().trim() && m.executionCount == null)
                        pending = true;
                    }
                    return failed || !pending;""",
                    predicate=True,
                ),
                arg={"path": self.path, "indices": indices},
                timeout=timeout * 1000,
                polling=25,
            )
        except Exception as e:
            raise NotebookError(
                f"{self.path}: cells did not finish within {timeout} s.\n{self._describe()}"
            ) from e
        now = time.monotonic()
        self.lab.record(f"run cells ({self.flavor})", now - start)
        if self._opened_at is not None:
            self.lab.record(f"open + first run ({self.flavor})", now - self._opened_at)
            self._opened_at = None
        self._raise_on_errors(indices, allow_stderr)

    def cells(self) -> list[dict[str, Any]]:
        """Every cell as ``{index, type, source, count, prompt, outputs}`` (nbformat outputs)."""
        result: list[dict[str, Any]] = self._eval(
            """return rw.panel(arg.path).content.widgets.map((cell, index) => {
              const m = cell.model;
              const info = {index, type: m.type, source: m.sharedModel.getSource()};
              if (m.type === 'code') {
                info.count = m.executionCount;
                info.prompt = cell.promptNode ? cell.promptNode.textContent : '';
                info.outputs = m.outputs.toJSON();
              }
              return info;
            });"""
        )
        return result

    def execution_counts(self) -> list[int | None]:
        """Execution counts of the code cells, in order (None = not run)."""
        return [c["count"] for c in self.cells() if c["type"] == "code"]

    def _describe(self) -> str:
        lines = []
        try:
            run_error = self.page.evaluate("() => window.__rwRunError")
            if run_error:
                lines.append(f"run command failed: {run_error}")
            lines += [
                f"open dialog: {d!r}"
                for d in self.page.evaluate(
                    "() => [...document.querySelectorAll('.jp-Dialog')].map(d => d.innerText)"
                )
            ]
            lines.append(
                "kernel status: "
                + str(self._eval("const k = rw.kernel(arg.path); return k && k.status;"))
            )
            for c in self.cells():
                if c["type"] == "code":
                    lines.append(f"cell {c['index']} prompt {c['prompt']!r}: {c['source'][:80]!r}")
        except Exception as e:  # the page itself may be broken; say so, keep the cause
            lines.append(f"(could not read the page: {e})")
        lines += self.console_errors[-10:]
        return "\n".join(lines)

    def _raise_on_errors(self, indices: list[int] | None, allow_stderr: bool) -> None:
        run_error = self.page.evaluate("() => window.__rwRunError")
        if run_error:
            raise NotebookError(f"{self.path}: the run command failed: {run_error}")
        for cell in self.cells():
            if cell["type"] != "code" or (indices is not None and cell["index"] not in indices):
                continue
            for out in cell["outputs"]:
                kind = out.get("output_type")
                if kind == "error":
                    tb = _strip_ansi("\n".join(out.get("traceback", [])))
                    raise NotebookError(
                        f"{self.path}: cell {cell['index']} raised "
                        f"{out.get('ename')}: {out.get('evalue')}\n"
                        f"--- cell source ---\n{cell['source']}\n--- traceback ---\n{tb}"
                    )
                if kind == "stream" and out.get("name") == "stderr" and not allow_stderr:
                    text = out["text"] if isinstance(out["text"], str) else "".join(out["text"])
                    raise NotebookError(
                        f"{self.path}: cell {cell['index']} wrote to stderr:\n"
                        f"{_strip_ansi(text)}\n--- cell source ---\n{cell['source']}"
                    )

    # ------------------------------------------------------------ kernel-side evaluation
    def execute(self, code: str, timeout: float = 30) -> str:
        """Run ``code`` in the notebook's own kernel; return stdout plus the result's text.

        Raises KernelError with the traceback if the code raised.

        Example::

            assert nb.execute("len(received)") == "2"
        """
        reply = self._eval(
            """const k = rw.kernel(arg.path);
            if (!k) throw new Error('no kernel for ' + arg.path);
            const future = k.requestExecute(
              {code: arg.code, silent: false, store_history: false});
            const out = [], stderr = []; let error = null;
            future.onIOPub = msg => {
              const t = msg.header.msg_type, c = msg.content;
              if (t === 'stream') (c.name === 'stdout' ? out : stderr).push(c.text);
              else if (t === 'execute_result') out.push(c.data['text/plain'] || '');
              else if (t === 'error') error = c;
            };
            let timer;
            const expired = new Promise((_, reject) => { timer = setTimeout(
              () => reject(new Error('kernel did not answer within ' + arg.ms + ' ms')),
              arg.ms); });
            try {
              const replyMsg = await Promise.race([future.done, expired]);
              if (!error && replyMsg.content.status === 'error') error = replyMsg.content;
            } finally { clearTimeout(timer); }
            return {out: out.join(''), stderr: stderr.join(''), error};""",
            {"code": code, "ms": int(timeout * 1000)},
        )
        if reply["error"]:
            err = reply["error"]
            tb = _strip_ansi("\n".join(err.get("traceback", [])))
            raise KernelError(
                f"{err.get('ename')}: {err.get('evalue')}\n--- code ---\n{code}\n"
                f"--- traceback ---\n{tb}\n--- stderr ---\n{reply['stderr']}"
            )
        return str(reply["out"])

    def eval_json(self, expr: str, timeout: float = 30) -> Any:
        """Evaluate a Python expression in the kernel and return it through JSON.

        Example::

            assert nb.eval_json("w.annotations['id'].to_list()") == [1, 2]
        """
        marker = "__rw_json__:"
        code = f"print({marker!r} + __import__('json').dumps({expr}))"
        out = self.execute(code, timeout)
        lines = [ln for ln in out.splitlines() if ln.startswith(marker)]
        if not lines:
            raise KernelError(f"no JSON printed for {expr!r}; output was:\n{out}")
        return json.loads(lines[-1][len(marker) :])

    def wait_eval(self, expr: str, expected: Any, timeout: float = 10) -> None:
        """Poll ``eval_json(expr)`` until it equals ``expected`` (e.g. an ack landed).

        Example::

            nb.wait_eval("w.progress.done", 3)
        """
        deadline = time.monotonic() + timeout
        while True:
            value = self.eval_json(expr)
            if value == expected:
                return
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{expr} is {value!r}, still not {expected!r} after {timeout} s"
                )
            # each round trip is a kernel execution already; a short pause keeps the
            # kernel free for the widget traffic we are waiting on
            self.page.wait_for_timeout(20)

    def restart_kernel(self, timeout: float = 60) -> None:
        """Restart the kernel from the page (as the UI does) and wait until it is idle."""
        self._eval("await rw.panel(arg.path).sessionContext.restartKernel();")
        self.wait_ready(timeout)

    def reload(self, *, save: bool = True, timeout: float = 60) -> None:
        """Reload the tab and wait for the notebook and its (surviving) kernel again.

        Saves first by default: JupyterLab reloads the notebook from disk, so only saved
        outputs (and their widget views) come back, as for a user whose work autosaved.
        """
        if save:
            self.save(with_widget_state=None)
        self.page.reload()
        self.wait_ready(timeout)

    def save(self, *, with_widget_state: bool | None = False, timeout: float = 15) -> str:
        """Save the notebook from the page; return the saved file's text.

        ``with_widget_state`` sets JupyterLab's "Save Widget State Automatically"
        (ipywidgets ``saveState``) on before saving, off when False (the default, as in
        a fresh JupyterLab), or leaves it as it is when None. JupyterLab never removes
        state that an earlier save wrote.

        Example::

            text = nb.save(with_widget_state=True)
            assert "application/vnd.jupyter.widget-state+json" in text
        """
        self._eval(
            """const app = window.jupyterapp, cmd = arg.cmd;
            if (!app.commands.hasCommand(cmd)) throw new Error('no command ' + cmd);
            if (arg.want !== null && app.commands.isToggled(cmd) !== arg.want)
              await app.commands.execute(cmd);
            const deadline = Date.now() + arg.ms;
            while (arg.want !== null && app.commands.isToggled(cmd) !== arg.want) {
              if (Date.now() > deadline) throw new Error('saveState did not change');
              await new Promise(r => setTimeout(r, 20));
            }
            await rw.panel(arg.path).context.save();""",
            {"cmd": SAVE_STATE_CMD, "want": with_widget_state, "ms": int(timeout * 1000)},
        )
        return self.file.read_text()

    # ------------------------------------------------------------------ page helpers
    def cell(self, index: int) -> Locator:
        """Locator of the cell at ``index`` (among all cells)."""
        return self.page.locator(f"#{self.panel_id} .jp-Notebook .jp-Cell").nth(index)

    def output(self, index: int) -> Locator:
        """Locator of the output area of the cell at ``index``."""
        return self.cell(index).locator(".jp-OutputArea")

    def press(self, locator: Locator, *keys: str, click: bool = False) -> None:
        """Focus ``locator`` (by clicking it if ``click``) and press ``keys`` in order.

        Keys use Playwright names: ``"2"``, ``"Enter"``, ``"ArrowLeft"``, ``"Shift+Tab"``.
        """
        if click:
            locator.click()
        else:
            locator.focus()
        # Keys that miss the widget go to JupyterLab, where "1" turns a cell into a
        # heading and "d d" deletes it: refuse rather than corrupt the notebook.
        if not locator.evaluate("el => el.contains(document.activeElement)"):
            active = self.page.evaluate(
                "() => document.activeElement && document.activeElement.outerHTML.slice(0, 200)"
            )
            raise AssertionError(
                f"keys {keys} not sent: focus is not inside the widget but on {active}"
            )
        for key in keys:
            self.page.keyboard.press(key)

    def set_theme(self, theme: Literal["light", "dark"]) -> None:
        """Shortcut for ``lab.set_theme(nb.page, theme)``."""
        self.lab.set_theme(self.page, theme)

    def screenshot(self, name: str, locator: Locator | None = None) -> Path:
        """Save a PNG of the page (or of ``locator``) as test-artifacts/screenshots/<name>.png."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        target = SCREENSHOTS / f"{name}.png"
        if locator is None:
            self.page.screenshot(path=str(target))
        else:
            locator.screenshot(path=str(target))
        return target
