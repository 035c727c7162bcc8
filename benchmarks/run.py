"""Every rater_widgets benchmark, with one command; prints one table.

    python benchmarks/run.py                 # the full run (~10-15 min on 2 cores)
    python benchmarks/run.py --quick         # a short smoke run (~4 min): fewer rounds, 100k rows
    python benchmarks/run.py --only browser  # or: bundle, kernel, store, browser, nodelay
    python benchmarks/run.py --write-doc     # also put the table into docs/BENCHMARKS.md

Sections (numbers as in docs/BENCHMARKS.md):
1-2. key/click -> next item visible, key -> "saved": ItemRater, a bare anywidget echo,
     pigeonXT and ipyannotations, interleaved in ONE notebook on ONE JupyterLab server
     (bench_browser.latency); 8. the same again on a server with rater_widgets.nodelay.
3.   construction over 1M rows: cell run -> first item on screen (browser), constructor
     time and memory in clean subprocesses (bench_kernel).
4.   bytes per item on the kernel websocket, and the saved notebook, for 1k vs 1M rows.
5.   ``w.annotations`` after 100k labels (bench_kernel); store throughput (bench_store.py).
6.   a 100k-character markdown item and a 500-step trace in the browser.
7.   JS/CSS bundle size (bench_bundle).

Raw samples go to ``test-artifacts/benchmarks/results.json``. The machine's load average
is recorded next to every browser row: on a busy machine, latencies are not comparable.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import bench_browser, bench_bundle, bench_kernel
from benchmarks._report import REPO, Row, load, machine, render_header, render_table

ARTIFACTS = REPO / "test-artifacts" / "benchmarks"
DOC = REPO / "docs" / "BENCHMARKS.md"
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
SECTIONS = ("bundle", "kernel", "store", "browser", "nodelay")


#: pigeonXT-jupyter 0.7.3 declares jupyterlab<4, pandas<2 and numpy<2 (its code runs fine on
#: JupyterLab 4.6, pandas 3 and numpy 2): a plain pip install downgrades the environment.
PEERS_INSTALL = (
    "pip install 'ipyannotations==0.5.1' && pip install --no-deps 'pigeonXT-jupyter==0.7.3'"
)


def missing_peers() -> list[str]:
    """The peer packages the comparison needs that are not importable here."""
    import importlib.util

    return [m for m in ("pigeonXT", "ipyannotations") if importlib.util.find_spec(m) is None]


def kernel_rows(rows_n: int, labels: int, repeats: int) -> tuple[list[Row], dict[str, Any]]:
    """Construction time and memory (subprocesses), ``w.annotations`` after many labels."""
    ld = load()
    runs = bench_kernel.construct(rows_n, repeats)
    names = {"ours-polars": "rater_widgets ItemRater (Polars)",
             "ours-pandas": "rater_widgets ItemRater (pandas)",
             "pigeonxt-pandas": "pigeonXT (pandas)"}  # fmt: skip
    pig = statistics.median(r["seconds"] for r in runs["pigeonxt-pandas"])
    polars_s = statistics.median(r["seconds"] for r in runs["ours-polars"])
    label = f"{rows_n:,} rows"
    out: list[Row] = []
    for key, samples in runs.items():
        secs = [1000 * r["seconds"] for r in samples]
        med = statistics.median(secs) / 1000
        ratio = f"{med / pig:.1f}x pigeonXT" if key != "pigeonxt-pandas" else ""
        if key == "ours-pandas":
            ratio += f", {med / polars_s:.1f}x Polars"
        target = {"ours-polars": "<= 2x pigeonXT",
                  "ours-pandas": "<= 2x Polars"}.get(key, "")  # fmt: skip
        out += [
            Row("3 construct", f"constructor, {label} (subprocess)", names[key], secs, "ms",
                target, ratio, ld),
            Row("3 construct", f"memory retained after construction, {label}", names[key],
                [r["retained_mb"] for r in samples], "MB", "<= 200 MB" if "ours" in key else "",
                "RSS after - before, settled", ld),
            Row("3 construct", f"peak extra memory while constructing, {label}", names[key],
                [r["peak_mb"] for r in samples], "MB", "", "RSS sampled every 1 ms", ld),
        ]  # fmt: skip
    ann = bench_kernel.annotations_runs(labels, repeats)
    ld = load()
    n = f"{labels // 1000}k labels"
    out += [
        Row("5 annotations", f"w.annotations after {n}: first call", "rater_widgets ItemRater",
            [r["cold_ms"] for r in ann], "ms", "<= 100 ms",
            "fresh widget over the store (store.append_many)", ld),
        Row("5 annotations", f"w.annotations after {n}: unchanged", "rater_widgets ItemRater",
            [r["warm_ms"] for r in ann], "ms", "", "cached", ld),
        Row("5 annotations", f"w.annotations after {n}: after 1 more submit",
            "rater_widgets ItemRater", [r["after_submit_ms"] for r in ann], "ms", "<= 100 ms",
            "", ld),
    ]  # fmt: skip
    return out, {"construct": runs, "annotations": ann}


_STORE_LINE = re.compile(r"^(\w+)\s+(.+?)\s{2,}([\d.]+)(?:\s+\[(.*)\])?$")


def store_rows(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    """Run benchmarks/bench_store.py (written by the store's engineer) and keep its lines."""
    script = REPO / "benchmarks" / "bench_store.py"
    if not script.is_file():
        return [Row("5 store", "throughput", "store", [], "", ">= 1,000 answers/s",
                    "TODO: not measured: benchmarks/bench_store.py (store engineer) is missing")
                ], {}  # fmt: skip
    args = ["--rows", "60", "--repeats", "1", "--latest-rows", "20000", "--backends", "sqlite"]
    cmd = [sys.executable, str(script), *(args if quick else [])]
    ld = load()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    if proc.returncode != 0:
        return [Row("5 store", "throughput", "store", [], "", "",
                    f"bench_store.py failed: {proc.stderr.strip()[-300:]}")], {}  # fmt: skip
    rows = []
    for line in proc.stdout.splitlines()[1:]:
        m = _STORE_LINE.match(line.strip())
        if not m:
            continue
        backend, what, median, runs = m.groups()
        samples = [float(x) for x in runs.split(", ")] if runs else [float(median)]
        unit = "answers/s" if "answers/s" in what else "ms"
        what = what.replace("committed answers/s, ", "committed answers/s: ").replace(" ms,", ",")
        target = ">= 1,000 answers/s" if unit == "answers/s" else ""
        rows.append(Row("5 store", what, f"store ({backend})", samples, unit, target,
                        "benchmarks/bench_store.py", ld))  # fmt: skip
    return rows, {"command": shlex.join(cmd[1:]), "stdout": proc.stdout}


def browser_rows(args: argparse.Namespace, nodelay: bool) -> tuple[list[Row], dict[str, Any]]:
    """The browser sections on one server (stock), or latency only (nodelay server)."""
    rows: list[Row] = []
    raw: dict[str, Any] = {}
    with bench_browser.lab_server(nodelay=nodelay) as lab:
        if nodelay:
            got = bench_browser.latency(lab, args.rounds, 1000, "nodelay")
            return got[0], {"latency": got[1]}
        steps: list[tuple[str, Any]] = [
            ("latency", lambda: bench_browser.latency(lab, args.rounds, 1000, "stock")),
            ("construction", lambda: bench_browser.construction(lab, args.repeats, args.big)),
            ("wire", lambda: bench_browser.wire(lab, 10, (1000, args.big))),
            ("long", lambda: bench_browser.long_content(lab, args.repeats, 100_000, 500)),
        ]
        for name, fn in steps:
            got = fn()
            rows += got[0]
            raw[name] = got[1]
            print(render_table(got[0]), "\n", flush=True)
    return rows, raw


def compare(rows: list[Row]) -> list[Row]:
    """Derived rows: ours minus the echo floor, on each server (target: within 10 ms)."""
    out = []
    for server in ("stock server", "nodelay server"):
        ours = next((r for r in rows if r.what == f"key Enter -> 'saved' shown ({server})"), None)
        echo = next((r for r in rows if r.what == f"key Enter -> kernel reply shown ({server})"),
                    None)  # fmt: skip
        if ours and echo and ours.samples and echo.samples:
            d = statistics.median(ours.samples) - statistics.median(echo.samples)
            out.append(
                Row(
                    "2 saved",
                    f"'saved' p50 minus echo p50 ({server})",
                    "rater_widgets ItemRater",
                    [d],
                    "ms",
                    "<= 10 ms",
                    "",
                    ours.load,
                )
            )
    return out  # fmt: skip


def write_doc(table: str, header: str) -> None:
    """Replace the results block of docs/BENCHMARKS.md (between the markers)."""
    text = DOC.read_text() if DOC.is_file() else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text:
        text += f"\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(f"{head}{BEGIN}\n{header}\n\n{table}\n{END}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short smoke run")
    parser.add_argument("--only", default=",".join(SECTIONS), help=", ".join(SECTIONS))
    parser.add_argument("--write-doc", action="store_true", help="update docs/BENCHMARKS.md")
    parser.add_argument(
        "--nice", type=int, default=0,
        help="run at this niceness (e.g. -10, as root) so other work on a shared machine "
        "disturbs the numbers less; the server, kernels and Chromium inherit it",
    )  # fmt: skip
    args = parser.parse_args()
    if args.nice:
        os.nice(args.nice)
    args.rounds = 8 if args.quick else 40
    args.repeats = 1 if args.quick else 3
    args.big = 100_000 if args.quick else 1_000_000
    labels = 20_000 if args.quick else 100_000
    only = set(args.only.split(","))
    unknown = only - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) {sorted(unknown)}; choose from {', '.join(SECTIONS)}")

    missing = missing_peers()
    if missing and only & {"kernel", "browser", "nodelay"}:
        sys.exit(f"the peers {', '.join(missing)} are not installed; install them with\n"
                 f"    {PEERS_INSTALL}\n(--no-deps: pigeonXT's metadata would downgrade "
                 "JupyterLab to 3.x, pandas to 1.x and numpy to 1.x)")  # fmt: skip
    started = time.monotonic()
    info = machine()
    info["niceness"] = os.nice(0)
    command = "python benchmarks/run.py " + " ".join(sys.argv[1:])
    print(render_header(info, command.strip()), "\n", flush=True)
    rows: list[Row] = []
    raw: dict[str, Any] = {"machine": info, "command": command}
    if "bundle" in only:
        got_rows = bench_bundle.sizes()
        got_rows[0].note = "largest parts: " + bench_bundle.packages()
        rows += got_rows
    if "kernel" in only:
        got = kernel_rows(args.big, labels, args.repeats)
        rows += got[0]
        raw["kernel"] = got[1]
        print(render_table(got[0]), "\n", flush=True)
    if "store" in only:
        got = store_rows(args.quick)
        rows += got[0]
        raw["store"] = got[1]
    if "browser" in only:
        got = browser_rows(args, nodelay=False)
        rows += got[0]
        raw["browser"] = got[1]
    if "nodelay" in only:
        got = browser_rows(args, nodelay=True)
        rows += got[0]
        raw["nodelay"] = got[1]
    rows += compare(rows)
    end_commit = machine()["commit"]
    if end_commit != info["commit"]:
        # other work landed while this ran: the sections may not all measure the same code
        info["commit"] = f"{info['commit']} -> {end_commit} (the tree changed during the run)"
    rows.sort(key=lambda r: r.section)  # stable: keeps the order within a section
    raw["rows"] = [r.to_json() for r in rows]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "results.json").write_text(json.dumps(raw, indent=1, default=str))
    print(render_table(rows))
    print(f"\n{len(rows)} rows in {time.monotonic() - started:.0f} s; raw samples in "
          f"{ARTIFACTS / 'results.json'}")  # fmt: skip
    if args.write_doc:
        write_doc(render_table(rows, markdown=True), render_header(info, command.strip()))
        print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
