"""Queue control: order, strata, limit, filter, gold items, assignment and overlap."""

import polars as pl
import pytest

import rater_widgets as rw
from rater_widgets.ordering import Assignment, OrderSpec, plan_order


@pytest.fixture
def frame():
    n = 120
    return pl.DataFrame(
        {
            "id": [f"i{i:03d}" for i in range(n)],
            "text": [f"item {i}" for i in range(n)],
            "lang": ["en", "en", "en", "fr", "de", "en"] * 20,  # unbalanced: en 4x each other
            "uncertainty": [(i * 37 % 101) / 100 for i in range(n)],
            "gold": [("safe" if i % 2 else "violating") if i % 20 == 7 else None for i in range(n)],
        }
    )


def ids(frame, plan):
    return frame.get_column("id").gather(plan.rows).to_list()


def test_random_order_is_deterministic_under_seed(frame):
    a = plan_order(frame, OrderSpec(order="random", seed=3))
    b = plan_order(frame, OrderSpec(order="random", seed=3))
    c = plan_order(frame, OrderSpec(order="random", seed=4))
    assert a.rows.tolist() == b.rows.tolist()
    assert a.rows.tolist() != c.rows.tolist()
    assert sorted(a.rows.tolist()) == list(range(frame.height))


def test_order_by_column_desc_and_by_callable(frame):
    plan = plan_order(frame, OrderSpec(order=("uncertainty", "desc")))
    values = frame.get_column("uncertainty").gather(plan.rows).to_list()
    assert values == sorted(values, reverse=True)
    plan = plan_order(frame, OrderSpec(order=lambda f: -f.get_column("uncertainty")))
    assert frame.get_column("uncertainty").gather(plan.rows).to_list() == sorted(
        values, reverse=True
    )
    with pytest.raises(ValueError, match="one sort key per row"):
        plan_order(frame, OrderSpec(order=lambda f: [1, 2]))
    with pytest.raises(ValueError, match="did you mean 'uncertainty'"):
        plan_order(frame, OrderSpec(order="uncertainty_"))


def test_stratify_deals_equal_counts_round_robin(frame):
    plan = plan_order(frame, OrderSpec(stratify="lang", order="random", seed=1, limit=30))
    langs = frame.get_column("lang").gather(plan.rows).to_list()
    # the first 30 served: 10 of each language, in turns
    assert {lang: langs.count(lang) for lang in set(langs)} == {"en": 10, "fr": 10, "de": 10}
    assert langs[:6] == ["de", "en", "fr", "de", "en", "fr"]
    again = plan_order(frame, OrderSpec(stratify="lang", order="random", seed=1, limit=30))
    assert again.rows.tolist() == plan.rows.tolist()


def test_filter_and_limit(frame):
    plan = plan_order(frame, OrderSpec(filter=pl.col("lang") == "fr", limit=5))
    assert set(frame.get_column("lang").gather(plan.rows).to_list()) == {"fr"}
    assert len(plan.rows) == 5
    with pytest.raises(TypeError, match="true/false"):
        plan_order(frame, OrderSpec(filter=pl.col("uncertainty")))
    with pytest.raises(ValueError, match="limit="):
        plan_order(frame, OrderSpec(limit=0))


def test_gold_items_are_interleaved_at_the_rate_once_each(frame):
    plan = plan_order(frame, OrderSpec(gold="gold", gold_rate=0.1, seed=5))
    n_gold = frame.get_column("gold").is_not_null().sum()
    assert plan.gold.sum() == n_gold == 6
    served = ids(frame, plan)
    assert len(served) == len(set(served)) == frame.height
    # one gold item in each block of 10, never two in a row at a fixed place
    positions = [i for i, g in enumerate(plan.gold) if g]
    assert [p // 10 for p in positions] == [0, 1, 2, 3, 4, 5]
    assert len({p % 10 for p in positions}) > 1
    assert all(frame.get_column("gold")[int(r)] is not None for r in plan.rows[plan.gold])


def test_overlap_assigns_each_item_to_k_annotators_balanced(frame):
    a = Assignment.overlap(frame.get_column("id"), ["ana", "bo", "cy", "di"], k=2, seed=0)
    per_item = a.frame.group_by("id").len()
    assert per_item.height == frame.height
    assert per_item.get_column("len").unique().to_list() == [2]
    per_annotator = a.frame.group_by("annotator").len().get_column("len").to_list()
    assert max(per_annotator) - min(per_annotator) <= 1
    # the groups vary: every pair of annotators shares items (pairwise agreement needs it)
    pairs = (
        a.frame.join(a.frame, on="id")
        .filter(pl.col("annotator") < pl.col("annotator_right"))
        .select("annotator", "annotator_right")
        .unique()
    )
    assert pairs.height == 6
    with pytest.raises(ValueError, match="from 1 to 4"):
        Assignment.overlap(frame.get_column("id"), ["ana", "bo", "cy", "di"], k=5)


def test_each_annotator_gets_only_its_queue_and_all_gold(tmp_path, frame):
    rubric = rw.Rubric([rw.Choice("verdict", ["safe", "violating"], required=True)])
    store = str(tmp_path / "team.sqlite")
    queues = {}
    for who in ["ana", "bo", "cy"]:
        w = rw.ItemRater(frame, rubric, content="text", store=store, annotator=who, overlap=2,
                         annotators=["ana", "bo", "cy"], gold="gold", gold_rate=0.1)  # fmt: skip
        queues[who] = w.queue
        assert w.queue.get_column("gold").sum() == 6
    regular = {who: set(q.filter(~pl.col("gold")).get_column("id")) for who, q in queues.items()}
    everyone = [i for s in regular.values() for i in s]
    assert len(everyone) == 2 * (frame.height - 6)  # each regular item exactly twice
    assert set(everyone) == set(frame.filter(pl.col("gold").is_null()).get_column("id"))
    with pytest.raises(ValueError, match="has no items in this assignment"):
        rw.ItemRater(frame, rubric, content="text", store=store, annotator="zed", overlap=2,
                     annotators=["ana", "bo", "cy"])  # fmt: skip


def test_gold_accuracy_and_queue_frame(tmp_path, frame):
    rubric = rw.Rubric([rw.Choice("verdict", ["safe", "violating"], required=True)])
    w = rw.ItemRater(frame, rubric, content="text", store=str(tmp_path / "g.sqlite"),
                     annotator="ana", gold="gold", gold_rate=0.25, limit=12)  # fmt: skip
    q = w.queue
    assert q.columns == ["pos", "id", "status", "gold"]
    golds = q.filter(pl.col("gold"))
    truth = dict(frame.select("id", "gold").drop_nulls().iter_rows())
    # answer every gold item: right on all but one
    for n, item in enumerate(golds.get_column("id")):
        right = truth[item]
        wrong = "safe" if right == "violating" else "violating"
        w.submit({"verdict": right if n else wrong}, item=item)
    acc = w.gold_accuracy()
    # 12 regular items at 1 gold per 4 served: 4 of the 6 gold items fit
    assert acc.select("annotator", "n_gold", "correct").rows() == [("ana", 4, 3)]
    assert 0 < acc["ci_low"][0] < 3 / 4 < acc["ci_high"][0] <= 1
    assert w.queue.height == q.height - 4
    w.skip()
    assert w.queue.filter(pl.col("status") == "skipped").height == 1


def test_queue_settings_recorded_in_the_manifest(tmp_path, frame):
    rubric = rw.Rubric([rw.Choice("verdict", ["safe", "violating"])])
    w = rw.ItemRater(frame, rubric, content="text", store=str(tmp_path / "m.sqlite"),
                     annotator="ana", order="random", seed=9, stratify="lang",
                     filter=pl.col("lang") != "de")  # fmt: skip
    m = w.store.get_manifest("default")
    assert (m["order"], m["seed"], m["stratify"]) == ("random", 9, "lang")
    assert "de" in m["filter"]


def quiz_rater(tmp_path, frame, annotator="ana"):
    rubric = rw.Rubric([rw.Choice("verdict", ["safe", "violating"], required=True)])
    w = rw.ItemRater(frame, rubric, content="text", store=str(tmp_path / "q.sqlite"),
                     annotator=annotator, gold="gold", quiz=3, quiz_pass_rate=0.6)  # fmt: skip
    sent = []
    w._reply = sent.append
    return w, sent


def test_screening_quiz_locks_the_study_until_passed(tmp_path, frame):
    w, sent = quiz_rater(tmp_path, frame)
    assert w.queue.get_column("gold").head(3).to_list() == [True, True, True]
    assert w._config["lock"]["after"] == 3
    # items past the quiz never leave the kernel while locked
    w._on_msg(w, {"type": "goto", "seq": 1, "pos": 0, "need": [0, 1, 2, 3, 4, 5]}, [])
    assert [i["pos"] for i in sent[-1]["items"]] == [0, 1, 2]
    truth = dict(frame.select("id", "gold").drop_nulls().iter_rows())
    quiz_ids = w.queue.get_column("id").head(3).to_list()
    for n, item in enumerate(quiz_ids):  # 2 of 3 right: 0.67 >= 0.6
        right = truth[item]
        w._on_msg(w, {"type": "submit", "seq": 10 + n, "pos": n, "item": item, "ms": 1,
                      "answer": {"verdict": right if n else ("safe" if right == "violating" else "violating")},
                      "need": [], "client": {"session": "s", "view": "v"}}, [])  # fmt: skip
    assert w.quiz_result() == {"asked": 3, "answered": 3, "correct": 2, "passed": True}
    assert w._config["lock"] is None
    w._on_msg(w, {"type": "goto", "seq": 20, "pos": 3, "need": [3, 4]}, [])
    assert [i["pos"] for i in sent[-1]["items"]] == [3, 4]


def test_failed_quiz_keeps_the_study_locked_and_refuses_submits(tmp_path, frame):
    w, sent = quiz_rater(tmp_path, frame, annotator="bo")
    truth = dict(frame.select("id", "gold").drop_nulls().iter_rows())
    for item in w.queue.get_column("id").head(3).to_list():
        wrong = "safe" if truth[item] == "violating" else "violating"
        w.submit({"verdict": wrong}, item=item)
    assert w.quiz_result()["passed"] is False
    assert "not passed: 0 of 3 correct (2 needed)" in w._config["lock"]["message"]
    item = w.queue.filter(pl.col("pos") == 3).get_column("id")[0]
    w._cursor = 3
    w._on_msg(w, {"type": "submit", "seq": 1, "pos": 3, "item": item, "ms": 1,
                  "answer": {"verdict": "safe"}, "need": [],
                  "client": {"session": "s", "view": "v"}}, [])  # fmt: skip
    assert sent[-1]["type"] == "error"
    assert "not passed" in sent[-1]["message"]
    # the lock survives a new kernel
    again, _ = quiz_rater(tmp_path, frame, annotator="bo")
    assert again._config["lock"]["failed"] is True


def test_quiz_needs_gold(tmp_path, frame):
    rubric = rw.Rubric([rw.Choice("verdict", ["safe", "violating"])])
    with pytest.raises(ValueError, match="quiz= asks gold items"):
        rw.ItemRater(frame, rubric, content="text", store=str(tmp_path / "x.sqlite"),
                     annotator="a", quiz=2)  # fmt: skip
    with pytest.raises(ValueError, match="needs that many gold items"):
        rw.ItemRater(frame, rubric, content="text", store=str(tmp_path / "x.sqlite"),
                     annotator="a", gold="gold", quiz=50)  # fmt: skip


def test_the_first_items_in_the_state_stop_at_the_quiz_lock(tmp_path, frame, monkeypatch):
    from types import SimpleNamespace

    from rater_widgets.widgets import _boot

    # a kernel's shell (events only): the first items then ride in the widget's state
    events = SimpleNamespace(register=lambda *a: None, unregister=lambda *a: None)
    monkeypatch.setattr(_boot, "ipython_shell", lambda: SimpleNamespace(events=events))
    w, _ = quiz_rater(tmp_path, frame)
    items = next(m for m in w.get_state()["_boot"] if m["type"] == "items")
    assert [i["pos"] for i in items["items"]] == [0, 1, 2]  # nothing past the quiz
