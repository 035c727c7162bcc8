"""rw.report in a real JupyterLab: the report shows its charts (images for the current
theme), and a chart from ``r.charts`` renders with Altair's offline Jupyter renderer."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

SETUP = """
import polars as pl
from rater_widgets.report import report
labels = pl.Enum(["safe", "borderline", "violating"])
ann = pl.DataFrame({
    "id": [i // 2 for i in range(40)],
    "annotator": ["ana", "bo"] * 20,
    "verdict": pl.Series(["safe", "safe", "violating", "borderline"] * 10, dtype=labels),
    "duration_ms": [3000 + 100 * i for i in range(40)],
})
r = report(ann, title="Lab check")
"""


def test_the_report_shows_chart_images_for_the_theme_and_charts_render(lab, page):
    nb = lab.open_notebook(page, lab.write_notebook([SETUP, "r", CHART]))
    nb.run_all(timeout=120)
    shown = nb.output(1)
    expect(shown.get_by_text("Lab check")).to_be_visible()
    light = shown.locator("img.rw-light")
    dark = shown.locator("img.rw-dark")
    assert light.count() == dark.count() == len(nb.eval_json("sorted(r.charts)"))
    expect(light.first).to_be_visible()
    expect(dark.first).to_be_hidden()
    # the image really decoded (a broken data URI has no natural size)
    assert light.first.evaluate("img => img.complete && img.naturalWidth > 100")
    nb.screenshot("report-notebook-light", shown)
    nb.set_theme("dark")
    expect(dark.first).to_be_visible()
    expect(light.first).to_be_hidden()
    nb.screenshot("report-notebook-dark", shown)
    # one chart on its own, through Altair's offline Jupyter renderer (no CDN)
    chart = nb.output(2)
    expect(chart.locator("svg, canvas").first).to_be_visible(timeout=30_000)
    assert nb.console_errors == []


CHART = """
import altair as alt
alt.renderers.enable("jupyter", offline=True)
r.charts["agreement"]
"""
