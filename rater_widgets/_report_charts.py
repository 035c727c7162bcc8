"""Altair charts of a report, each drawn from a small aggregated frame.

Colours: the Okabe–Ito palette (safe for the common colour-vision deficiencies; black is
left out so lines show on dark backgrounds) and viridis / blue–orange for heatmaps.
Charts carry a neutral theme (transparent background, mid-grey text) that reads on light
and dark JupyterLab alike; :func:`themed` swaps in a light or dark theme for files and
static images.
"""

from __future__ import annotations

import copy
from typing import Any

import altair as alt
import polars as pl

__all__ = [
    "PALETTE",
    "agreement",
    "bradley_terry",
    "confusion",
    "disagreements",
    "durations",
    "gold_accuracy",
    "pairwise_kappa",
    "progress",
    "themed",
    "win_rates",
]

#: Okabe & Ito (2008), without black; yellow last (weak on white).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999",
           "#F0E442"]  # fmt: skip
WIDTH = 460
_STEP = 22  # px per row of a categorical axis

_TEXT = {"neutral": "#888888", "light": "#222222", "dark": "#e6e6e6"}
_GRID = {"neutral": "rgba(136,136,136,0.25)", "light": "#e3e3e3", "dark": "#3a3a3a"}


def _config(mode: str) -> dict[str, Any]:
    text, grid = _TEXT[mode], _GRID[mode]
    return {
        "background": "transparent",
        "font": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
        "view": {"stroke": None},
        "range": {"category": PALETTE},
        "axis": {"labelColor": text, "titleColor": text, "domainColor": grid,
                 "tickColor": grid, "gridColor": grid, "labelLimit": 220},
        "legend": {"labelColor": text, "titleColor": text, "labelLimit": 220},
        "header": {"labelColor": text, "titleColor": text},
        "title": {"color": text, "anchor": "start", "fontSize": 14},
        "text": {"color": text},
    }  # fmt: skip


def _finish(chart: Any, title: str) -> Any:
    return chart.properties(title=title).configure(**_config("neutral"))


def themed(spec: dict[str, Any], mode: str) -> dict[str, Any]:
    """A chart's Vega-Lite dict with the ``"light"`` or ``"dark"`` theme."""
    out = copy.deepcopy(spec)
    out["config"] = {**out.get("config", {}), **_config(mode)}
    return out


def _values(frame: pl.DataFrame) -> dict[str, Any]:
    """Inline data: times as ISO strings, NaN as null (Vega reads both)."""
    cols = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            if dtype.time_zone is not None:
                col = col.dt.convert_time_zone("UTC")
            cols.append(col.dt.to_string("%Y-%m-%dT%H:%M:%S%.3fZ").alias(name))
        elif dtype.is_float():
            cols.append(col.fill_nan(None))
        elif isinstance(dtype, pl.Enum | pl.Categorical):
            cols.append(col.cast(pl.String))
        else:
            cols.append(col)
    return {"values": frame.select(cols).to_dicts()}


def _height(n: int) -> int:
    return max(60, n * _STEP)


def _text_on(field: str, threshold: float) -> Any:
    """Text colour for a label on a viridis cell: dark on the light end, white elsewhere."""
    return alt.condition(f"datum['{field}'] > {threshold}", alt.value("#111111"),
                         alt.value("#ffffff"))  # fmt: skip


# ------------------------------------------------------------------ agreement


def agreement(table: pl.DataFrame) -> Any:
    """Point estimates with CI bars per field, one colour per statistic."""
    data = _values(table.drop_nulls("estimate"))
    fields = list(dict.fromkeys(table.get_column("field").to_list()))
    low = min(0.0, *(v for v in table.get_column("ci_low").drop_nulls().to_list()), 0.0)
    scale = alt.Scale(domain=[max(-1.0, low), 1.0])
    y = alt.Y("field:N", sort=fields, title=None)
    colour = alt.Color("statistic:N", title="statistic", legend=alt.Legend(orient="bottom"))
    tooltip = ["field:N", "statistic:N", alt.Tooltip("estimate:Q", format=".3f"),
               alt.Tooltip("ci_low:Q", format=".3f"), alt.Tooltip("ci_high:Q", format=".3f"),
               "n_items:Q", "n_annotators:Q"]  # fmt: skip
    base = alt.Chart(data).encode(y=y, yOffset="statistic:N", color=colour)
    bars = base.mark_rule(strokeWidth=2).encode(x=alt.X("ci_low:Q", scale=scale), x2="ci_high:Q")
    dots = base.mark_point(filled=True, size=70).encode(
        x=alt.X("estimate:Q", scale=scale, title="agreement (1 = perfect, 0 = chance)"),
        tooltip=tooltip,
    )
    zero = alt.Chart({"values": [{"x": 0}]}).mark_rule(strokeDash=[4, 3], color="#888888")
    n_rows = len(fields) * max(1, table.get_column("statistic").n_unique())
    layered = alt.layer(zero.encode(x="x:Q"), bars, dots).properties(
        width=WIDTH, height=_height(n_rows) // 1
    )
    return _finish(layered, "Inter-annotator agreement (95% bootstrap CIs)")


def pairwise_kappa(table: pl.DataFrame, field: str) -> Any:
    names = sorted(set(table.get_column("annotator").to_list()))
    base = alt.Chart(_values(table)).encode(
        x=alt.X("other:N", sort=names, title=None),
        y=alt.Y("annotator:N", sort=names, title=None),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("kappa:Q", scale=alt.Scale(scheme="viridis", domain=[0, 1], clamp=True),
                        title="κ"),
        tooltip=["annotator:N", "other:N", alt.Tooltip("kappa:Q", format=".3f"), "shared:Q"],
    )  # fmt: skip
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("kappa:Q", format=".2f"), color=_text_on("kappa", 0.7)
    )
    size = max(160, len(names) * 34)
    chart = alt.layer(cells, text).properties(width=size, height=size)
    return _finish(chart, f"Cohen's κ between annotators on {field!r}")


# ------------------------------------------------------------------ disagreements, model


def disagreements(table: pl.DataFrame) -> Any:
    base = alt.Chart(_values(table)).encode(
        y=alt.Y("field:N", sort=table.get_column("field").to_list(), title=None)
    )
    bars = base.mark_bar(color=PALETTE[5]).encode(
        x=alt.X("rate:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]),
                title="share of items answered by 2+ annotators that disagree"),
        tooltip=["field:N", "items_disagreeing:Q", "items_compared:Q",
                 alt.Tooltip("rate:Q", format=".1%")],
    )  # fmt: skip
    text = (
        base.mark_text(align="left", dx=4)
        .encode(x="rate:Q", text=alt.Text("label:N"))
        .transform_calculate(label="datum.items_disagreeing + ' / ' + datum.items_compared")
    )
    chart = alt.layer(bars, text).properties(width=WIDTH, height=_height(table.height))
    return _finish(chart, "Items with disagreement, per field")


def confusion(table: pl.DataFrame, field: str) -> Any:
    labels = list(dict.fromkeys(table.get_column("model").to_list()))
    base = alt.Chart(_values(table)).encode(
        x=alt.X("human:N", sort=labels, title="human consensus (majority)"),
        y=alt.Y("model:N", sort=labels, title="model label (suggestion)"),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("share:Q", scale=alt.Scale(scheme="viridis", domain=[0, 1]),
                        title="share of column", legend=alt.Legend(format="%")),
        tooltip=["model:N", "human:N", "n:Q", alt.Tooltip("share:Q", format=".1%")],
    )  # fmt: skip
    text = base.mark_text(fontSize=12).encode(text="n:Q", color=_text_on("share", 0.7))
    size = max(140, len(labels) * 60)
    chart = alt.layer(cells, text).properties(width=size, height=size)
    return _finish(chart, f"Model label vs human consensus: {field!r}")


def gold_accuracy(table: pl.DataFrame) -> Any:
    y = alt.Y("annotator:N", sort=table.get_column("annotator").to_list(), title=None)
    base = alt.Chart(_values(table)).encode(y=y)
    scale = alt.Scale(domain=[0, 1])
    bars = base.mark_rule(strokeWidth=2, color=PALETTE[0]).encode(
        x=alt.X("ci_low:Q", scale=scale), x2="ci_high:Q"
    )
    dots = base.mark_point(filled=True, size=70, color=PALETTE[0]).encode(
        x=alt.X("accuracy:Q", scale=scale, axis=alt.Axis(format="%"), title="accuracy on gold"),
        tooltip=["annotator:N", "n_gold:Q", "correct:Q", alt.Tooltip("accuracy:Q", format=".1%")],
    )
    chart = alt.layer(bars, dots).properties(width=WIDTH, height=_height(table.height))
    return _finish(chart, "Accuracy on gold items (95% Wilson CIs)")


# ------------------------------------------------------------------ time


def durations(table: pl.DataFrame) -> Any:
    """A box plot drawn from precomputed quantiles (5-95% whiskers)."""
    y = alt.Y("annotator:N", sort=table.get_column("annotator").to_list(), title=None)
    base = alt.Chart(_values(table)).encode(y=y)
    wide = float(table.select(pl.col("p95").max() / pl.col("p05").min().clip(1e-3)).item() or 1)
    scale = alt.Scale(type="log") if wide > 50 else alt.Scale(zero=True)
    whisker = base.mark_rule(color=PALETTE[0]).encode(
        x=alt.X("p05:Q", scale=scale, title="seconds per item (box 25-75%, whiskers 5-95%)"),
        x2="p95:Q",
    )
    box = base.mark_bar(size=14, color=PALETTE[4]).encode(x="q1:Q", x2="q3:Q")
    median = base.mark_tick(color=PALETTE[5], thickness=3, size=16).encode(
        x="median:Q",
        tooltip=["annotator:N", "n:Q", alt.Tooltip("median:Q", format=".1f", title="median s"),
                 alt.Tooltip("q1:Q", format=".1f"), alt.Tooltip("q3:Q", format=".1f")],
    )  # fmt: skip
    chart = alt.layer(whisker, box, median).properties(width=WIDTH, height=_height(table.height))
    return _finish(chart, "Time per item, per annotator")


def progress(table: pl.DataFrame, bucket: str) -> Any:
    chart = (
        alt.Chart(_values(table))
        .mark_line(interpolate="step-after", strokeWidth=2)
        .encode(
            x=alt.X("at:T", title=f"time (UTC, {bucket})"),
            y=alt.Y("done:Q", title="items answered (cumulative)"),
            color=alt.Color("annotator:N", legend=alt.Legend(orient="bottom", columns=4)),
            tooltip=["annotator:N", alt.Tooltip("at:T", format="%Y-%m-%d %H:%M:%S"), "done:Q"],
        )
        .properties(width=WIDTH, height=240)
    )
    return _finish(chart, "Progress over time")


# ------------------------------------------------------------------ preferences


def win_rates(table: pl.DataFrame) -> Any:
    models = sorted(set(table.get_column("model").to_list()))
    base = alt.Chart(_values(table)).encode(
        x=alt.X("opponent:N", sort=models, title="against"),
        y=alt.Y("model:N", sort=models, title="model"),
    )
    cells = base.mark_rect().encode(
        color=alt.Color("win_rate:Q", title="win rate",
                        scale=alt.Scale(scheme="blueorange", domain=[0, 1], domainMid=0.5),
                        legend=alt.Legend(format="%")),
        tooltip=["model:N", "opponent:N", "wins:Q", "losses:Q", "ties:Q", "n:Q",
                 alt.Tooltip("win_rate:Q", format=".1%"), alt.Tooltip("ci_low:Q", format=".1%"),
                 alt.Tooltip("ci_high:Q", format=".1%")],
    )  # fmt: skip
    strong = "abs(datum.win_rate - 0.5) > 0.3"  # the dark ends of the blue-orange scheme
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("win_rate:Q", format=".0%"),
        color=alt.condition(strong, alt.value("#ffffff"), alt.value("#111111")),
    )
    size = max(160, len(models) * 48)
    chart = alt.layer(cells, text).properties(width=size, height=size)
    if "criterion" in table.columns:
        chart = chart.facet(column=alt.Column("criterion:N", title=None))
    return _finish(chart, "Win rates (row model against column model; ties count half)")


def bradley_terry(table: pl.DataFrame) -> Any:
    n_models = table.get_column("model").n_unique()
    strongest_first = alt.EncodingSortField("log_strength", order="descending")
    base = alt.Chart(_values(table)).encode(y=alt.Y("model:N", sort=strongest_first, title=None))
    bars = base.mark_rule(strokeWidth=2, color=PALETTE[0]).encode(x="ci_low:Q", x2="ci_high:Q")
    dots = base.mark_point(filled=True, size=70, color=PALETTE[0]).encode(
        x=alt.X("log_strength:Q", title="log-strength (Bradley–Terry, mean 0)"),
        tooltip=["model:N", "rank:Q", alt.Tooltip("log_strength:Q", format=".3f"),
                 alt.Tooltip("ci_low:Q", format=".3f"), alt.Tooltip("ci_high:Q", format=".3f")],
    )  # fmt: skip
    chart = alt.layer(bars, dots).properties(width=WIDTH, height=_height(n_models))
    if "criterion" in table.columns:
        # each criterion ranks the models its own way
        chart = chart.facet(row=alt.Row("criterion:N", title=None)).resolve_scale(y="independent")
    return _finish(chart, "Model strengths (95% bootstrap CIs)")
