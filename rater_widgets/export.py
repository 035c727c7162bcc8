"""Exports: annotations out of the widgets into the files and frames other tools read.

Sections (one per kind of export; add new ones below the last):

1. Pairwise comparisons in long form (:func:`comparisons`).
2. Rankings to pairwise comparisons (:func:`rank_to_pairs`).
3. Preference pairs for DPO / reward-model training (:func:`preference_pairs`,
   :func:`write_preference_pairs`).
4. Study bundles: manifest, rubric, ids, annotations and history in one folder
   (:func:`study_bundle`; read back with ``rw.load_study``).

Every function returns a Polars frame; ``.to_pandas()`` and ``.to_arrow()`` give the
other two.

>>> import rater_widgets as rw
>>> pairs = rw.export.preference_pairs(w)            # doctest: +SKIP
>>> rw.export.write_preference_pairs("dpo.jsonl", w)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import polars as pl

from rater_widgets.frames import to_polars

if TYPE_CHECKING:
    from rater_widgets.widgets.pairwise import PairwiseRater
    from rater_widgets.widgets.rank import RankRater

__all__ = [
    "comparisons",
    "preference_pairs",
    "rank_to_pairs",
    "study_bundle",
    "write_preference_pairs",
]

_WINNER = pl.Enum(["a", "b", "tie", "both_bad"])


def _pairwise_widget(source: Any) -> PairwiseRater | None:
    from rater_widgets.widgets.pairwise import PairwiseRater

    return source if isinstance(source, PairwiseRater) else None


def _rank_widget(source: Any) -> RankRater | None:
    from rater_widgets.widgets.rank import RankRater

    return source if isinstance(source, RankRater) else None


# ================================================================ 1. pairwise comparisons


def comparisons(source: Any, criteria: Sequence[str] | None = None) -> pl.DataFrame:
    """Pairwise annotations in long form: one row per (item, annotator, criterion).

    ``source``: a ``PairwiseRater`` or its annotations frame (``w.annotations``, a
    pandas frame, a study bundle's table). Columns: ``id``, ``annotator``, ``criterion``,
    ``shown_left``, ``preference`` (positive = column a better), ``winner`` (a, b, tie,
    both_bad), and ``model_a``/``model_b`` when known (a widget without ``models=``
    names the sides after its response columns).

    A frame with one ``winner`` column is one criterion, named ``criteria[0]`` (default
    ``"overall"``); ``winner_<c>`` columns are one criterion each. A frame that already
    has a ``criterion`` column is returned as it is.

    >>> ann = pl.DataFrame({"id": [1], "annotator": ["ana"], "shown_left": ["b"],
    ...                     "preference": [-2], "winner": ["b"]})
    >>> comparisons(ann).select("criterion", "preference", "winner").row(0)
    ('overall', -2, 'b')
    """
    w = _pairwise_widget(source)
    if w is not None:
        ann = w.annotations
        criteria = w._criteria
        if not w._models:
            ann = ann.with_columns(model_a=pl.lit(w._a), model_b=pl.lit(w._b))
    else:
        ann = to_polars(source, "annotations")
        if "criterion" in ann.columns:
            return ann
    _require(ann, ["id", "annotator", "shown_left"], "annotations")
    if "winner" in ann.columns:
        names = [criteria[0] if criteria else "overall"]
        keys = {names[0]: ("preference", "winner")}
    else:
        found = [c.removeprefix("winner_") for c in ann.columns if c.startswith("winner_")]
        names = list(criteria) if criteria and len(criteria) > 1 else found
        if not names:
            raise ValueError(
                "the annotations have no 'winner' or 'winner_<criterion>' column: are they "
                f"from a PairwiseRater? Columns: {ann.columns}"
            )
        keys = {c: (f"preference_{c}", f"winner_{c}") for c in names}
    models = [m for m in ("model_a", "model_b") if m in ann.columns]
    parts = []
    for c, (pref, win) in keys.items():
        _require(ann, [pref, win], "annotations")
        parts.append(
            ann.select(
                "id",
                "annotator",
                pl.lit(c, dtype=pl.String).alias("criterion"),
                pl.col("shown_left").cast(pl.Enum(["a", "b"])),
                pl.col(pref).cast(pl.Int8).alias("preference"),
                pl.col(win).cast(pl.String).cast(_WINNER).alias("winner"),
                *[pl.col(m).cast(pl.String) for m in models],
            )
        )
    return pl.concat(parts).sort("id", "annotator", "criterion", maintain_order=True)


# ================================================================ 2. rankings to pairs


def rank_to_pairs(source: Any, models: Sequence[str] | None = None) -> pl.DataFrame:
    """Every ranking as pairwise comparisons: for each item and annotator, one row per
    pair of responses (i < j in the original order).

    ``source``: a ``RankRater`` or its annotations (a ``ranks`` list column, optionally
    a ``models`` list column). Model names come from the ``models`` column, else from
    ``models=`` (one name per response), else the widget's response columns, else
    ``response_1``, ``response_2``... Columns: ``id``, ``annotator``, ``model_a``,
    ``model_b``, ``winner`` (a, b, tie: the lower rank wins), ``margin`` (the rank
    difference), ``response_a``/``response_b`` (0-based indices of the responses).

    >>> ann = pl.DataFrame({"id": [1], "annotator": ["ana"], "ranks": [[2, 1, 2]]})
    >>> rank_to_pairs(ann, models=["x", "y", "z"]).select("model_a", "model_b", "winner").rows()
    [('x', 'y', 'b'), ('x', 'z', 'tie'), ('y', 'z', 'a')]
    """
    w = _rank_widget(source)
    ann = w.annotations if w is not None else to_polars(source, "annotations")
    _require(ann, ["id", "annotator", "ranks"], "annotations")
    if models is None and w is not None:
        models = w.response_names
    has_models = "models" in ann.columns and ann.get_column("models").null_count() < ann.height
    base = ann.filter(pl.col("ranks").is_not_null()).with_row_index("_row")
    cols = ["ranks", "_i", *(["models"] if has_models else [])]
    long = base.select(
        "_row",
        "id",
        "annotator",
        *(["models"] if has_models else []),
        pl.col("ranks").cast(pl.List(pl.Int64)),
        pl.int_ranges(0, pl.col("ranks").list.len()).alias("_i"),
    ).explode(cols)
    if has_models:
        long = long.rename({"models": "_model"})
    elif models is not None:
        names = list(models)
        too_long = long.filter(pl.col("_i") >= len(names)).height
        if too_long:
            raise ValueError(f"models= names {len(names)} responses, but some rankings have more")
        long = long.with_columns(
            pl.col("_i")
            .replace_strict(dict(enumerate(names)), return_dtype=pl.String)
            .alias("_model")
        )
    else:
        long = long.with_columns(pl.format("response_{}", pl.col("_i") + 1).alias("_model"))
    right = long.select("_row", "_i", "ranks", "_model")
    pairs = long.join(right, on="_row", suffix="_b").filter(pl.col("_i") < pl.col("_i_b"))
    winner = (
        pl.when(pl.col("ranks") < pl.col("ranks_b"))
        .then(pl.lit("a"))
        .when(pl.col("ranks") > pl.col("ranks_b"))
        .then(pl.lit("b"))
        .otherwise(pl.lit("tie"))
    )
    return pairs.sort("_row", "_i", "_i_b").select(
        "id",
        "annotator",
        pl.col("_model").cast(pl.String).alias("model_a"),
        pl.col("_model_b").cast(pl.String).alias("model_b"),
        winner.cast(pl.Enum(["a", "b", "tie"])).alias("winner"),
        (pl.col("ranks") - pl.col("ranks_b")).abs().cast(pl.Int8).alias("margin"),
        pl.col("_i").cast(pl.Int8).alias("response_a"),
        pl.col("_i_b").cast(pl.Int8).alias("response_b"),
    )


# ================================================================ 3. preference pairs (DPO)


def preference_pairs(
    source: Any,
    data: Any = None,
    *,
    prompt: str | None = None,
    a: str | None = None,
    b: str | None = None,
    responses: str | Sequence[str] | None = None,
    id: str | None = None,
    criteria: Sequence[str] | None = None,
    keep_ties: bool = False,
    keep_both_bad: bool = False,
) -> pl.DataFrame:
    """Preference pairs for DPO / TRL / reward-model training: ``prompt``, ``chosen``,
    ``rejected``, then ``margin``, ``annotator``, ``id``, ``criterion``, ``winner`` (and
    ``chosen_model``/``rejected_model`` when the models are known).

    THE RESULT CONTAINS ITEM CONTENT (prompts and responses): that is what training data
    is. Treat the frame and any file written from it like the source data; exports
    that must not carry content use ``w.annotations`` instead.

    ``source``: a ``PairwiseRater`` or ``RankRater`` (columns and source rows come from
    the widget), or an annotations frame, then ``data`` is the source frame and
    ``prompt``/``a``/``b`` (pairwise) or ``responses`` (ranking: a list of columns or
    one list column) and ``id`` name its columns (defaults: ``"prompt"``,
    ``"response_a"``, ``"response_b"``, ``"id"``). Each annotator's judgment is its own
    row (several annotators of one item give several rows).

    ``margin`` is ``|preference|`` (the strength on the scale; for rankings the rank
    difference). Ties (``margin`` 0) and both-bad judgments carry no preference and
    are DROPPED by default; ``keep_ties=True`` / ``keep_both_bad=True`` keep them (then
    ``chosen`` is column a and ``rejected`` column b, and ``winner`` says which it was).

    >>> pairs = preference_pairs(w)                  # doctest: +SKIP
    >>> pairs.to_pandas(), pairs.to_arrow()          # doctest: +SKIP
    """
    rank = _rank_widget(source)
    if rank is not None or (responses is not None and a is None and b is None):
        return _rank_preference_pairs(
            source, data, prompt=prompt, responses=responses, id=id, keep_ties=keep_ties
        )
    w = _pairwise_widget(source)
    if w is not None:
        data = w._frame if data is None else data
        id = id or w._id_col
        a, b = a or w._a, b or w._b
        prompt = prompt or (w._prompt_cols[0] if w._prompt_cols else None)
        criteria = criteria or w._criteria
    if data is None:
        raise ValueError("pass data=: the source frame the annotations were made on")
    long = comparisons(source, criteria)
    keep = ["a", "b", *(["tie"] if keep_ties else []), *(["both_bad"] if keep_both_bad else [])]
    long = long.filter(pl.col("winner").cast(pl.String).is_in(keep))
    a, b, id = a or "response_a", b or "response_b", id or "id"
    joined = _with_source(long, data, id=id, prompt=prompt, columns=[a, b])
    b_won = pl.col("winner") == "b"
    out = [
        pl.col("_prompt").alias("prompt"),
        pl.when(b_won).then(pl.col(b)).otherwise(pl.col(a)).alias("chosen"),
        pl.when(b_won).then(pl.col(a)).otherwise(pl.col(b)).alias("rejected"),
        pl.col("preference").abs().cast(pl.Int8).alias("margin"),
        "annotator",
        "id",
        "criterion",
        pl.col("winner"),
    ]
    if "model_a" in joined.columns and (w is None or w._models):
        out += [
            pl.when(b_won)
            .then(pl.col("model_b"))
            .otherwise(pl.col("model_a"))
            .alias("chosen_model"),
            pl.when(b_won)
            .then(pl.col("model_a"))
            .otherwise(pl.col("model_b"))
            .alias("rejected_model"),
        ]
    return joined.select(out)


def _rank_preference_pairs(
    source: Any,
    data: Any,
    *,
    prompt: str | None,
    responses: str | Sequence[str] | None,
    id: str | None,
    keep_ties: bool,
) -> pl.DataFrame:
    w = _rank_widget(source)
    if w is not None:
        data = w._frame if data is None else data
        id = id or w._id_col
        responses = responses or (w._responses[0] if w._list else w._responses)
        prompt = prompt or (w._prompt_cols[0] if w._prompt_cols else None)
    if data is None:
        raise ValueError("pass data=: the source frame the rankings were made on")
    if responses is None:
        raise ValueError("pass responses=: the response columns (or list column) that were ranked")
    pairs = rank_to_pairs(source)
    if not keep_ties:
        pairs = pairs.filter(pl.col("winner") != "tie")
    cols = [responses] if isinstance(responses, str) else list(responses)
    texts = pl.col(cols[0]) if isinstance(responses, str) else pl.concat_list(cols)
    joined = _with_source(pairs, data, id=id or "id", prompt=prompt, columns=cols, pick=texts)
    b_won = pl.col("winner") == "b"
    first = pl.col("_responses").list.get(pl.col("response_a").cast(pl.Int64))
    second = pl.col("_responses").list.get(pl.col("response_b").cast(pl.Int64))
    return joined.select(
        pl.col("_prompt").alias("prompt"),
        pl.when(b_won).then(second).otherwise(first).alias("chosen"),
        pl.when(b_won).then(first).otherwise(second).alias("rejected"),
        "margin",
        "annotator",
        "id",
        pl.lit("rank", dtype=pl.String).alias("criterion"),
        pl.col("winner").cast(pl.String).cast(_WINNER),
        pl.when(b_won).then(pl.col("model_b")).otherwise(pl.col("model_a")).alias("chosen_model"),
        pl.when(b_won).then(pl.col("model_a")).otherwise(pl.col("model_b")).alias("rejected_model"),
    )


def write_preference_pairs(
    path: str | Path,
    source: Any,
    data: Any = None,
    *,
    format: Literal["jsonl", "parquet"] | None = None,
    **kwargs: Any,
) -> pl.DataFrame:
    """Write :func:`preference_pairs` to a file and return the frame written.

    ``format="jsonl"`` (DPO/TRL style: one JSON object per line with ``prompt``,
    ``chosen``, ``rejected``, ...; chat messages stay lists of ``{role, content}``) or
    ``"parquet"``; by default taken from the suffix (``.jsonl``/``.ndjson``/``.json``,
    ``.parquet``). Other keyword arguments go to :func:`preference_pairs`. The file
    holds item content: see there.

    >>> write_preference_pairs("dpo.jsonl", w)  # doctest: +SKIP
    """
    path = Path(path)
    if format is None:
        suffix = path.suffix.lower()
        format = (
            "jsonl"
            if suffix in (".jsonl", ".ndjson", ".json")
            else "parquet"
            if suffix == ".parquet"
            else None
        )
        if format is None:
            raise ValueError(
                f"cannot tell the format from {path.name!r}: use a .jsonl or .parquet "
                "suffix, or format='jsonl' / 'parquet'"
            )
    if format not in ("jsonl", "parquet"):
        raise ValueError(f"format={format!r}: use 'jsonl' or 'parquet'")
    pairs = preference_pairs(source, data, **kwargs)
    if format == "jsonl":
        # Enums as plain strings: every JSON reader takes them
        pairs.with_columns(pl.selectors.enum().cast(pl.String)).write_ndjson(path)
    else:
        pairs.write_parquet(path)
    return pairs


# ================================================================ 4. study bundles


def study_bundle(
    source: Any,
    path: str | Path,
    *,
    study: str | None = None,
    data: Any = None,
    include_content: bool = False,
    overwrite: bool = False,
) -> Path:
    """Write a study to one folder that ``rw.load_study(path)`` reads back anywhere, with
    no widget and no browser; returns the folder.

    ``source``: a rater widget, or a store (path, URL or open store) with ``study=``
    (optional when the store holds one study). The folder holds ``manifest.json``,
    ``rubric.json``, ``items.parquet`` (ids and per-item data hashes),
    ``annotations.parquet`` (typed latest answers), ``history.parquet`` (every revision)
    and ``README.txt``.

    Item content (the columns the widget shows) goes into ``items.parquet`` ONLY with
    ``include_content=True``; README.txt and ``manifest["bundle"]["contains_item_content"]``
    say so, and the folder is then created readable by its owner only. Stores hold no
    item content, so a store source needs ``data=`` (the frame, or a Parquet/JSONL/CSV
    file) for that; data that differs from the study's fingerprint gives a UserWarning.
    An existing bundle is replaced only with ``overwrite=True``.

    >>> rw.export.study_bundle(w, "pilot-bundle")                           # doctest: +SKIP
    >>> rw.export.study_bundle("study.sqlite", "b", study="pilot")          # doctest: +SKIP
    >>> rw.export.study_bundle(w, "with-content", include_content=True)     # doctest: +SKIP
    """
    from rater_widgets.bundle import write_bundle

    return write_bundle(
        source, path, study=study, data=data, include_content=include_content, overwrite=overwrite
    )


# ================================================================ helpers


def _require(frame: pl.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} lack column(s) {missing}; columns are {frame.columns}")


def _with_source(
    pairs: pl.DataFrame,
    data: Any,
    *,
    id: str,
    prompt: str | None,
    columns: Sequence[str],
    pick: pl.Expr | None = None,
) -> pl.DataFrame:
    """``pairs`` joined with the source rows they refer to: ``_prompt`` plus ``columns``
    (or ``pick`` as ``_responses``). Only the annotated rows of ``data`` are touched, so
    a million-row source costs a filter, not a copy."""
    frame = to_polars(data, "data")
    _require(frame, [id, *columns, *([prompt] if prompt else [])], "data")
    key, ids = pl.col(id), pairs.get_column("id")
    if frame.schema[id] != ids.dtype:  # e.g. ids read back from a file as text
        key, ids = key.cast(pl.String), ids.cast(pl.String)
    prompt_col = pl.col(prompt) if prompt else pl.lit(None, dtype=pl.String)
    wanted = [pick.alias("_responses")] if pick is not None else [pl.col(c) for c in columns]
    src = frame.filter(key.is_in(ids.unique().implode())).select(
        key.alias("_key"), prompt_col.alias("_prompt"), *wanted
    )
    keyed = pairs.with_columns(ids.alias("_key"))
    missing = keyed.filter(~pl.col("_key").is_in(src.get_column("_key").implode()))
    if missing.height:
        shown = missing.get_column("id").unique(maintain_order=True).head(5).to_list()
        raise ValueError(
            f"{missing.height} annotation(s) refer to ids missing from data, e.g. {shown}"
        )
    return keyed.join(src, on="_key", how="left", maintain_order="left")
