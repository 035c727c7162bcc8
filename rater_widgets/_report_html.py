"""HTML of a report: one self-contained file (Vega, Vega-Lite and vega-embed inlined, so
it opens with no network), and a lighter notebook view (charts as static SVG images).

Everything from the data (ids, labels, annotator names, content) is escaped: table
cells with ``html.escape``, chart specs as JSON with ``<``, ``>`` and ``&`` written as
``\\u`` escapes, so no value can close a tag or start a script.
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import html
import json
import math
from collections.abc import Sequence
from typing import Any

import polars as pl

__all__ = ["Page", "Section", "file_html", "notebook_html", "script_json"]

CONTENT_WARNING = "This report contains item content"
NO_CONTENT = (
    "This report holds ids, labels and statistics only: no item content, prompts or rationales."
)
#: Rows of a table shown before "… n more rows".
MAX_TABLE_ROWS = 200


@dataclasses.dataclass
class Section:
    """One part of a report: a heading, a sentence, its charts and tables (by key)."""

    key: str
    title: str
    text: str
    charts: list[str] = dataclasses.field(default_factory=list)
    tables: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Page:
    """Everything the HTML shows; built by :mod:`rater_widgets.report`."""

    title: str
    facts: list[tuple[str, str]]
    sections: list[Section]
    charts: dict[str, Any]
    tables: dict[str, pl.DataFrame]
    notes: list[str]
    include_content: bool
    content: pl.DataFrame | None = None
    content_note: str = ""


# ------------------------------------------------------------------ escaping


def script_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element (no tag can be closed from data)."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False, default=str)
    for raw, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                     ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):  # fmt: skip
        text = text.replace(raw, esc)
    return text


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _cell(value: Any) -> str:
    if value is None:
        return "<td class='rw-null'>–</td>"
    if isinstance(value, float):
        if math.isnan(value):
            return "<td class='rw-null'>–</td>"
        return f"<td class='rw-num'>{value:.3f}</td>"
    if isinstance(value, bool):
        return f"<td>{'yes' if value else 'no'}</td>"
    if isinstance(value, int):
        return f"<td class='rw-num'>{value:,}</td>"
    if isinstance(value, list):
        value = ", ".join("–" if v is None else str(v) for v in value)
    text = str(value)
    if "\n" in text or len(text) > 80:
        return f"<td><div class='rw-long'>{_e(text)}</div></td>"
    return f"<td>{_e(text)}</td>"


def table_html(frame: pl.DataFrame, limit: int = MAX_TABLE_ROWS) -> str:
    """An escaped HTML table of the first ``limit`` rows (times as text)."""
    shown = frame.head(limit).with_columns(
        pl.col(c).cast(pl.String)
        for c, d in frame.schema.items()
        if isinstance(d, pl.Datetime | pl.Date | pl.Duration | pl.Enum | pl.Categorical)
    )
    head = "".join(f"<th scope='col'>{_e(c)}</th>" for c in shown.columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in row) + "</tr>" for row in shown.iter_rows())
    more = ""
    if frame.height > limit:
        more = f"<p class='rw-more'>… {frame.height - limit:,} more rows not shown</p>"
    return (
        f"<div class='rw-table'><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>{more}"
    )


# ------------------------------------------------------------------ shared pieces


def _header(page: Page, level: int) -> str:
    facts = " · ".join(f"{_e(k)}: <b>{_e(v)}</b>" for k, v in page.facts)
    if page.include_content:
        banner = (
            f"<div class='rw-banner rw-warn' role='alert'><strong>{CONTENT_WARNING}.</strong> "
            "It shows item text and the annotators' free-text answers; share it only where "
            "the source data may go.</div>"
        )
    else:
        banner = f"<div class='rw-banner' role='note'>{_e(NO_CONTENT)}</div>"
    return f"<h{level}>{_e(page.title)}</h{level}>{banner}<p class='rw-facts'>{facts}</p>"


def _notes(page: Page) -> str:
    if not page.notes:
        return ""
    items = "".join(f"<li>{_e(n)}</li>" for n in page.notes)
    return (
        f"<details class='rw-notes'><summary>Notes ({len(page.notes)})</summary>"
        f"<ul>{items}</ul></details>"
    )


def _tables(page: Page, keys: Sequence[str]) -> str:
    return "".join(table_html(page.tables[k]) for k in keys if k in page.tables)


def _content_section(page: Page, level: int) -> str:
    if not page.include_content or page.content is None:
        return ""
    return (
        f"<section id='rw-content'><h{level}>Items and answers (content)</h{level}>"
        f"<p>{_e(page.content_note)}</p>{table_html(page.content, limit=10**9)}</section>"
    )


_CSS = """
.rw-report{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;line-height:1.45;
  color:var(--rw-fg);max-width:1100px}
.rw-report h1,.rw-report h2,.rw-report h3{margin:.8em 0 .3em}
.rw-banner{border:1px solid var(--rw-line);border-radius:6px;padding:.5em .8em;margin:.4em 0}
.rw-warn{border:2px solid #D55E00;background:rgba(213,94,0,.12);font-size:1.05em}
.rw-facts{color:var(--rw-muted);margin:.3em 0 .8em}
.rw-report section{margin:1.6em 0}
.rw-chart{margin:.4em 0;min-height:40px}
.rw-table{overflow-x:auto;margin:.4em 0}
.rw-report table{border-collapse:collapse;font-size:.9em}
.rw-report table th,.rw-report table td{border-bottom:1px solid var(--rw-line);
  padding:.25em .6em;text-align:left;vertical-align:top}
.rw-report table td.rw-num{text-align:right;font-variant-numeric:tabular-nums}
.rw-report td.rw-null{color:var(--rw-muted)}
.rw-long{white-space:pre-wrap;max-height:12em;overflow:auto;max-width:40em}
.rw-more,.rw-notes{color:var(--rw-muted)}
.rw-report nav ul{columns:2;padding-left:1.2em}
"""
_PAGE_CSS = """
:root{color-scheme:light dark;--rw-fg:#1b1b1b;--rw-bg:#ffffff;--rw-muted:#5a5a5a;--rw-line:#d6d6d6}
@media (prefers-color-scheme: dark){:root{--rw-fg:#e8e8e8;--rw-bg:#161616;--rw-muted:#a8a8a8;
  --rw-line:#3c3c3c}}
body{background:var(--rw-bg);margin:0;padding:1.2em 2em}
"""
_NOTEBOOK_CSS = """
.rw-report{--rw-fg:var(--jp-ui-font-color1,#1b1b1b);--rw-muted:var(--jp-ui-font-color2,#5a5a5a);
  --rw-line:var(--jp-border-color2,#d6d6d6)}
.rw-report .rw-dark{display:none}
body[data-jp-theme-light='false'] .rw-report .rw-dark,
body.vscode-dark .rw-report .rw-dark{display:block}
body[data-jp-theme-light='false'] .rw-report .rw-light,
body.vscode-dark .rw-report .rw-light{display:none}
"""

# Picks the light or dark theme of each chart from the reader's colour scheme and draws
# it as SVG; the editor and source actions are off so no data is sent anywhere.
_EMBED = """
(function () {
  var specs = JSON.parse(document.getElementById('rw-specs').textContent);
  var dark = window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches;
  var opts = {renderer: 'svg', actions: {export: true, source: false, compiled: false,
              editor: false}};
  Object.keys(specs).forEach(function (key) {
    var el = document.getElementById('rw-chart-' + key);
    window.vegaEmbed(el, dark ? specs[key].dark : specs[key].light, opts).catch(function (err) {
      el.textContent = 'This chart could not be drawn: ' + err;
    });
  });
})();
"""


@functools.lru_cache(maxsize=1)
def js_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (built once per process: ~3 s)."""
    import vl_convert as vlc

    bundle: str = vlc.javascript_bundle(
        "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"
    )
    # a "</script" inside the code would end the inline element early
    return bundle.replace("</script", "<\\/script")


# ------------------------------------------------------------------ the file


def file_html(page: Page) -> str:
    """The self-contained report file."""
    import altair as alt

    from rater_widgets._report_charts import themed

    nav = "".join(f"<li><a href='#rw-{_e(s.key)}'>{_e(s.title)}</a></li>" for s in page.sections)
    parts = []
    for s in page.sections:
        charts = "".join(
            f"<div class='rw-chart' id='rw-chart-{_e(k)}' role='img' aria-label='{_e(s.title)}'>"
            "</div>"
            for k in s.charts
            if k in page.charts
        )
        parts.append(
            f"<section id='rw-{_e(s.key)}'><h2>{_e(s.title)}</h2><p>{_e(s.text)}</p>"
            f"{charts}{_tables(page, s.tables)}</section>"
        )
    specs = {}
    for key, chart in page.charts.items():
        spec = chart.to_dict()
        specs[key] = {"light": themed(spec, "light"), "dark": themed(spec, "dark")}
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<meta name='generator' content='rater_widgets (Vega-Lite {_e(alt.SCHEMA_VERSION)})'>"
        f"<title>{_e(page.title)}</title><style>{_PAGE_CSS}{_CSS}</style>"
        f"<script>{js_bundle()}</script></head>"
        f"<body><main class='rw-report'>{_header(page, 1)}"
        f"<nav aria-label='sections'><ul>{nav}</ul></nav>{_notes(page)}"
        f"{''.join(parts)}{_content_section(page, 2)}</main>"
        f"<script type='application/json' id='rw-specs'>{script_json(specs)}</script>"
        f"<script>{_EMBED}</script></body></html>\n"
    )


# ------------------------------------------------------------------ the notebook view


def _svg_img(spec: dict[str, Any], mode: str, alt_text: str) -> str:
    import vl_convert as vlc

    from rater_widgets._report_charts import themed

    svg = vlc.vegalite_to_svg(themed(spec, mode))
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (
        f"<img class='rw-{mode}' alt='{_e(alt_text)}' style='max-width:100%' "
        f"src='data:image/svg+xml;base64,{data}'>"
    )


def notebook_html(page: Page) -> str:
    """The notebook view: charts as static SVG images (light and dark, picked by the
    JupyterLab theme), no scripts, and never the content table (notebooks get shared)."""
    parts = []
    for s in page.sections:
        imgs = ""
        for k in s.charts:
            if k in page.charts:
                spec = page.charts[k].to_dict()
                imgs += (
                    f"<div class='rw-chart'>{_svg_img(spec, 'light', s.title)}"
                    f"{_svg_img(spec, 'dark', s.title)}</div>"
                )
        parts.append(
            f"<section><h3>{_e(s.title)}</h3><p>{_e(s.text)}</p>{imgs}"
            f"{_tables(page, s.tables)}</section>"
        )
    content = ""
    if page.include_content:
        content = (
            "<p class='rw-more'>The items-and-answers table is in the saved file only "
            "(<code>report.save(path)</code>): a notebook output would keep item content in "
            "the .ipynb.</p>"
        )
    return (
        f"<div class='rw-report'><style>{_CSS}{_NOTEBOOK_CSS}</style>{_header(page, 2)}"
        f"{_notes(page)}{''.join(parts)}{content}</div>"
    )
