"""Size of the frontend bundle the kernel sends to the page: raw (as built: minified),
gzip -9, and the largest bundled packages (from a metafile build into a temp folder).

    python benchmarks/bench_bundle.py
"""

from __future__ import annotations

import collections
import gzip
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._report import Row

REPO = Path(__file__).resolve().parents[1]
STATIC = REPO / "rater_widgets" / "static"


def sizes() -> list[Row]:
    """One row per built file: bytes as shipped and gzipped."""
    rows = []
    for name in ("widget_core.js", "widget.js", "widget.css"):
        path = STATIC / name
        if not path.is_file():
            rows.append(Row("7 bundle", f"{name} (minified)", "rater_widgets", [], "B",
                            note=f"{path} missing: run npm run build"))  # fmt: skip
            continue
        data = path.read_bytes()
        rows.append(Row("7 bundle", f"{name} (minified, as built)", "rater_widgets",
                        [len(data)], "B"))  # fmt: skip
        rows.append(Row("7 bundle", f"{name} (gzip -9)", "rater_widgets",
                        [len(gzip.compress(data, 9))], "B"))  # fmt: skip
    return rows


def packages(top: int = 6) -> str:
    """The largest contributors to the minified JS, by package (esbuild metafile)."""
    with tempfile.TemporaryDirectory() as tmp:
        meta = Path(tmp) / "meta.json"
        subprocess.run(
            [str(REPO / "node_modules/.bin/esbuild"), "js/index.ts", "--bundle",
             "--format=esm", "--target=es2020", "--minify", "--loader:.css=css",
             "--legal-comments=none", f"--outdir={tmp}", f"--metafile={meta}",
             "--log-level=warning"],
            cwd=REPO, check=True,
        )  # fmt: skip
        outputs = json.loads(meta.read_text())["outputs"]
    by_pkg: collections.Counter[str] = collections.Counter()
    for out, info in outputs.items():
        if not out.endswith(".js"):
            continue
        for src, part in info["inputs"].items():
            parts = src.split("/")
            pkg = parts[1] if parts[0] == "node_modules" else parts[0] + "/" + parts[1]
            by_pkg[pkg] += part["bytesInOutput"]
    return ", ".join(f"{k} {v / 1024:.0f} KiB" for k, v in by_pkg.most_common(top))


def main() -> None:
    from benchmarks._report import render_table

    rows = sizes()
    rows[0].note = "largest parts: " + packages()
    print(render_table(rows))


if __name__ == "__main__":
    main()
