"""Benchmark: render time of 100k-character markdown items in Chromium, and the bundle size
the renderer adds. Prints numbers; asserts nothing.

Run from the repository root: ``python -m tests.xss.bench_render``
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import statistics
import subprocess
import tempfile
from collections import defaultdict
from pathlib import Path

import psutil  # type: ignore[import-untyped,unused-ignore]

from tests.xss.site import ESBUILD, ROOT, serve_site

SIZE = 100_000


def _repeat(unit: str) -> str:
    return (unit * (SIZE // len(unit) + 1))[:SIZE]


DOCUMENTS = {
    "dense mix (heading, $math$, code, table x700)": _repeat(
        "## Step\n\nSome *text* with `code`, a [link](https://example.org) and $x_i^2$.\n\n"
        "```js\nlet a = 1 < 2;\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
    ),
    "prose only": _repeat(
        "The quick brown fox jumps over the lazy dog, **twice**, and then _once more_ for luck. "
        "It was not, as some claimed, a [lazy](https://example.org) dog at all.\n\n"
    ),
    "math heavy (a formula per ~60 chars)": _repeat(
        "Then $\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}$ holds, and $$\\int_0^1 x^2\\,dx = \\tfrac13$$\n\n"
    ),
    "reasoning trace (steps, inline math, code)": _repeat(
        "Step 3: We know that $a + b = 10$ and $a - b = 4$, so $2a = 14$ and $a = 7$.\n"
        "Check with code:\n\n```python\nassert 7 + 3 == 10\n```\n\n"
    ),
}


def bundle_sizes() -> None:
    """Minified bytes the renderer and its libraries add to the widget bundle."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "render.js"
        meta = Path(tmp) / "meta.json"
        subprocess.run(
            [str(ESBUILD), "js/render/index.ts", "--bundle", "--format=esm", "--minify",
             "--target=es2020", "--log-level=warning", f"--outfile={out}", f"--metafile={meta}"],
            cwd=ROOT, check=True,
        )  # fmt: skip
        outputs = json.loads(meta.read_text())["outputs"]
        inputs = next(v for k, v in outputs.items() if k.endswith(".js"))["inputs"]
        groups: dict[str, int] = defaultdict(int)
        for path, info in inputs.items():
            groups[_package(path)] += info["bytesInOutput"]
        data = out.read_bytes()
        print(f"\nbundle js/render/index.ts: {len(data) / 1024:.1f} KiB minified, "
              f"{len(gzip.compress(data, 9)) / 1024:.1f} KiB gzipped")  # fmt: skip
        for name, size in sorted(groups.items(), key=lambda kv: -kv[1]):
            print(f"  {name:<28} {size / 1024:7.1f} KiB")
        css = (ROOT / "js" / "render" / "render.css").read_bytes()
        print(f"  {'render.css (unminified)':<28} {len(css) / 1024:7.1f} KiB")


def _package(path: str) -> str:
    if "node_modules/" not in path:
        return "js/render (ours)"
    rest = path.rsplit("node_modules/", maxsplit=1)[-1].split("/")
    return "/".join(rest[:2]) if rest[0].startswith("@") else rest[0]


def _renderer_cpu_seconds() -> float:
    """CPU time used so far by this run's Chromium renderer processes (robust to a busy machine)."""
    total = 0.0
    for proc in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if "--type=renderer" in proc.cmdline():
                times = proc.cpu_times()
                total += times.user + times.system
    return total


def render_times(runs: int = 7) -> None:
    """Per document: where the time goes, time until the next frame, and renderer CPU per render."""
    with tempfile.TemporaryDirectory() as tmp, serve_site(Path(tmp)) as site:
        page, _watch = site.open()
        print(
            f"Chromium, {SIZE:,}-character markdown items; median of {runs} runs after one warm-up"
        )
        print(
            f"  {'document':<44} {'parse+tex':>9} {'sanitize':>9} {'layout':>8} {'to frame':>9} {'cpu':>7}"
        )
        for name, src in DOCUMENTS.items():
            page.evaluate("s => rwXss.profileMarkdown(s)", src)  # warm-up: JIT, KaTeX fonts tables
            parts = [page.evaluate("s => rwXss.profileMarkdown(s)", src) for _ in range(runs)]
            cpu_before = _renderer_cpu_seconds()
            frames = [page.evaluate("s => rwXss.timeToFrame(s)", src) for _ in range(runs)]
            cpu = (_renderer_cpu_seconds() - cpu_before) / runs * 1000

            def med(key: str, rows: list[dict[str, float]] = parts) -> float:
                return statistics.median(r[key] for r in rows)

            print(
                f"  {name:<44} {med('markdown'):7.0f}ms {med('sanitize'):7.0f}ms {med('layout'):6.0f}ms "
                f"{statistics.median(frames):7.0f}ms {cpu:5.0f}ms"
            )
        page.close()
    print(f"  (load average while measuring: {', '.join(f'{x:.1f}' for x in os.getloadavg())})")


if __name__ == "__main__":
    render_times()
    bundle_sizes()
