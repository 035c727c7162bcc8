"""Page-side plumbing shared by ``lab.py`` and ``notebook.py``: JS helpers, error types.

Example::

    page.evaluate(js("return !!rw.panel(arg.path);"), {"path": "x/test.ipynb"})
"""

from __future__ import annotations

import re
import weakref

from playwright.sync_api import Dialog, Page

from tests.e2e.server import REPO_ROOT

ARTIFACTS = REPO_ROOT / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}
VIEWPORT = {"width": 1280, "height": 900}
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}
SAVE_STATE_CMD = "@jupyter-widgets/jupyterlab-manager:saveWidgetState"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")

# Page-side helpers, inlined into every evaluate() so they survive reloads and need no
# init script. `panel(path)` finds the notebook panel in JupyterLab and in Notebook 7.
_HELPERS = """{
  panel(path) {
    const app = window.jupyterapp;
    if (!app || !app.shell) return null;
    const found = [];
    try { for (const w of app.shell.widgets('main')) found.push(w); } catch (e) {}
    if (app.shell.currentWidget) found.push(app.shell.currentWidget);
    return found.find(w => w && w.context && w.context.path === path && w.content
                          && w.sessionContext) || null;
  },
  kernel(path) {
    const p = this.panel(path);
    return (p && p.sessionContext.session && p.sessionContext.session.kernel) || null;
  },
  codeCells(path, indices) {
    const p = this.panel(path);
    return p.content.widgets
      .map((cell, index) => ({cell, index}))
      .filter(c => c.cell.model.type === 'code' && (!indices || indices.includes(c.index)));
  },
}"""


def js(body: str, *, predicate: bool = False) -> str:
    # wait_for_function needs a plain function: an async one returns a Promise, which is
    # truthy at once.
    head = "(arg)" if predicate else "async (arg)"
    return f"{head} => {{ const rw = {_HELPERS}; {body} }}"


class NotebookError(AssertionError):
    """A notebook cell raised (or wrote to stderr) while the harness ran it.

    Example::

        with pytest.raises(NotebookError, match="ZeroDivisionError"):
            nb.run_all()
    """


class KernelError(AssertionError):
    """Code run with ``Notebook.execute`` raised in the kernel; carries the traceback.

    Example::

        with pytest.raises(KernelError, match="NameError"):
            nb.execute("undefined_name")
    """


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


# Console errors per page, collected once per page however many notebooks it opens.
_PAGE_ERRORS: weakref.WeakKeyDictionary[Page, list[str]] = weakref.WeakKeyDictionary()


def _on_dialog(dialog: Dialog) -> None:
    # Leaving a page with unsaved changes asks "leave site?": a reload must go on.
    # Any other browser dialog is dismissed, as Playwright does when nobody listens.
    if dialog.type == "beforeunload":
        dialog.accept()
    else:
        dialog.dismiss()


def page_errors(page: Page) -> list[str]:
    """Console errors and uncaught exceptions of ``page`` so far (listening starts on
    the first call, which the harness makes when it opens a notebook).

    Example::

        assert not [e for e in page_errors(page) if "rater" in e]
    """
    if page not in _PAGE_ERRORS:
        errors: list[str] = []
        _PAGE_ERRORS[page] = errors
        page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
        page.on(
            "console",
            lambda m: errors.append(f"console.error: {m.text}") if m.type == "error" else None,
        )
        page.on("dialog", _on_dialog)
    return _PAGE_ERRORS[page]
