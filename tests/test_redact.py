"""redact=: personal data is masked in the kernel, before anything reaches the browser."""

import json

import polars as pl
import pytest

import rater_widgets as rw
from rater_widgets.redact import Redactor


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("write to ana.lopez+x@mail.example.co.uk today", "write to [email] today"),
        ("card 4111 1111 1111 1111 exp 09/27", "card [card] exp 09/27"),
        (
            "card 4111-1111-1111-1112 (bad check digit)",
            "card 4111-1111-1111-1112 (bad check digit)",
        ),
        ("call +44 20 7946 0958 now", "call [phone] now"),
        ("call (415) 555-0100", "call [phone]"),
        ("order 2024-11-25 costs 19.99", "order 2024-11-25 costs 19.99"),
        ("room 12 34", "room 12 34"),
        (
            "mail: 用户@例子.广告 stays (not ASCII TLD)",
            "mail: 用户@例子.广告 stays (not ASCII TLD)",
        ),
    ],
)
def test_builtin_patterns(text, masked):
    assert Redactor(True)(text) == masked


def test_pick_patterns_and_callable():
    assert Redactor(["email"])("a@b.io +1 415 555 0100") == "[email] +1 415 555 0100"
    assert Redactor(str.upper)("abc") == "ABC"
    assert not Redactor(None)
    with pytest.raises(ValueError, match="unknown pattern 'ssn'"):
        Redactor(["ssn"])


def test_content_never_reaches_the_frontend_unmasked_and_answers_are_flagged(tmp_path):
    df = pl.DataFrame(
        {
            "id": [1],
            "text": ["Contact me: bob@example.com, 4111 1111 1111 1111"],
            "prompt": ["my number is +1 415 555 0100"],
        }
    )
    rubric = rw.Rubric([rw.Choice("verdict", ["pii", "clean"], required=True)])
    w = rw.ItemRater(df, rubric, content="text", context="prompt", redact=True,
                     store=str(tmp_path / "s.sqlite"), annotator="ana")  # fmt: skip
    sent = []
    w._reply = sent.append
    w._on_msg(w, {"type": "hello", "client": {"session": "s", "view": "v"}, "need": []}, [])
    payload = json.dumps(sent)
    assert "bob@example.com" not in payload
    assert "4111" not in payload
    assert "555 0100" not in payload
    assert "[email]" in payload
    w.submit({"verdict": "pii"})
    meta = json.loads(w.store.history("default").get_column("meta")[0])
    assert meta["redacted_view"] is True
