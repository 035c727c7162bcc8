"""The browser-test harness itself, proven with a tiny anywidget defined inline.

Nothing here depends on rater_widgets: a counter widget whose button sends a message
to the kernel, which records it and syncs a count back.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.lab import KernelError, Lab, Notebook, NotebookError

COUNTER_DEF = '''
import anywidget
import traitlets

class Counter(anywidget.AnyWidget):
    _esm = """
    function render({ model, el }) {
      const root = document.createElement("div");
      root.className = "rw-counter";
      const label = document.createElement("span");
      label.className = "rw-counter-label";
      const button = document.createElement("button");
      button.className = "rw-counter-button";
      button.textContent = "click me";
      const update = () => {
        label.textContent = `${model.get("label")}: kernel count ${model.get("count")}`;
      };
      button.addEventListener("click", () => {
        model.send({ type: "click", n: model.get("count") + 1 });
      });
      model.on("change:count", update);
      update();
      root.append(label, button);
      el.appendChild(root);
      return () => model.off("change:count", update);
    }
    export default { render };
    """
    _css = """
    .rw-counter { display: flex; gap: 12px; align-items: center; padding: 12px;
      background: var(--jp-layout-color2); color: var(--jp-ui-font-color1);
      border: 1px solid var(--jp-border-color1); font-family: var(--jp-ui-font-family); }
    .rw-counter-button { background: var(--jp-brand-color1); color: white;
      border: none; padding: 4px 12px; border-radius: 3px; }
    """
    count = traitlets.Int(0).tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)

received = []

def on_msg(widget, content, buffers):
    received.append(content)
    widget.count = content["n"]
'''

# Built at run time so the marker is in the widget state but not in the cell source.
COUNTER_SHOW = 'w = Counter(label="-".join(["state", "marker", "42"]))\nw.on_msg(on_msg)\nw'
MARKER = "state-marker-42"


def open_counter(lab: Lab, page: Page) -> Notebook:
    nb = lab.open_notebook(page, lab.write_notebook([COUNTER_DEF, COUNTER_SHOW]))
    nb.run_all()
    return nb


def click_and_wait(nb: Notebook, expected_count: int) -> None:
    view = nb.output(1)
    view.locator(".rw-counter-button").click()
    expect(view.locator(".rw-counter-label")).to_have_text(
        f"{MARKER}: kernel count {expected_count}"
    )


@pytest.mark.e2e
def test_click_reaches_kernel_light_and_dark(lab: Lab, page: Page) -> None:
    nb = open_counter(lab, page)
    view = nb.output(1)
    expect(view.locator(".rw-counter-label")).to_have_text(f"{MARKER}: kernel count 0")
    click_and_wait(nb, 1)
    click_and_wait(nb, 2)
    assert nb.eval_json("received") == [{"type": "click", "n": 1}, {"type": "click", "n": 2}]
    assert nb.execute("print(w.count)") == "2\n"

    # Keys reach a focused widget; keys that would land in JupyterLab are refused.
    nb.press(view.locator(".rw-counter-button"), "Enter")
    nb.wait_eval("w.count", 3)
    with pytest.raises(AssertionError, match="focus is not inside the widget"):
        nb.press(view.locator(".rw-counter-label"), "1")
    assert nb.eval_json("len(received)") == 3

    widget = view.locator(".rw-counter")
    backgrounds = {}
    for theme in ("light", "dark"):
        lab.set_theme(page, theme)
        assert page.evaluate("document.body.dataset.jpThemeLight") == str(theme == "light").lower()
        backgrounds[theme] = widget.evaluate("e => getComputedStyle(e).backgroundColor")
        nb.screenshot(f"harness-counter-{theme}", widget)
        nb.screenshot(f"harness-notebook-{theme}")
    assert backgrounds["light"] != backgrounds["dark"], backgrounds
    assert nb.console_errors == []


@pytest.mark.e2e
def test_restart_kernel_from_page_resets_execution_count(lab: Lab, page: Page) -> None:
    nb = open_counter(lab, page)
    nb.run_all()
    assert nb.execution_counts() == [3, 4]
    nb.restart_kernel()
    with pytest.raises(KernelError, match="NameError: name 'received' is not defined"):
        nb.execute("received")
    nb.run_all()
    assert nb.execution_counts() == [1, 2]
    click_and_wait(nb, 1)
    assert nb.eval_json("received") == [{"type": "click", "n": 1}]


@pytest.mark.e2e
def test_reload_rerenders_widget_from_live_kernel(lab: Lab, page: Page) -> None:
    nb = open_counter(lab, page)
    click_and_wait(nb, 1)
    nb.reload()
    # The saved file holds no widget state (saveState is off), so this count can only
    # come from the kernel that survived the reload.
    assert "application/vnd.jupyter.widget-state+json" not in nb.file.read_text()
    expect(nb.output(1).locator(".rw-counter-label")).to_have_text(f"{MARKER}: kernel count 1")
    click_and_wait(nb, 2)
    assert nb.eval_json("[m['n'] for m in received]") == [1, 2]


@pytest.mark.e2e
def test_cell_errors_fail_with_the_traceback(lab: Lab, page: Page) -> None:
    cells: list[str | tuple[str, str]] = [
        "x = 1",
        ("markdown", "# cell 1 is markdown"),
        "def f():\n    1 / 0\nf()",
        "y = 2",
    ]
    nb = lab.open_notebook(page, lab.write_notebook(cells))
    with pytest.raises(NotebookError, match="cell 2 raised ZeroDivisionError") as info:
        nb.run_all()
    traceback = str(info.value).split("--- traceback ---")[1]
    assert "in f()\n      1 def f():\n----> 2     1 / 0" in traceback  # the failing line
    assert traceback.rstrip().endswith("ZeroDivisionError: division by zero")
    assert "\x1b[" not in traceback  # ANSI colours stripped: readable in pytest's output
    assert nb.eval_json("x") == 1
    with pytest.raises(KernelError, match="NameError: name 'y' is not defined"):
        nb.execute("y")  # run-all stopped at the error

    nb2 = lab.open_notebook(
        page,
        lab.write_notebook(
            ["import sys; sys.stderr.write('boom\\n')", "import time; time.sleep(60)"]
        ),
    )
    with pytest.raises(NotebookError, match="wrote to stderr:\nboom"):
        nb2.run_cells([0])
    nb2.run_cells([0], allow_stderr=True)
    # A cell that never finishes fails with the cell still pending, not a bare timeout.
    with pytest.raises(NotebookError, match=r"did not finish within 1.5 s(.|\n)*prompt '\[\*\]:'"):
        nb2.run_cells([1], timeout=1.5)


@pytest.mark.e2e
def test_save_with_widget_state_holds_the_state(lab: Lab, page: Page) -> None:
    nb = open_counter(lab, page)
    click_and_wait(nb, 1)
    # Off (the default) first: JupyterLab never strips state an earlier save wrote.
    without = nb.save(with_widget_state=False)
    assert MARKER not in without
    assert "application/vnd.jupyter.widget-state+json" not in without

    text = nb.save(with_widget_state=True)
    state = json.loads(text)["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]
    counters = [m["state"] for m in state["state"].values() if m["state"].get("label")]
    assert counters == [{**counters[0], "label": MARKER, "count": 1}]


@pytest.mark.e2e
def test_notebook7_opens_and_runs(lab: Lab, page: Page) -> None:
    nb = lab.open_notebook7(page, lab.write_notebook([COUNTER_DEF, COUNTER_SHOW]))
    assert "/notebooks/" in page.url
    assert page.evaluate("window.jupyterapp.name") == "Jupyter Notebook"
    nb.run_all()
    assert nb.execution_counts() == [1, 2]
    click_and_wait(nb, 1)
    assert nb.eval_json("received") == [{"type": "click", "n": 1}]
    nb.screenshot("harness-notebook7")
    nb.set_theme("dark")
    nb.screenshot("harness-notebook7-dark")
