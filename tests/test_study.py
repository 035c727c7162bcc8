"""Study manifests (data fingerprint, change warnings) and study bundles (write, load,
analyse without a widget), against real SQLite stores."""

from __future__ import annotations

import json
import os
import stat
import warnings
from pathlib import Path

import polars as pl
import pytest

import rater_widgets as rw
from rater_widgets.store import open_store
from rater_widgets.study import DataIndex, compare, fingerprint


@pytest.fixture
def rubric():
    return rw.Rubric(
        [
            rw.Choice("verdict", ["safe", "borderline", "violating"], required=True),
            rw.Text("rationale"),
        ]
    )


@pytest.fixture
def df():
    return pl.DataFrame(
        {
            "id": [10, 11, 12, 13],
            "prompt": ["p0", "p1", "p2", "p3"],
            "text": ["SECRET-alpha", "SECRET-beta", "SECRET-gamma", "SECRET-delta"],
        }
    )


def make(df, rubric, tmp_path, **kw):
    kw.setdefault("annotator", "ana")
    kw.setdefault("study", "pilot")
    return rw.ItemRater(
        df, rubric, content="text", context=["prompt"], store=str(tmp_path / "s.sqlite"), **kw
    )


# ------------------------------------------------------------ fingerprint


def test_item_hash_is_the_published_xxh64():
    # XXH64("abc", seed 0) = 0x44BC2CF5AD770999 (the xxHash reference value); the index
    # keeps its low 32 bits. A Polars upgrade cannot change this.
    idx = fingerprint(pl.DataFrame({"id": [7], "text": ["abc"]}), columns=["text"])
    assert idx.hashes.to_list() == [0xAD770999]


def test_fingerprint_ignores_row_order_and_id_type_but_not_content():
    a = fingerprint(pl.DataFrame({"id": [1, 2], "t": ["x", "y"]}))
    assert a.fingerprint == fingerprint(pl.DataFrame({"id": [2, 1], "t": ["y", "x"]})).fingerprint
    assert (
        a.fingerprint == fingerprint(pl.DataFrame({"id": ["1", "2"], "t": ["x", "y"]})).fingerprint
    )
    assert a.fingerprint != fingerprint(pl.DataFrame({"id": [1, 2], "t": ["x", "y!"]})).fingerprint
    # a value moved between columns is a different item
    two = fingerprint(pl.DataFrame({"id": [1], "a": ["xy"], "b": [""]}))
    assert (
        two.fingerprint
        != fingerprint(pl.DataFrame({"id": [1], "a": ["x"], "b": ["y"]})).fingerprint
    )


def test_fingerprint_tells_null_from_empty_and_hashes_nested_and_binary():
    base = {"id": [1], "chat": [[{"role": "user", "content": "hi"}]], "img": [b"\x89PNG"]}
    idx = fingerprint(pl.DataFrame(base))
    other_chat = {**base, "chat": [[{"role": "user", "content": "hello"}]]}
    assert idx.fingerprint != fingerprint(pl.DataFrame(other_chat)).fingerprint
    assert idx.fingerprint != fingerprint(pl.DataFrame({**base, "img": [b"\x89PNH"]})).fingerprint
    empty = fingerprint(pl.DataFrame({"id": [1], "t": [""]}))
    null = fingerprint(
        pl.DataFrame({"id": [1], "t": [None]}, schema={"id": pl.Int64, "t": pl.String})
    )
    assert empty.fingerprint != null.fingerprint


def test_index_round_trips_through_the_manifest_and_compare_names_ids():
    a = fingerprint(pl.DataFrame({"id": list(range(1000)), "t": [f"x{i}" for i in range(1000)]}))
    back = DataIndex.from_manifest(json.loads(json.dumps(a.to_manifest())))
    assert back.ids.equals(a.ids)
    assert back.hashes.equals(a.hashes)
    assert back.fingerprint == a.fingerprint
    new = pl.DataFrame(
        {"id": [*range(1, 1000), 5000], "t": [f"x{i}" for i in range(1, 1000)] + ["n"]}
    )
    new = new.with_columns(
        pl.when(pl.col("id") == 7).then(pl.lit("edited")).otherwise("t").alias("t")
    )
    change = compare(back, fingerprint(new))
    assert change.added.to_list() == ["5000"]
    assert change.removed.to_list() == ["0"]
    assert change.changed.to_list() == ["7"]


# ------------------------------------------------------------ manifest in the store


def test_first_use_records_the_manifest(df, rubric, tmp_path):
    w = make(df, rubric, tmp_path, seed=3)
    m = w.store.get_manifest("pilot")
    assert m["rubric_hash"] == rubric.rubric_hash
    assert m["seed"] == 3
    assert m["package_version"] == rw.__version__
    assert m["store"] == w.store.url
    assert m["data"]["n_items"] == 4
    assert m["data"]["columns"] == ["prompt", "text"]
    assert m["data"]["fingerprint"] == fingerprint(df, columns=["prompt", "text"]).fingerprint
    assert m["columns"]["content"] == ["text"]
    assert m["columns"]["context"] == ["prompt"]
    # no item content in the manifest: only hashes
    assert "SECRET" not in json.dumps(m)


def test_reopening_with_the_same_data_is_silent(df, rubric, tmp_path):
    make(df, rubric, tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make(df.reverse(), rubric, tmp_path, annotator="bo")  # row order is not data


def test_reopening_with_changed_data_warns_with_counts_and_examples(df, rubric, tmp_path):
    make(df, rubric, tmp_path)
    before = open_store(tmp_path / "s.sqlite").get_manifest("pilot")
    changed = pl.concat(
        [
            df.filter(pl.col("id") != 13).with_columns(
                pl.when(pl.col("id") == 11).then(pl.lit("edited")).otherwise("text").alias("text")
            ),
            pl.DataFrame({"id": [99, 98], "prompt": ["p", "p"], "text": ["new", "new"]}),
        ]
    )
    with pytest.warns(UserWarning, match="started on other data") as caught:
        make(changed, rubric, tmp_path, annotator="bo")
    msg = str(caught[0].message)
    assert "'pilot'" in msg
    assert str(tmp_path / "s.sqlite") in msg
    assert "2 item(s) added (e.g. '98', '99')" in msg
    assert "1 removed (e.g. '13')" in msg
    assert "1 changed (e.g. '11')" in msg
    assert caught[0].filename == __file__  # points at the caller, not inside the package
    # the record of what the study was started on is kept
    assert open_store(tmp_path / "s.sqlite").get_manifest("pilot") == before


def test_changed_rubric_still_warns(df, rubric, tmp_path):
    make(df, rubric, tmp_path)
    other = rw.Rubric([rw.Choice("verdict", ["ok", "bad"], required=True)])
    with pytest.warns(UserWarning, match=r"study 'pilot' in .* another rubric"):
        make(df, other, tmp_path)


def test_a_manifest_without_data_gets_its_data_section(df, rubric, tmp_path):
    store = open_store(tmp_path / "s.sqlite")
    store.put_manifest("pilot", {"rubric": rubric.to_dict(), "rubric_hash": rubric.rubric_hash})
    make(df, rubric, tmp_path)
    assert store.get_manifest("pilot")["data"]["n_items"] == 4


def test_study_change_lists_the_ids(df, rubric, tmp_path):
    w = make(df, rubric, tmp_path)
    change = rw.study.study_change(w.store, "pilot", df.head(3))
    assert change.removed.to_list() == ["13"]
    assert not change.added.len()


# ------------------------------------------------------------ bundles


def _label(w):
    w.submit({"verdict": "safe"}, item=10)
    w.submit({"verdict": "violating", "rationale": "insult"}, item=11)
    w.skip(item=12)


def test_bundle_round_trip_without_content(df, rubric, tmp_path):
    w = make(df, rubric, tmp_path)
    _label(w)
    out = rw.export.study_bundle(w, tmp_path / "bundle")
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        ["manifest.json", "rubric.json", "items.parquet", "annotations.parquet",
         "history.parquet", "README.txt"]
    )  # fmt: skip
    for path in out.iterdir():  # no item text anywhere in the folder
        assert b"SECRET" not in path.read_bytes(), path.name
    readme = (out / "README.txt").read_text()
    assert "contains NO item content" in readme
    study = rw.load_study(out)
    assert study.name == "pilot"
    assert not study.contains_content
    assert study.annotations.equals(w.annotations)
    assert study.annotations.schema == w.annotations.schema  # Enum columns stay Enum
    assert study.history.equals(w.history)
    assert study.rubric.rubric_hash == rubric.rubric_hash
    assert study.items.columns == ["id", "data_hash"]
    assert study.items.get_column("id").to_list() == [10, 11, 12, 13]
    assert (
        study.manifest["data"]["fingerprint"]
        == w.store.get_manifest("pilot")["data"]["fingerprint"]
    )
    assert "index" not in study.manifest["data"]
    assert not study.check(df)  # the same data
    assert study.check(df.head(2)).removed.to_list() == ["12", "13"]
    assert "Study('pilot', items=4, annotations=2" in repr(study)


def test_bundle_with_content_says_so_and_is_private(df, rubric, tmp_path):
    w = make(df, rubric, tmp_path)
    _label(w)
    out = rw.export.study_bundle(w, tmp_path / "b", include_content=True)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o700
    assert (
        "THIS BUNDLE CONTAINS ITEM CONTENT (columns prompt, text"
        in (out / "README.txt").read_text()
    )
    study = rw.load_study(out)
    assert study.contains_content
    assert study.items.get_column("text").to_list() == df.get_column("text").to_list()
    labeled = study.labeled().filter(pl.col("verdict") == "violating")
    assert labeled.get_column("text").to_list() == ["SECRET-beta"]


def test_stats_run_on_a_loaded_study(df, rubric, tmp_path):
    a = make(df, rubric, tmp_path)
    b = make(df, rubric, tmp_path, annotator="bo")
    for w, verdicts in (
        (a, ["safe", "violating", "safe", "safe"]),
        (b, ["safe", "violating", "borderline", "safe"]),
    ):
        for item, v in zip([10, 11, 12, 13], verdicts, strict=True):
            w.submit({"verdict": v}, item=item)
    study = rw.load_study(rw.export.study_bundle(a, tmp_path / "bundle"))
    assert float(rw.stats.cohen_kappa(study.annotations, "verdict")) == pytest.approx(
        float(rw.stats.cohen_kappa(a.annotations, "verdict"))
    )
    assert study.manifest["bundle"]["annotators"] == ["ana", "bo"]


def test_bundle_from_a_store_without_a_widget_keeps_widget_types(tmp_path):
    data = rw.datasets.pairwise(6, seed=1)
    store = str(tmp_path / "p.sqlite")
    w = rw.PairwiseRater(
        data, store=store, annotator="ana", study="pw", models=["model_a", "model_b"]
    )
    for item in data.get_column("id").head(3):
        w.submit({"preference": 2}, item=item)
    expected = w.annotations
    w.close()
    out = rw.export.study_bundle(store, tmp_path / "b")  # the only study: no study= needed
    study = rw.load_study(out)
    assert study.annotations.select(expected.columns).equals(expected)
    assert study.annotations.schema["winner"] == pl.Enum(["a", "b", "tie", "both_bad"])
    assert study.manifest["columns"]["a"] == "response_a"
    with pytest.raises(ValueError, match="include_content=True needs data="):
        rw.export.study_bundle(store, tmp_path / "c", include_content=True)
    out = rw.export.study_bundle(store, tmp_path / "c", include_content=True, data=data)
    assert (
        rw.load_study(out).items.get_column("response_a").to_list()
        == data.get_column("response_a").to_list()
    )
    edited = data.with_columns(pl.lit("changed").alias("response_b"))
    with pytest.warns(UserWarning, match=r"data= differs .* 6 changed"):
        rw.export.study_bundle(store, tmp_path / "d", include_content=True, data=edited)


def test_bundle_errors_are_clear(df, rubric, tmp_path):
    w = make(df, rubric, tmp_path)
    make(df, rubric, tmp_path, study="other")
    with pytest.raises(ValueError, match=r"holds studies \['other', 'pilot'\]: pass study="):
        rw.export.study_bundle(tmp_path / "s.sqlite", tmp_path / "x")
    with pytest.raises(ValueError, match="no manifest"):
        rw.export.study_bundle(tmp_path / "s.sqlite", tmp_path / "x", study="nope")
    out = rw.export.study_bundle(w, tmp_path / "b")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        rw.export.study_bundle(w, out)
    w.submit({"verdict": "safe"})
    rw.export.study_bundle(w, out, overwrite=True)
    assert rw.load_study(out).annotations.height == 1
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="not a study bundle"):
        rw.export.study_bundle(w, tmp_path / "notes", overwrite=True)
    assert (tmp_path / "notes" / "keep.txt").read_text() == "mine"
    with pytest.raises(FileNotFoundError, match="does not exist"):
        rw.load_study(tmp_path / "missing")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_tampered_bundle_warns(df, rubric, tmp_path):
    w = make(df, rubric, tmp_path)
    w.submit({"verdict": "safe"})
    out = rw.export.study_bundle(w, tmp_path / "b")
    pl.read_parquet(out / "annotations.parquet").with_columns(
        pl.lit("violating").alias("verdict")
    ).write_parquet(out / "annotations.parquet")
    with pytest.warns(UserWarning, match=r"\['annotations.parquet'\] changed"):
        rw.load_study(out)


def test_bundle_path_is_the_result(df, rubric, tmp_path):
    out = rw.export.study_bundle(make(df, rubric, tmp_path), tmp_path / "b")
    assert isinstance(out, Path)
    assert out == tmp_path / "b"


def test_display_options_are_not_data(rubric, tmp_path):
    df = rw.datasets.moderation(8, seed=1)
    store = str(tmp_path / "s.sqlite")
    rw.ItemRater(df, rubric, content="response", context=["prompt"], store=store,
                 annotator="ana", sensitive="sensitive", suggestion="suggestion")  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # another annotator, other display options: same items
        rw.ItemRater(df, rubric, content="response", context=["prompt"], store=store,
                     annotator="bo")  # fmt: skip
    with pytest.warns(UserWarning, match=r"8 changed .* shows columns \['response'\]"):
        rw.ItemRater(df, rubric, content="response", store=store, annotator="cy")


def test_a_report_builds_from_a_loaded_study(df, rubric, tmp_path):
    from rater_widgets.report import report

    for name in ("ana", "bo"):
        w = make(df, rubric, tmp_path, annotator=name)
        for item in (10, 11, 12):
            w.submit({"verdict": "violating" if (item, name) == (11, "bo") else "safe"}, item=item)
    study = rw.load_study(rw.export.study_bundle(w, tmp_path / "b"))
    out = tmp_path / "r.html"
    report(study.annotations, rubric=study.rubric, history=study.history, out=out, n_boot=20)
    page = out.read_text(encoding="utf-8")
    assert "verdict" in page
    assert "SECRET" not in page
