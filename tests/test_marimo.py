"""marimo, headless: `marimo export html` runs an app that wraps a rater in
`mo.ui.anywidget`, submits through the kernel-side API and shows `w.annotations`.

What this does NOT cover: keyboard rating in marimo's browser UI (no marimo browser test
yet); see docs/FRONTENDS.md.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("marimo")

APP = """
import marimo

app = marimo.App()


@app.cell
def _():
    import marimo as mo
    import polars as pl
    import rater_widgets as rw

    df = pl.read_parquet("items.parquet")
    rubric = rw.Rubric([rw.Choice("verdict", ["safe", "violating"], required=True)])
    w = rw.ItemRater(df, rubric, content="text", store="mo.sqlite", annotator="ana", study="mo")
    view = mo.ui.anywidget(w)
    view
    return (w,)


@app.cell
def _(w):
    w.submit({"verdict": "violating"}, item=2)
    w.annotations.select("id", "verdict")
    return


if __name__ == "__main__":
    app.run()
"""


def test_marimo_app_with_a_rater_exports(tmp_path: Path) -> None:
    pl.DataFrame({"id": [1, 2], "text": ["MO-CONTENT-one", "MO-CONTENT-two"]}).write_parquet(
        tmp_path / "items.parquet"
    )
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "marimo", "export", "html", "app.py", "-o", "out.html"],
        cwd=tmp_path, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "out.html").read_text(encoding="utf-8")
    assert "marimo-anywidget" in page  # the rater cell is an anywidget element
    assert "marimo-table" in page  # the annotations table of the second cell
    assert "MO-CONTENT" not in page  # item content never lands in the page
    import rater_widgets as rw

    ann = rw.open_store(tmp_path / "mo.sqlite").annotations("mo")
    assert ann.select("id", "verdict").rows() == [(2, "violating")]
