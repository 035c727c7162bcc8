"""Adjudication and review: the lead walks disagreements and skipped/flagged items,
sees every annotator's answer, and stores a final answer under its own role."""

import polars as pl
import pytest

import rater_widgets as rw


@pytest.fixture
def setup(tmp_path):
    df = pl.DataFrame({"id": [1, 2, 3, 4], "text": ["a", "b", "c", "d"]})
    rubric = rw.Rubric(
        [
            rw.Choice("verdict", ["safe", "violating"], required=True),
            rw.MultiChoice("cats", ["x", "y"]),
            rw.Text("why"),
            rw.Flag("escalate"),
        ]
    )
    store = str(tmp_path / "team.sqlite")
    answers = {
        "ana": {1: ("safe", ["x", "y"]), 2: ("violating", []), 3: ("safe", ["y"])},
        "bo": {1: ("safe", ["y", "x"]), 2: ("safe", []), 3: ("safe", ["x"])},
    }
    for who, items in answers.items():
        w = rw.ItemRater(df, rubric, content="text", store=store, annotator=who)
        for item, (verdict, cats) in items.items():
            w.submit({"verdict": verdict, "cats": cats, "why": f"{who} says"}, item=item)
    return df, rubric, store


def test_disagreements_list_items_and_fields(setup):
    df, rubric, store = setup
    w = rw.ItemRater(df, rubric, content="text", store=store, annotator="ana")
    d = w.disagreements
    assert d.get_column("id").to_list() == [2, 3]  # item 1: same set of cats in another order
    assert d.filter(pl.col("id") == 2)["fields"].to_list() == [["verdict"]]
    assert d.filter(pl.col("id") == 3)["fields"].to_list() == [["cats"]]
    only_verdict = rw.ItemRater(df, rubric, content="text", store=store, annotator="ana",
                                disagree_on=["verdict"])  # fmt: skip
    assert only_verdict.disagreements.get_column("id").to_list() == [2]


def test_adjudicate_mode_walks_disagreements_shows_answers_and_stores_final(setup):
    df, rubric, store = setup
    lead = rw.ItemRater(df, rubric, content="text", store=store, annotator="lead",
                        mode="adjudicate")  # fmt: skip
    assert lead.queue.get_column("id").to_list() == [2, 3]
    sent = []
    lead._reply = sent.append
    lead._on_msg(lead, {"type": "hello", "client": {"session": "s", "view": "v"}, "need": []}, [])
    first = sent[0]["items"][0]
    others = {o["annotator"]: o["answer"]["verdict"] for o in first["extra"]["others"]}
    assert others == {"ana": "violating", "bo": "safe"}
    lead.submit({"verdict": "violating", "why": "threat is explicit"})
    adj = lead.adjudications
    assert adj.select("id", "annotator", "verdict").rows() == [(2, "lead", "violating")]
    # the annotators' own answers are untouched; the adjudication is a role of its own
    assert lead.annotations.height == 6
    roles = lead.history.group_by("role").len().sort("role").rows()
    assert roles == [("adjudicator", 1), ("annotator", 6)]
    # resume: the next adjudication session starts at item 3
    again = rw.ItemRater(df, rubric, content="text", store=store, annotator="lead",
                         mode="adjudicate")  # fmt: skip
    assert again.current == 3


def test_review_mode_serves_skipped_and_flagged(setup):
    df, rubric, store = setup
    cy = rw.ItemRater(df, rubric, content="text", store=store, annotator="cy")
    cy.skip(item=4)
    cy.submit({"verdict": "safe", "escalate": True}, item=1)
    lead = rw.ItemRater(df, rubric, content="text", store=store, annotator="lead", mode="review")
    assert sorted(lead.queue.get_column("id").to_list()) == [1, 4]


def test_nothing_to_adjudicate_is_a_clear_error(tmp_path):
    df = pl.DataFrame({"id": [1], "text": ["a"]})
    rubric = rw.Rubric([rw.Choice("verdict", ["safe", "violating"])])
    with pytest.raises(ValueError, match="nothing to adjudicate"):
        rw.ItemRater(df, rubric, content="text", store=str(tmp_path / "s.sqlite"),
                     annotator="lead", mode="adjudicate")  # fmt: skip
    with pytest.raises(ValueError, match="mode='adjudication'"):
        rw.ItemRater(df, rubric, content="text", store=str(tmp_path / "s.sqlite"),
                     annotator="lead", mode="adjudication")  # fmt: skip


def test_adjudicate_on_widget_keys_and_store_reads_them_typed(tmp_path):
    df = rw.datasets.traces(n=4, seed=0)
    store = str(tmp_path / "t.sqlite")
    for who, rating in [("ana", 1), ("bo", 0)]:
        w = rw.TraceRater(df, store=store, annotator=who)
        row = df.row(0, named=True)
        n = len(rw.traces.parse_trace(row["reasoning"]).steps)
        w.submit({"step_ratings": [rating] * n}, item=row["id"])
    lead = rw.TraceRater(df, store=store, annotator="lead", mode="adjudicate",
                         disagree_on=["step_ratings"])  # fmt: skip
    assert lead.queue.get_column("id").to_list() == [df["id"][0]]
    # a store read without any widget keeps the widget's own columns, typed
    typed = rw.open_store(store).annotations("default")
    assert typed.schema["step_ratings"] == pl.List(pl.Int8)
    assert sorted(typed.get_column("annotator").to_list()) == ["ana", "bo"]
