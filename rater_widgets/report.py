"""Reports: Altair charts of a study and one self-contained HTML file for stakeholders.

>>> import rater_widgets as rw
>>> r = rw.report(w)                          # doctest: +SKIP
>>> r.charts["agreement"]                     # doctest: +SKIP
>>> r.save("report.html")                     # doctest: +SKIP

What is in it (whatever applies to the data): agreement per field (Krippendorff's alpha,
Fleiss' and Cohen's kappa with bootstrap CIs), Cohen's kappa between annotators,
disagreement counts, the model's labels (``suggestion=``) against the human consensus,
accuracy on gold items, win rates and Bradley–Terry strengths (pairwise and ranking
studies), time per item and progress over time per annotator, and a per-annotator table.

Confidentiality: a report holds ids, labels and statistics only. Item content, prompts
and free-text answers (rationales, notes) are added only with ``include_content=True``,
and the file then says so at the top. Everything is aggregated in Polars first, so a
chart never carries one row per annotation (a 100k-answer study builds in seconds).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from rater_widgets import _report_stats as st
from rater_widgets._report_html import Page, Section, file_html, notebook_html
from rater_widgets._report_load import ReportInput, load
from rater_widgets.rubric import Rubric

__all__ = ["Report", "report"]

#: Items listed in the disagreement table; rows of the content table.
MAX_DISAGREEMENT_ROWS = 50
MAX_CONTENT_ROWS = 2000


class Report:
    """A built report: ``charts`` (name -> Altair chart), ``tables`` (name -> Polars
    frame), ``notes`` (what could not be computed, and why); ``save(path)`` writes one
    self-contained HTML file. Displayed in a notebook it shows the charts as images.

    >>> r = rw.report(w, title="Pilot")        # doctest: +SKIP
    >>> sorted(r.charts)                       # doctest: +SKIP
    ['agreement', 'disagreements', 'progress', 'time_per_item']
    >>> r.save("pilot.html")                   # doctest: +SKIP
    PosixPath('pilot.html')
    """

    def __init__(self, page: Page) -> None:
        self._page = page
        self._notebook: str | None = None

    @property
    def title(self) -> str:
        """The report's title."""
        return self._page.title

    @property
    def charts(self) -> dict[str, Any]:
        """Name -> Altair chart; each displays on its own in a notebook."""
        return self._page.charts

    @property
    def tables(self) -> dict[str, pl.DataFrame]:
        """Name -> the (small) Polars frame behind a chart or a table of the report."""
        return self._page.tables

    @property
    def notes(self) -> list[str]:
        """What was left out and why (one annotator, undefined statistics, ...)."""
        return self._page.notes

    @property
    def include_content(self) -> bool:
        """Whether the saved file holds item content and free-text answers."""
        return self._page.include_content

    def to_html(self) -> str:
        """The self-contained HTML document (what :meth:`save` writes)."""
        return file_html(self._page)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the report as one HTML file that opens with no network; returns the path.

        >>> rw.report(w).save("report.html")   # doctest: +SKIP
        PosixPath('report.html')
        """
        target = Path(path)
        if target.suffix.lower() not in (".html", ".htm"):
            raise ValueError(f"a report is an HTML file: give a path ending in .html, not {path!r}")
        if not target.parent.is_dir():
            raise FileNotFoundError(f"cannot write {str(target)!r}: the folder does not exist")
        text = self.to_html()
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(target)  # a reader never sees half a report
        return target

    def _repr_html_(self) -> str:
        if self._notebook is None:
            self._notebook = notebook_html(self._page)
        return self._notebook

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, str]:
        return {"text/html": self._repr_html_(), "text/plain": repr(self)}

    def __repr__(self) -> str:
        scope = "with item content" if self.include_content else "ids, labels and statistics"
        return (
            f"Report({self.title!r}: {len(self.charts)} charts, {len(self.tables)} tables, {scope})"
        )


def report(
    source: Any,
    *,
    study: str | None = None,
    out: str | os.PathLike[str] | None = None,
    include_content: bool = False,
    title: str | None = None,
    field: str | Sequence[str] | None = None,
    rubric: Rubric | None = None,
    suggestion: str | Mapping[str, str] | None = None,
    gold: Any = None,
    data: Any = None,
    history: Any = None,
    ci: float = 0.95,
    n_boot: int = 1000,
    progress: Callable[[str], None] | None = None,
) -> Report:
    """Build a report of a study; with ``out=`` also write it as one HTML file.

    ``source``: a rater widget; a store, its path or URL (``study=`` picks the study when
    it holds several; the rubric comes from the study's manifest); or an annotations
    frame (``id``, ``annotator``, one column per field, like ``w.annotations``) with an
    optional ``rubric=``. ``field``: the label field(s) to analyse (default: every
    choice, scale, flag and number field; the first single-choice one drives the
    model-vs-human, gold and annotator views). ``suggestion``: the column of model labels
    (``suggested_<field>`` columns of widgets and stores are found by themselves).
    ``gold``: a column of known answers, or a frame with ``id`` and the answer.
    ``data``: the source frame (``id`` plus content columns), for ``include_content`` or
    a ``suggestion`` column that lives there. ``history``: every revision (e.g.
    ``w.history``) for the progress chart of a frame source. ``ci``/``n_boot``: the
    bootstrap of the agreement and Bradley–Terry intervals. ``progress``: called with a
    short message before each step (the CLI prints them).

    >>> r = rw.report(w, out="report.html")                      # doctest: +SKIP
    >>> r = rw.report("study.sqlite", study="pilot")              # doctest: +SKIP
    >>> r = rw.report(ann, rubric=rubric, suggestion="model")     # doctest: +SKIP
    """
    say = progress or (lambda _msg: None)
    if not isinstance(include_content, bool):
        raise TypeError(f"include_content must be True or False, got {include_content!r}")
    say("reading annotations")
    inp = load(source, study=study, rubric=rubric, field=field, suggestion=suggestion,
               gold=gold, data=data, history=history)  # fmt: skip
    if inp.annotations.height == 0:
        raise ValueError(f"there are no annotations to report on ({inp.source})")
    say(f"computing statistics over {inp.annotations.height:,} annotations")
    page = _build(inp, include_content=include_content, title=title, ci=ci, n_boot=n_boot)
    result = Report(page)
    if out is not None:
        say(f"writing {out}")
        result.save(out)
    return result


# ------------------------------------------------------------------ assembly


def _charts() -> Any:
    """The chart module; Altair is an optional dependency, imported when first needed."""
    try:
        from rater_widgets import _report_charts
    except ImportError as e:
        raise ImportError(
            f"rw.report needs Altair and vl-convert-python ({e}): "
            "pip install 'rater_widgets[report]'"
        ) from e
    return _report_charts


def _build(
    inp: ReportInput, *, include_content: bool, title: str | None, ci: float, n_boot: int
) -> Page:
    charts = _charts()
    notes: list[str] = []
    page = Page(
        title=title or f"Annotation report: {inp.study or 'study'}",
        facts=_facts(inp),
        sections=[],
        charts={},
        tables={},
        notes=notes,
        include_content=include_content,
    )
    if not inp.fields and inp.comparisons is None:
        notes.append(
            "no label fields to analyse: pass rubric= or field= (String columns are treated "
            "as free text unless named)"
        )

    def add(key: str, title: str, text: str, chart: Any = None,
            tables: Mapping[str, pl.DataFrame | None] | None = None) -> None:  # fmt: skip
        section = Section(key, title, text)
        if chart is not None:
            page.charts[key] = chart
            section.charts.append(key)
        for name, table in (tables or {}).items():
            if table is not None:
                page.tables[name] = table
                section.tables.append(name)
        if section.charts or section.tables:
            page.sections.append(section)

    agree = st.agreement(inp, notes, ci=ci, n_boot=n_boot)
    if agree is not None:
        add("agreement", "Agreement",
            f"Chance-corrected agreement per field, with {ci:.0%} bootstrap intervals over "
            f"items ({n_boot} resamples).",
            charts.agreement(agree), {"agreement": agree})  # fmt: skip
    kappas = st.pairwise_kappa(inp, notes)
    if kappas is not None and inp.primary is not None:
        add("pairwise_kappa", "Agreement between annotators",
            "Cohen's kappa for each pair of annotators on the items both answered.",
            charts.pairwise_kappa(kappas, inp.primary.name))  # fmt: skip
        page.tables["pairwise_kappa"] = kappas
    found = st.disagreement_tables(inp, MAX_DISAGREEMENT_ROWS)
    if found is not None:
        add(
            "disagreements",
            "Disagreements",
            "Items answered by two or more annotators who gave different labels; the table "
            f"lists the first {MAX_DISAGREEMENT_ROWS} (ids and labels only).",
            charts.disagreements(found[0]),
            {"disagreements": found[0], "disagreement_items": found[1]},
        )
    for fname, table in st.confusion(inp, notes).items():
        add(f"confusion_{fname}", f"Model vs humans: {fname}",
            "Rows: the model's label (suggestion); columns: the human majority; colour: share "
            "of the column. Items without a majority are left out.",
            charts.confusion(table, fname), {f"confusion_{fname}": table})  # fmt: skip
    gold = st.gold_accuracy(inp, notes, ci=ci)
    if gold is not None:
        add("gold_accuracy", "Gold accuracy",
            "Each annotator's accuracy on items with a known answer.",
            charts.gold_accuracy(gold), {"gold_accuracy": gold})  # fmt: skip
    rates = st.win_rates(inp, notes, ci=ci)
    if rates is not None and rates.height:
        add("win_rates", "Win rates",
            "How often each model's response was preferred to each other model's (Wilson "
            "intervals in the table).", charts.win_rates(rates), {"win_rates": rates})  # fmt: skip
    bt = st.bradley_terry(inp, notes, ci=ci, n_boot=n_boot)
    if bt is not None and bt.height:
        add("bradley_terry", "Bradley–Terry strengths",
            "Log-strengths fitted to all comparisons (ties count half), with bootstrap "
            "intervals.", charts.bradley_terry(bt), {"bradley_terry": bt})  # fmt: skip
    bias = st.position_bias(inp, notes, ci=ci)
    if bias is not None and bias.height:
        add("position_bias", "Position bias",
            "Share of decisive judgments won by the response shown on the left, per annotator "
            "(50% = no bias).", None, {"position_bias": bias})  # fmt: skip
    durations = st.durations(inp, notes)
    if durations is not None:
        add("time_per_item", "Time per item",
            "Seconds each item was on screen (tab visible), per annotator.",
            charts.durations(durations), {"time_per_item": durations})  # fmt: skip
    prog = st.progress(inp)
    if prog is not None:
        add("progress", "Progress over time",
            "Items answered per annotator (first answers; revisions do not count again).",
            charts.progress(*prog))  # fmt: skip
    add("annotators", "Annotators",
        "Answers, median seconds per item, agreement with the other annotators' majority on "
        "the main field (over n_compared items), and its drift from the first to the second "
        "half of each annotator's work.", None,
        {"annotators": st.annotator_table(inp, notes, gold)})  # fmt: skip
    if include_content:
        page.content, page.content_note = _content(inp)
    return page


def _facts(inp: ReportInput) -> list[tuple[str, str]]:
    from rater_widgets import __version__

    ann = inp.annotations
    facts = [
        ("study", inp.study or "–"),
        ("source", inp.source),
        ("annotations", f"{ann.height:,}"),
        ("items", f"{ann.get_column('id').n_unique():,}"),
        ("annotators", f"{ann.get_column('annotator').n_unique():,}"),
    ]
    if inp.rubric is not None:
        facts.append(("rubric", inp.rubric.rubric_hash[:12]))
    now = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    facts += [("generated", now), ("rater_widgets", __version__)]
    return facts


def _content(inp: ReportInput) -> tuple[pl.DataFrame | None, str]:
    """Items with their content and every annotator's answers, free text included."""
    ann = inp.annotations
    labels = [f.name for f in inp.fields]
    answers = ann.select(
        pl.col("id"),
        "annotator",
        *labels,
        *[c for c in inp.text_fields if c not in labels],
    )
    if inp.content is not None:
        src = inp.content.with_columns(pl.col("id").cast(ann.schema["id"], strict=False))
        answers = src.join(answers, on="id", how="inner").select(
            "id", "annotator", *[c for c in src.columns if c != "id"],
            *[c for c in answers.columns if c not in ("id", "annotator")],
        )  # fmt: skip
        note = "Source columns and each annotator's answers, including free text."
    else:
        note = (
            "Each annotator's answers, including free text. The store holds no item "
            "content: pass data= (the source frame) to include it."
        )
    answers = answers.sort("id", "annotator")
    if answers.height > MAX_CONTENT_ROWS:
        note += f" The first {MAX_CONTENT_ROWS:,} of {answers.height:,} rows are shown."
        answers = answers.head(MAX_CONTENT_ROWS)
    return answers, note
