"""`rater-widgets export STORE --format ...` against real SQLite stores made by widgets."""

from __future__ import annotations

import json
import subprocess
import sys

import polars as pl
import pytest

import rater_widgets as rw
from rater_widgets.cli import main


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A store with an ItemRater study ('mod') and a PairwiseRater study ('pw'), the
    source items next to it, and the current folder set to tmp_path."""
    monkeypatch.chdir(tmp_path)
    mod = rw.datasets.moderation(6, seed=2)
    mod.write_parquet(tmp_path / "mod.parquet")
    pairs = rw.datasets.pairwise(8, seed=2)
    pairs.write_parquet(tmp_path / "pairs.parquet")
    rubric = rw.Rubric(
        [
            rw.Choice("verdict", ["safe", "borderline", "violating"], required=True),
            rw.MultiChoice("categories", ["harassment", "medical", "privacy"]),
        ]
    )
    w = rw.ItemRater(mod, rubric, content="response", context=["prompt"], store="s.sqlite",
                     annotator="ana", study="mod")  # fmt: skip
    w.submit({"verdict": "violating", "categories": ["privacy"]}, item=mod["id"][0])
    w.submit({"verdict": "safe"}, item=mod["id"][1])
    w.submit({"verdict": "borderline"}, item=mod["id"][1])  # a second revision
    p = rw.PairwiseRater(pairs, store="s.sqlite", annotator="ana", study="pw")
    for i, item in enumerate(pairs["id"].head(4)):
        p.submit({"preference": [2, -1, 0, 3][i]}, item=item)
    return tmp_path / "s.sqlite"


def run(capsys, *argv):
    code = main(["export", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out.strip(), err


def test_parquet_has_typed_labels_and_no_content(store, capsys):
    code, out, err = run(capsys, store, "--format", "parquet", "--study", "mod")
    assert code == 0, err
    assert out == "mod.annotations.parquet"
    frame = pl.read_parquet(out)
    assert frame.columns == [
        "id",
        "annotator",
        "verdict",
        "categories",
        "duration_ms",
        "updated_at",
    ]
    assert frame.schema["verdict"] == pl.Enum(["safe", "borderline", "violating"])
    assert sorted(frame["verdict"].to_list()) == ["borderline", "violating"]
    assert "reading study 'mod'" in err  # progress lines go to stderr
    assert "writing 2 rows" in err


def test_jsonl_history_and_content_from_data(store, tmp_path, capsys):
    out_path = tmp_path / "h.jsonl"
    code, out, err = run(capsys, store, "--format", "jsonl", "--study", "mod", "--history",
                         "--out", out_path, "--quiet")  # fmt: skip
    assert code == 0, err
    assert err == ""
    rows = [json.loads(line) for line in out_path.read_text().splitlines()]
    assert [r["verdict"] for r in rows] == ["violating", "safe", "borderline"]
    assert "response" not in rows[0]
    code, out, err = run(capsys, store, "--format", "jsonl", "--study", "mod",
                         "--include-content", "--data", tmp_path / "mod.parquet")  # fmt: skip
    assert code == 0, err
    rows = [json.loads(line) for line in (tmp_path / out).read_text().splitlines()]
    source = pl.read_parquet(tmp_path / "mod.parquet")
    first = source.filter(pl.col("id") == rows[0]["id"])
    assert rows[0]["response"] == first["response"][0]
    assert rows[0]["categories"] == ["privacy"]


def test_dpo_pairs_from_the_store_and_the_items(store, tmp_path, capsys):
    code, out, err = run(capsys, store, "--format", "dpo", "--study", "pw",
                         "--data", tmp_path / "pairs.parquet")  # fmt: skip
    assert code == 0, err
    rows = [json.loads(line) for line in (tmp_path / out).read_text().splitlines()]
    assert len(rows) == 3  # the tie (preference 0) carries no preference
    pairs = pl.read_parquet(tmp_path / "pairs.parquet")
    row = rows[0]
    src = pairs.filter(pl.col("id") == row["id"])
    assert row["prompt"] == src["prompt"][0]
    assert {row["chosen"], row["rejected"]} == {src["response_a"][0], src["response_b"][0]}


def test_bundle_format(store, tmp_path, capsys):
    code, out, err = run(capsys, store, "--format", "bundle", "--study", "mod")
    assert code == 0, err
    study = rw.load_study(tmp_path / out)
    assert study.annotations.height == 2
    assert not study.contains_content


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--format", "parquet"], "the store holds studies ['mod', 'pw']: pick one with --study"),
        (["--format", "parquet", "--study", "pv"], "unknown study 'pv'"),
        (["--format", "dpo", "--study", "mod", "--data", "mod.parquet"],
         "study 'mod' was labeled with ItemRater; --format dpo needs a PairwiseRater"),
        (["--format", "dpo", "--study", "pw"], "--format dpo needs --data: stores hold no item"),
        (["--format", "jsonl", "--study", "mod", "--include-content"],
         "--include-content needs --data"),
        (["--format", "jsonl", "--study", "mod", "--include-content", "--data", "pairs.parquet"],
         "lacks column(s) ['response'] that study 'mod' was labeled on"),
        (["--format", "jsonl", "--study", "mod", "--data", "nope.parquet"],
         "--data nope.parquet: no such file"),
    ],
)  # fmt: skip
def test_clear_errors(store, capsys, argv, message):
    code, out, err = run(capsys, store, *argv)
    assert code == 2
    assert out == ""
    assert message in err


def test_missing_store_and_existing_output(store, tmp_path, capsys):
    code, _, err = run(capsys, tmp_path / "nope.sqlite", "--format", "parquet")
    assert code == 2
    assert "no store at" in err
    assert not (tmp_path / "nope.sqlite").exists()  # not created by asking
    assert run(capsys, store, "--format", "parquet", "--study", "mod")[0] == 0
    code, _, err = run(capsys, store, "--format", "parquet", "--study", "mod")
    assert code == 2
    assert "exists; pass --overwrite" in err
    assert run(capsys, store, "--format", "parquet", "--study", "mod", "--overwrite")[0] == 0


def test_help_runs_as_a_command():
    proc = subprocess.run(
        [sys.executable, "-m", "rater_widgets.cli", "export", "--help"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "--format {parquet,jsonl,dpo,bundle}" in proc.stdout
    assert "--include-content" in proc.stdout
