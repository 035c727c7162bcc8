"""Wellbeing on the kernel side: exposure limits start a break; preferences persist."""

import json

import polars as pl
import pytest

import rater_widgets as rw


def make(tmp_path, annotator="ana", **kw):
    df = pl.DataFrame({"id": list(range(8)), "text": [f"t{i}" for i in range(8)],
                       "nsfw": [True, True, False, True, True, True, True, True]})  # fmt: skip
    rubric = rw.Rubric([rw.Choice("verdict", ["safe", "violating"], required=True)])
    w = rw.ItemRater(df, rubric, content="text", sensitive="nsfw", annotator=annotator,
                     store=str(tmp_path / "w.sqlite"), **kw)  # fmt: skip
    sent = []
    w._reply = sent.append
    return w, sent


def submit(w, pos, seq):
    w._on_msg(w, {"type": "submit", "seq": seq, "pos": pos, "item": str(pos), "ms": 10,
                  "answer": {"verdict": "safe"}, "need": [],
                  "client": {"session": "s", "view": "v"}}, [])  # fmt: skip


def test_exposure_limit_starts_a_break_after_n_sensitive_items(tmp_path):
    w, sent = make(tmp_path, wellbeing=rw.Wellbeing(max_sensitive_per_hour=3, break_minutes=5))
    for seq, pos in enumerate([0, 1, 2], start=1):  # two sensitive, one not
        submit(w, pos, seq)
    assert not [m for m in sent if m["type"] == "break"]
    submit(w, 3, 4)  # the third sensitive item
    (brk,) = [m for m in sent if m["type"] == "break"]
    assert "3 sensitive items" in brk["reason"]
    meta = [json.loads(m) if m else {} for m in w.store.history("default")["meta"]]
    assert [bool(m.get("sensitive")) for m in meta] == [True, True, False, True]
    # a reload during the break gets the break again
    sent.clear()
    w._on_msg(w, {"type": "hello", "client": {"session": "s2", "view": "v"}, "need": []}, [])
    assert [m["type"] for m in sent][-1] == "break"
    # a new kernel counts the last hour from the store: one more sensitive item -> break
    w2, sent2 = make(tmp_path, wellbeing=rw.Wellbeing(max_sensitive_per_hour=4))
    submit(w2, 4, 1)
    assert [m["type"] for m in sent2 if m["type"] == "break"] == ["break"]


def test_preferences_persist_per_annotator(tmp_path):
    w, _ = make(tmp_path, wellbeing=rw.Wellbeing(grayscale=False))
    assert w._config["prefs"] == {"grayscale": False, "blur_media": False}
    w._on_msg(w, {"type": "prefs", "prefs": {"grayscale": True}}, [])
    again, _ = make(tmp_path)
    assert again._config["prefs"]["grayscale"] is True
    other, _ = make(tmp_path, annotator="bo")
    assert other._config["prefs"]["grayscale"] is False


def test_tampered_prefs_are_refused(tmp_path):
    w, sent = make(tmp_path)
    w._on_msg(w, {"type": "prefs", "prefs": {"run_code": True}}, [])
    assert sent[-1]["type"] == "error"
    assert "not a preference" in sent[-1]["message"]


@pytest.mark.parametrize(
    "kw", [{"max_sensitive_per_hour": 0}, {"break_minutes": 0}, {"session_reminder_minutes": -1}]
)
def test_bad_settings(kw):
    with pytest.raises(ValueError, match=next(iter(kw))):
        rw.Wellbeing(**kw)
