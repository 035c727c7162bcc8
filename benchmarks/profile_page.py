"""Where the page spends its time: a Chrome CPU profile of one scenario, with readable
names (a non-minified build of js/index.ts in a temp folder, loaded by a subclass in the
benchmark kernel; rater_widgets/static is not touched).

Prints the functions with the most self time and the time per bundled module (esbuild
marks each module in a non-minified bundle), and writes the ``.cpuprofile`` for Chrome
DevTools to ``test-artifacts/profiles/``.

    python benchmarks/profile_page.py long-markdown     # render a 100k-char item
    python benchmarks/profile_page.py first-item        # cell run -> first item, 1M rows
"""

from __future__ import annotations

import argparse
import bisect
import collections
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import _cells as cells
from benchmarks._data import marker
from benchmarks._probe import install
from benchmarks.bench_browser import _visible, lab_server, run_cell_timed
from tests.e2e.lab import ARTIFACTS

REPO = Path(__file__).resolve().parents[1]

DEV_CLASSES = """
from pathlib import Path
class DevItemRater(rw.ItemRater):
    _esm = Path({out!r}) / "widget.js"
    _css = Path({out!r}) / "widget.css"
    _core_path = Path({out!r}) / "widget_core.js"
class DevTraceRater(rw.TraceRater):
    _esm = Path({out!r}) / "widget.js"
    _css = Path({out!r}) / "widget.css"
    _core_path = Path({out!r}) / "widget_core.js"
"""


def dev_bundle(out: Path) -> Path:
    """Build the frontend without minifying into ``out``; return the core module's path."""
    subprocess.run(
        ["node", "js/build.mjs", "--no-minify", "--outdir", str(out)],
        cwd=REPO, check=True, capture_output=True,
    )  # fmt: skip
    return out / "widget_core.js"


def module_index(bundle: Path) -> tuple[list[int], list[str]]:
    """Line numbers where each bundled module starts (esbuild's ``// path`` comments)."""
    starts, names = [0], ["(bundle prelude)"]
    pattern = re.compile(r"^// ((?:node_modules|js)/\S+)$")
    for i, line in enumerate(bundle.read_text().splitlines()):
        m = pattern.match(line)
        if m:
            path = m.group(1)
            if path.startswith("node_modules/"):
                parts = path.split("/")
                path = "/".join(parts[:3] if parts[1].startswith("@") else parts[:2])
            starts.append(i)
            names.append(path)
    return starts, names


def summarize(profile: dict[str, Any], bundle: Path, top: int = 25) -> str:
    """Self time per function and per bundled module of a CDP ``Profiler.stop`` result."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    self_us: collections.Counter[int] = collections.Counter()
    deltas = profile.get("timeDeltas", [])
    for sample, delta in zip(profile.get("samples", []), [*deltas[1:], 0], strict=False):
        self_us[sample] += delta
    starts, names = module_index(bundle)
    by_fn: collections.Counter[str] = collections.Counter()
    by_module: collections.Counter[str] = collections.Counter()
    for node_id, us in self_us.items():
        frame = nodes[node_id]["callFrame"]
        fn = frame["functionName"] or "(anonymous)"
        url = frame.get("url", "")
        if url.startswith("blob:") or url.endswith("index.js"):  # the dev bundle
            module = names[bisect.bisect_right(starts, frame.get("lineNumber", 0)) - 1]
        elif url:
            module = re.sub(r"^.*/(static|lab)/", "", url)[:60]
        else:
            module = fn  # (program), (garbage collector), (idle), native
        by_fn[f"{fn}  [{module}]"] += us
        by_module[module] += us
    total = sum(v for k, v in by_module.items() if k != "(idle)")
    lines = [f"busy time: {total / 1000:.0f} ms (idle excluded)", "", "self time by module:"]
    lines += [f"  {us / 1000:8.1f} ms  {name}" for name, us in by_module.most_common(top)
              if name != "(idle)"]  # fmt: skip
    lines += ["", "self time by function:"]
    lines += [f"  {us / 1000:8.1f} ms  {name}" for name, us in by_fn.most_common(top)
              if not name.startswith("(idle)")]  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=["long-markdown", "long-trace", "first-item"])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rw-dev-bundle-") as tmp:
        js = dev_bundle(Path(tmp))
        dev = DEV_CLASSES.format(out=tmp)
        if args.scenario == "first-item":
            setup = cells.SETUP.format(n=args.rows) + dev
            cell = ('w = DevItemRater(df, rubric, id="id", content="text", store="p.sqlite", '
                    'annotator="p", study="s-" + uuid.uuid4().hex[:8])\nw')  # fmt: skip
            conds = {"shown": {"sel": ".rw-item-content", "text": marker(0)}}
        else:
            setup = cells.LONG_SETUP.format(chars=100_000, steps=500) + dev
            if args.scenario == "long-markdown":
                cell = ('w = DevItemRater(long_items, rubric, id="id", content="text", '
                        'store="p.sqlite", annotator="p", study=study())\nw')  # fmt: skip
                conds = {"shown": {"sel": ".rw-item-content", "text": "LONG-END"}}
            else:
                cell = ("w = DevTraceRater(traces, trace='reasoning', question='problem', "
                        "answer='final_answer', store='p.sqlite', annotator='p', "
                        "study=study())\nw")  # fmt: skip
                conds = {"shown": {"sel": '.rw-steps[aria-label="Steps (500)"]'}}
        with lab_server(nodelay=False) as lab:
            page = lab.new_context().new_page()
            nb = lab.open_notebook(page, lab.write_notebook([setup, cell], name="profile"),
                                   timeout=120)  # fmt: skip
            nb.run_cells([0], timeout=300)
            install(page)
            run_cell_timed(nb, 1, conds)  # warm: the widget code is loaded once per page
            cdp = page.context.new_cdp_session(page)
            cdp.send("Profiler.enable")
            cdp.send("Profiler.setSamplingInterval", {"interval": 200})
            cdp.send("Profiler.start")
            res = run_cell_timed(nb, 1, conds)
            profile = cdp.send("Profiler.stop")["profile"]
            out = ARTIFACTS / "profiles" / f"{args.scenario}.cpuprofile"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(profile))
            print(
                f"{args.scenario}: cell run -> on screen {_visible(res)} ms, "
                f"longest task {res['longTask']} ms; profile: {out}"
            )
            print(summarize(profile, js))


if __name__ == "__main__":
    main()
