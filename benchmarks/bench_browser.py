"""Browser benchmarks: rater_widgets and its peers in one real JupyterLab + Chromium.

Every latency is measured in the page (``_probe.py``): from the trusted input event's
``timeStamp`` to the first frame after the DOM shows the result. Peers are measured
interleaved, one action each per round, so load on the machine hits them alike.

Run it through ``benchmarks/run.py``; on its own::

    python benchmarks/bench_browser.py --rounds 20 --sections latency
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Locator, Page, WebSocket, expect

from benchmarks import _cells as cells
from benchmarks._data import marker
from benchmarks._probe import arm, install, result
from benchmarks._report import Row, load, mean_load
from tests.e2e._page import js
from tests.e2e.lab import ARTIFACTS, Lab, Notebook, start_lab

NODELAY_ARGS = ['--ServerApp.jpserver_extensions={"rater_widgets.nodelay": True}']
#: a kernel round trip this slow waited for a delayed ACK (the kernel answers in ~5 ms)
STALL_MS = 35.0
LATENCY_TARGETS = {"next": "p50 <= 16, p95 <= 33", "saved": "p50 <= echo p50 + 10"}


@contextlib.contextmanager
def lab_server(nodelay: bool) -> Iterator[Lab]:
    """One JupyterLab (+ Chromium) for a whole set of measures; ``nodelay`` loads the
    rater_widgets.nodelay server extension."""
    with tempfile.TemporaryDirectory(prefix="rw-bench-lab-") as tmp:
        log = ARTIFACTS / f"bench-jupyter{'-nodelay' if nodelay else ''}.log"
        with start_lab(Path(tmp), log_path=log, extra_args=NODELAY_ARGS if nodelay else ()) as lab:
            if nodelay:
                text = log.read_text(errors="replace")
                if "rater_widgets.nodelay: kernel websockets send without delay" not in text:
                    raise RuntimeError(f"the nodelay extension did not load; see {log}")
            yield lab


def open_nb(lab: Lab, cell_sources: list[str], name: str) -> tuple[Page, Notebook]:
    page = lab.new_context().new_page()
    nb = lab.open_notebook(page, lab.write_notebook(cell_sources, name=name), timeout=120)
    nb.run_all(timeout=300)
    install(page)
    return page, nb


def output(nb: Notebook, cell: int) -> Locator:
    """The cell's own output area (``nb.output`` also matches the output areas nested in
    ipywidgets ``Output`` widgets, which pigeonXT and ipyannotations use)."""
    return nb.cell(cell).locator(".jp-Cell-outputArea")


# ----------------------------------------------------------------------------- latency


@dataclasses.dataclass
class Subject:
    """One widget under test in the latency notebook and how to advance it by one item."""

    name: str
    cell: int
    action: str  # what the rater does: "key Enter", "click"
    step: Callable[[Subject, Notebook], dict[str, Any]]
    pos: int = 0
    next_ms: list[float] = dataclasses.field(default_factory=list)
    saved_ms: list[float] = dataclasses.field(default_factory=list)
    long_tasks: list[float] = dataclasses.field(default_factory=list)
    rtt_ms: list[float] = dataclasses.field(default_factory=list)
    failures: int = 0

    def root(self, nb: Notebook) -> Locator:
        return output(nb, self.cell)


def _ours_step(s: Subject, nb: Notebook) -> dict[str, Any]:
    root = s.root(nb)
    nb.page.keyboard.press("1")  # pick "safe"; the clock starts at Enter
    conds: dict[str, dict[str, Any]] = {
        "next": {"sel": ".rw-item-content", "text": marker(s.pos + 1)},
        "saved": {"sel": ".rw-saved", "cls": "rw-saved-saved", "attr": {"title": f"item {s.pos}"}},
    }
    probe = arm(root, conds, event="keydown")
    nb.page.keyboard.press("Enter")
    return result(nb.page, probe)


def _echo_key_step(s: Subject, nb: Notebook) -> dict[str, Any]:
    root = s.root(nb)
    probe = arm(root, {"next": {"sel": ".echo-item", "text": marker(s.pos + 1)}},
                event="keydown")  # fmt: skip
    nb.page.keyboard.press("Enter")
    res = result(nb.page, probe)
    # the echo stamps model.send and the reply's arrival: the round trip as the page sees it
    sent, received = root.locator(".echo-root").evaluate("el => [el.__sent, el.__received]")
    res["rtt"] = received - sent if received and sent and received > sent else None
    return res


def _click_step(button: str) -> Callable[[Subject, Notebook], dict[str, Any]]:
    def step(s: Subject, nb: Notebook) -> dict[str, Any]:
        root = s.root(nb)
        probe = arm(root, {"next": {"text": marker(s.pos + 1)}}, event="click")
        root.locator("button", has_text=button).first.click()
        return result(nb.page, probe)

    return step


def _focus(s: Subject, nb: Notebook) -> None:
    root = s.root(nb)
    root.scroll_into_view_if_needed()
    if s.name.startswith("rater_widgets"):
        root.locator(".rw-item-content").click()
    elif s.name.startswith("anywidget echo"):
        root.locator(".echo-item").click()


def latency(lab: Lab, rounds: int, rows_n: int, label: str) -> tuple[list[Row], dict[str, Any]]:
    """Keypress/click -> next item visible, and keypress -> saved, for every subject."""
    sources = [
        cells.SETUP.format(n=rows_n),
        cells.OURS_CELL.format(frame="df"),
        cells.ECHO_CELL,
        cells.PIGEON_CELL,
        cells.IPYANNOTATIONS_CELL,
    ]
    page, nb = open_nb(lab, sources, f"latency-{label}")
    subjects = [
        Subject("rater_widgets ItemRater", 1, "key Enter", _ours_step),
        Subject("anywidget echo (floor)", 2, "key Enter", _echo_key_step),
        Subject("pigeonXT", 3, "click", _click_step("safe")),
        Subject("ipyannotations", 4, "click", _click_step("safe")),
    ]
    expect(subjects[0].root(nb).locator(".rw-item-content")).to_contain_text(marker(0))
    expect(subjects[1].root(nb).locator(".echo-item")).to_contain_text(marker(0))
    expect(subjects[2].root(nb)).to_contain_text(marker(0))
    expect(subjects[3].root(nb)).to_contain_text(marker(0))
    load_start = load()
    warmup = 3
    for r in range(rounds + warmup):
        for s in subjects:
            _focus(s, nb)
            res = s.step(s, nb)
            s.pos += 1
            marks = res["marks"]
            if r < warmup:
                continue
            if not res["started"] or "next" not in marks or marks["next"] is None:
                s.failures += 1
                continue
            s.next_ms.append(marks["next"]["visible"])
            if marks.get("saved"):
                s.saved_ms.append(marks["saved"]["visible"])
            s.long_tasks.append(res["longTask"])
            if res.get("rtt") is not None:
                s.rtt_ms.append(res["rtt"])
            page.wait_for_timeout(40)  # let the look-ahead settle, as a reading rater would
    avg_load = mean_load(load_start)
    server = "stock server" if label == "stock" else "nodelay server"
    out: list[Row] = []
    for s in subjects:
        note = f"{s.action}; {server}" + (f"; {s.failures} timed out" if s.failures else "")
        out.append(Row("1 next item", f"{s.action} -> next item visible ({server})", s.name,
                       s.next_ms, "ms", LATENCY_TARGETS["next"] if s.cell == 1 else "",
                       note, avg_load, kind="latency"))  # fmt: skip
    ours, echo = subjects[0], subjects[1]
    out.append(Row("2 saved", f"key Enter -> 'saved' shown ({server})", ours.name, ours.saved_ms,
                   "ms", LATENCY_TARGETS["saved"], f"committed in SQLite; {server}", avg_load,
                   kind="latency"))  # fmt: skip
    out.append(Row("2 saved", f"key Enter -> kernel reply shown ({server})", echo.name,
                   echo.next_ms, "ms", "", f"round trip, nothing stored; {server}", avg_load,
                   kind="latency"))  # fmt: skip
    stalls = sum(1 for x in echo.rtt_ms if x >= STALL_MS)
    out.append(Row("8 server delay", f"echo: model.send -> kernel reply in the page ({server})",
                   echo.name, echo.rtt_ms, "ms", "",
                   f"{stalls} of {len(echo.rtt_ms)} round trips >= {STALL_MS:.0f} ms "
                   "(Nagle + delayed ACK)", avg_load, kind="latency"))  # fmt: skip
    errors = [e for e in nb.console_errors if "rater" in e.lower() or "echo" in e.lower()]
    page.context.close()
    lab.server.shutdown_all_sessions()
    raw = {s.name: {"next": s.next_ms, "saved": s.saved_ms, "long_tasks": s.long_tasks,
                    "rtt": s.rtt_ms, "failures": s.failures} for s in subjects}  # fmt: skip
    raw["console_errors"] = errors  # type: ignore[assignment]
    return out, raw


# ------------------------------------------------------------------- cell run -> screen

_RUN_CELL = """
const p = rw.panel(arg.path);
const cell = p.content.widgets[arg.i];
cell.outputArea.model.clear();
await new Promise((r) => setTimeout(r, 100));  // the cleared output has rendered
const id = window.__rwBench.arm(cell.outputArea.node, arg.conds,
                                {start: "now", timeout: arg.ms});
p.content.deselectAll();
p.content.activeCellIndex = arg.i;
window.jupyterapp.commands.execute("notebook:run-cell");
return id;
"""


def run_cell_timed(
    nb: Notebook, cell: int, conds: dict[str, dict[str, Any]], timeout_ms: int = 60_000
) -> dict[str, Any]:
    """Run one cell from the page and time it until ``conds`` hold in its output."""
    probe = nb.page.evaluate(
        js(_RUN_CELL),
        {"path": nb.path, "i": cell, "conds": conds, "ms": timeout_ms},
    )
    res = result(nb.page, probe)
    nb.wait_ready(120)  # the kernel is idle again before anything else runs
    return res


def _visible(res: dict[str, Any], name: str = "shown") -> float | None:
    mark = res["marks"].get(name)
    return None if not mark else float(mark["visible"])


def construction(lab: Lab, repeats: int, rows_n: int) -> tuple[list[Row], dict[str, Any]]:
    """Cell run -> first item on screen over ``rows_n`` rows: ours (Polars, pandas) vs
    pigeonXT (pandas); kernel-side seconds come from the cell's own clock.

    Each repeat opens the notebook in a new page (the same kernel): the first rater shown
    in a page imports the frontend (reported on its own row); every later one, and a
    rerun of the cell, finds it loaded. The echo runs first in each page, uncounted, so
    anywidget's own code is loaded before anything is timed, then the page rests 1 s."""
    sources = [cells.SETUP.format(n=rows_n), cells.OURS_CELL.format(frame="df"),
               cells.OURS_CELL.format(frame="pdf"), cells.PIGEON_CELL,
               cells.ECHO_CELL]  # fmt: skip
    path = lab.write_notebook(sources, name="construct")
    ours = {"shown": {"sel": ".rw-item-content", "text": marker(0)}}
    subjects = {
        "rater_widgets ItemRater (Polars)": (1, ours),
        "rater_widgets ItemRater (pandas)": (2, ours),
        "pigeonXT (pandas)": (3, {"shown": {"text": marker(0)}}),
        "anywidget echo (floor)": (4, {"shown": {"sel": ".echo-item", "text": marker(0)}}),
    }
    echo = subjects["anywidget echo (floor)"]
    screen: dict[str, list[float]] = {k: [] for k in subjects}
    fresh: list[float] = []
    load_start = load()
    for rep in range(repeats):
        page = lab.new_context().new_page()
        nb = lab.open_notebook(page, path, timeout=120)
        if rep == 0:
            nb.run_cells([0], timeout=300)
        install(page)
        run_cell_timed(nb, echo[0], echo[1])  # anywidget's code, loaded once per page
        # JupyterLab goes on loading chunks of its own for a while after a notebook opens
        # (a person takes longer than this to press Shift+Enter)
        page.wait_for_timeout(1000)
        first = _visible(run_cell_timed(nb, 1, ours))
        if first is not None:
            fresh.append(first)
        for name, (cell, conds) in subjects.items():
            res = run_cell_timed(nb, cell, conds)
            ms = _visible(res)
            if ms is not None:
                screen[name].append(ms)
        if rep < repeats - 1:
            page.context.close()
    kernel = nb.eval_json("{k: v for k, v in timings.items()}")
    avg_load = mean_load(load_start)
    rows_label = f"{rows_n:,} rows"
    keys = {
        "rater_widgets ItemRater (Polars)": "ours_df",
        "rater_widgets ItemRater (pandas)": "ours_pdf",
        "pigeonXT (pandas)": "pigeonxt",
        "anywidget echo (floor)": "",
    }
    out = []
    for name in subjects:
        out.append(
            Row(
                "3 construct",
                f"cell run -> first item on screen, {rows_label}",
                name,
                screen[name],
                "ms",
                "<= 300 ms" if "rater" in name else "",
                "browser clock"
                + ("; a 1 KB widget module: JupyterLab's floor" if "echo" in name else ""),
                avg_load,
            )
        )
        if "Polars" in name:
            out.append(
                Row(
                    "3 construct",
                    f"cell run -> first item on screen, {rows_label}, first rater in a new page",
                    name,
                    fresh,
                    "ms",
                    "<= 300 ms",
                    "browser clock; includes importing the frontend (510 KB)",
                    avg_load,
                )
            )
        if not keys[name]:
            continue
        secs = [1000 * t for t in kernel.get(keys[name], [])[1:]]
        out.append(
            Row(
                "3 construct",
                f"constructor in the kernel, {rows_label}",
                name,
                secs,
                "ms",
                "<= 2x pigeonXT" if "rater" in name else "",
                "in the notebook kernel (timed in the cell)",
                avg_load,
            )
        )
    page.context.close()
    lab.server.shutdown_all_sessions()
    return out, {"screen_ms": screen, "fresh_page_ms": fresh, "kernel": kernel}


# ------------------------------------------------------------------- bytes on the wire


def record_frames(page: Page) -> list[tuple[str, int, bytes]]:
    """Every websocket frame of ``page`` from now on: (``"in"``/``"out"``, size, payload)."""
    frames: list[tuple[str, int, bytes]] = []

    def keep(way: str, payload: str | bytes) -> None:
        data = payload.encode() if isinstance(payload, str) else payload
        frames.append((way, len(data), data))

    def on_ws(ws: WebSocket) -> None:
        ws.on("framereceived", lambda payload: keep("in", payload))
        ws.on("framesent", lambda payload: keep("out", payload))

    page.on("websocket", on_ws)
    return frames


def wire(lab: Lab, items: int, sizes: tuple[int, ...]) -> tuple[list[Row], dict[str, Any]]:
    """Bytes the kernel sends to the page per item (kernel websocket frames that belong to
    the widget's comm), and the notebook file saved with widget state, per frame size."""
    out: list[Row] = []
    raw: dict[str, Any] = {}
    for n in sizes:
        page = lab.new_context().new_page()
        frames = record_frames(page)
        sources = [cells.SETUP.format(n=n), cells.OURS_CELL.format(frame="df")]
        nb = lab.open_notebook(page, lab.write_notebook(sources, name=f"wire-{n}"), timeout=120)
        start = len(frames)
        nb.run_all(timeout=300)
        root = output(nb, 1)
        expect(root.locator(".rw-item-content")).to_contain_text(marker(0), timeout=60_000)
        page.wait_for_timeout(500)
        model_id = nb.eval_json("w.model_id").encode()
        first = [f for f in frames[start:] if model_id in f[2]]
        first_in = sum(size for way, size, _ in first if way == "in")
        root.locator(".rw-item-content").click()
        begin = len(frames)
        for i in range(items):
            nb.page.keyboard.press("1")
            nb.page.keyboard.press("Enter")
            expect(root.locator(".rw-saved")).to_have_attribute("title", f"item {i}")
            expect(root.locator(".rw-saved")).to_have_class("rw-saved rw-saved-saved")
        page.wait_for_timeout(500)
        window = frames[begin:]
        widget_in = sum(size for way, size, data in window if way == "in" and model_id in data)
        widget_out = sum(size for way, size, data in window if way == "out" and model_id in data)
        all_in = sum(size for way, size, _ in window if way == "in")
        text = nb.save(with_widget_state=True)
        size = len(text.encode())
        leaked = text.count("ITEM-")
        page.context.close()
        lab.server.shutdown_all_sessions()
        label = f"{n:,} rows"
        out += [
            Row("4 wire", f"kernel -> page bytes per item (widget comm), {label}",
                "rater_widgets ItemRater", [widget_in / items], "B", "same for 1k and 1M",
                f"mean of {items} submits; all kernel frames incl. status: "
                f"{all_in / items:,.0f} B/item; page -> kernel {widget_out / items:,.0f} B/item"),
            Row("4 wire", f"kernel -> page bytes until the first item shows, {label}",
                "rater_widgets ItemRater", [first_in], "B", "same for 1k and 1M",
                "widget state + look-ahead items"),
            Row("4 wire", f"notebook file saved with widget state, {label}",
                "rater_widgets ItemRater", [size], "B", "same for 1k and 1M",
                f"item text in the file: {leaked} occurrence(s)"),
        ]  # fmt: skip
        raw[str(n)] = {"per_item_in": widget_in / items, "first_in": first_in,
                       "file_bytes": size, "item_text_in_file": leaked}  # fmt: skip
    return out, raw


# ------------------------------------------------------------------------ long content


def long_content(
    lab: Lab, repeats: int, chars: int, steps: int
) -> tuple[list[Row], dict[str, Any]]:
    """A ``chars``-character markdown item and a ``steps``-step trace: cell run -> first
    (long) item on screen, beside a short first item; and a key press -> the long item
    when it is the next one (rendered from the look-ahead)."""
    sources = [cells.LONG_SETUP.format(chars=chars, steps=steps),
               cells.item_rater("short", "ws"), cells.item_rater("long_items", "wl"),
               cells.trace_rater("wt")]  # fmt: skip
    page = lab.new_context().new_page()
    nb = lab.open_notebook(page, lab.write_notebook(sources, name="long"), timeout=120)
    nb.run_cells([0], timeout=300)
    install(page)
    tail = "LONG-END"  # the long item's last words: on screen once all of it is rendered
    step0 = {"sel": '.rw-step[data-step="0"] .rw-step-body', "text": "STEP-0 "}
    subjects = {
        "short item (baseline)": (
            1, {"shown": {"sel": ".rw-item-content", "text": marker(0)}}, None),
        f"ItemRater, {chars:,}-char markdown": (
            2, {"shown": {"sel": ".rw-item-content", "text": tail}},
            {"sel": ".rw-item-content", "text": tail}),
        f"TraceRater, {steps}-step trace": (
            3, {"shown": {"sel": f'.rw-steps[aria-label="Steps ({steps})"]'}, "step0": step0},
            {"sel": f'.rw-steps[aria-label="Steps ({steps})"]'}),
    }  # fmt: skip
    first: dict[str, list[float]] = {k: [] for k in subjects}
    tasks: dict[str, list[float]] = {k: [] for k in subjects}
    keyed: dict[str, list[float]] = {k: [] for k in subjects}
    load_start = load()
    for r in range(repeats + 1):
        for name, (cell, conds, later) in subjects.items():
            res = run_cell_timed(nb, cell, conds)
            times = [m["visible"] for m in res["marks"].values() if m]
            if r == 0:
                continue
            if len(times) == len(conds):
                first[name].append(max(times))
            tasks[name].append(res["longTask"])
            if later is None:
                continue
            # skip twice with "s", read item 3 for a while (its look-ahead renders), then
            # time the "s" that brings the long item 4
            root = output(nb, cell)
            root.locator(".rw-root").click(position={"x": 5, "y": 5})
            for _ in range(2):
                nb.page.keyboard.press("s")
            nb.page.wait_for_timeout(600)
            probe = arm(root, {"shown": later}, event="keydown")
            nb.page.keyboard.press("s")
            res = result(nb.page, probe)
            if res["marks"].get("shown"):
                keyed[name].append(res["marks"]["shown"]["visible"])
    avg_load = mean_load(load_start)
    out = []
    for name in subjects:
        out.append(Row("6 long content", "cell run -> first item on screen", name, first[name],
                       "ms", "" if "baseline" in name else "<= 300 ms over the baseline",
                       "includes kernel + transfer", avg_load))  # fmt: skip
        if "baseline" not in name:
            out.append(Row("6 long content", "longest main-thread task while it renders", name,
                           tasks[name], "ms", "<= 300 ms", "PerformanceObserver longtask "
                           "(0 = no task over 50 ms)", avg_load))  # fmt: skip
            out.append(Row("6 long content", "key -> it is the next item, on screen", name,
                           keyed[name], "ms", "<= 300 ms", "rendered from the look-ahead",
                           avg_load, kind="latency"))  # fmt: skip
    errors = [e for e in nb.console_errors if "rater" in e.lower()]
    page.context.close()
    lab.server.shutdown_all_sessions()
    return out, {"first": first, "tasks": tasks, "keyed": keyed, "console_errors": errors}


SECTIONS: dict[str, Callable[..., tuple[list[Row], dict[str, Any]]]] = {
    "latency": latency, "construction": construction, "wire": wire, "long": long_content,
}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", default="latency,construction,wire,long")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--nodelay", action="store_true")
    args = parser.parse_args()
    from benchmarks._report import render_table

    label = "nodelay" if args.nodelay else "stock"
    rows: list[Row] = []
    raw: dict[str, Any] = {}
    with lab_server(args.nodelay) as lab:
        for name in args.sections.split(","):
            if name == "latency":
                got = latency(lab, args.rounds, args.rows, label)
            elif name == "construction":
                got = construction(lab, args.repeats, args.big)
            elif name == "wire":
                got = wire(lab, 10, (args.rows, args.big))
            else:
                got = long_content(lab, args.repeats, 100_000, 500)
            rows += got[0]
            raw[name] = got[1]
            print(render_table(got[0]), flush=True)
    print(json.dumps(raw)[:3000])


if __name__ == "__main__":
    main()
