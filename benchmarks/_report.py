"""Result rows, summary statistics, the machine/versions header and the printed table.

Example::

    rows = [Row("1", "key -> next item", "ItemRater", [12.1, 13.0], "ms", kind="latency")]
    print(render_table(rows))
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import os
import platform
import statistics
import subprocess
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

PACKAGES = (
    "rater_widgets", "polars", "pandas", "anywidget", "ipywidgets", "jupyterlab",
    "jupyter_server", "tornado", "ipykernel", "pyzmq", "playwright", "pigeonXT-jupyter",
    "ipyannotations",
)  # fmt: skip


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of non-empty ``values``."""
    data = sorted(values)
    if len(data) == 1:
        return data[0]
    k = (len(data) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return data[lo] + (data[hi] - data[lo]) * (k - lo)


@dataclasses.dataclass
class Row:
    """One line of the table: a measure of one subject, from its repeated samples."""

    section: str
    what: str
    subject: str
    samples: list[float]
    unit: str
    target: str = ""
    note: str = ""
    load: tuple[float, float, float] | None = None
    #: "latency" rows show p50 / p95; "value" rows show the median (and the spread)
    kind: str = "value"

    @property
    def n(self) -> int:
        return len(self.samples)

    def summary(self) -> str:
        if not self.samples:
            return "not measured"
        fmt = _fmt(self.unit)
        if self.kind == "latency":
            return (
                f"p50 {fmt(percentile(self.samples, 50))} / "
                f"p95 {fmt(percentile(self.samples, 95))} {self.unit}"
            )
        med = statistics.median(self.samples)
        if self.n > 1:
            return f"{fmt(med)} {self.unit} ({fmt(min(self.samples))}-{fmt(max(self.samples))})"
        return f"{fmt(med)} {self.unit}"

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        if self.samples:
            out["median"] = statistics.median(self.samples)
            out["p95"] = percentile(self.samples, 95)
        return out


def _fmt(unit: str) -> Any:
    def f(x: float) -> str:
        if unit in ("B", "bytes") or abs(x) >= 1000:
            return f"{x:,.0f}"
        if abs(x) >= 100:
            return f"{x:.0f}"
        if abs(x) >= 10:
            return f"{x:.1f}"
        return f"{x:.2f}"

    return f


Load = tuple[float, float, float]


def load() -> Load:
    """The machine's 1/5/15-minute load average (2 cores: above 2 means queueing)."""
    return os.getloadavg()


def mean_load(start: Load) -> Load:
    """The mean of the load average at ``start`` and now: the load during a measure."""
    now = load()
    return (start[0] + now[0]) / 2, (start[1] + now[1]) / 2, (start[2] + now[2]) / 2


def machine() -> dict[str, Any]:
    """Where and with what the numbers were taken."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    chromium = _output(["/usr/bin/chromium", "--version"]) or "Chromium (version unknown)"
    commit = _output(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"])
    return {
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": f"{cpu} x {os.cpu_count()}",
        "memory": mem,
        "os": platform.platform(),
        "python": platform.python_version(),
        "chromium": chromium,
        "commit": commit,
        "versions": versions,
    }


def _output(cmd: list[str]) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return proc.stdout.strip()


def render_table(rows: Sequence[Row], *, markdown: bool = False) -> str:
    """The rows as an aligned text table (or a markdown table)."""
    head = ["section", "measure", "subject", "result", "n", "target", "load (1m)", "note"]
    body = [
        [
            r.section, r.what, r.subject, r.summary(), str(r.n), r.target,
            f"{r.load[0]:.1f}" if r.load else "", r.note,
        ]
        for r in rows
    ]  # fmt: skip
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in body]
        return "\n".join(lines)
    widths = [max(len(h), *(len(row[i]) for row in body)) if body else len(h)
              for i, h in enumerate(head)]  # fmt: skip
    widths[-1] = len(head[-1])  # notes run long: let them overflow
    out = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip()]
    out.append("  ".join("-" * w for w in widths))
    out += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in body
    ]
    return "\n".join(out)


def render_header(info: dict[str, Any], command: str) -> str:
    """Machine and versions, as markdown bullet lines."""
    v = info["versions"]
    return "\n".join(
        [
            f"- date: {info['date']} (commit {info['commit']})",
            f"- command: `{command}`",
            f"- machine: {info['cpu']}, {info['memory']}, {info['os']}",
            f"- Python {info['python']}, {info['chromium']}"
            + (f", niceness {info['niceness']}" if info.get("niceness") else ""),
            "- " + ", ".join(f"{k} {val}" for k, val in v.items()),
        ]
    )
