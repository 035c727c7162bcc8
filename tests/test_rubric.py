"""Rubric definition, validation and serialization: the kernel is the judge."""

import json

import pytest

import rater_widgets as rw
from rater_widgets import RubricError


def policy_rubric(**kw):
    return rw.Rubric(
        [
            rw.Choice("verdict", ["safe", "borderline", "violating"], required=True),
            rw.MultiChoice(
                "categories",
                ["harassment", "self-harm", "sexual", "violence"],
                show_if={"verdict": ["borderline", "violating"]},
            ),
            rw.Scale("confidence", 1, 5, labels={1: "Unsure", 5: "Certain"}),
            rw.Text("rationale", required_if={"verdict": ["violating"]}, max_length=200),
            rw.Flag("escalate"),
            rw.Number("severity", min=0, max=10, integer=True),
        ],
        **kw,
    )


def test_validate_normalizes_every_field():
    out = policy_rubric().validate({"verdict": "safe"})
    assert out == {
        "verdict": "safe",
        "categories": None,  # hidden: verdict is safe
        "confidence": None,
        "rationale": None,
        "escalate": False,
        "severity": None,
    }


def test_hidden_field_values_are_dropped():
    out = policy_rubric().validate({"verdict": "safe", "categories": ["sexual"]})
    assert out["categories"] is None


def test_shown_multichoice_keeps_option_order():
    out = policy_rubric().validate(
        {"verdict": "borderline", "categories": ["violence", "harassment"]}
    )
    assert out["categories"] == ["harassment", "violence"]


def test_required_field_missing_names_field_and_options():
    with pytest.raises(RubricError) as e:
        policy_rubric().validate({})
    assert e.value.field == "verdict"
    assert "'safe', 'borderline', 'violating'" in str(e.value)


def test_required_if_applies_only_when_condition_holds():
    r = policy_rubric()
    with pytest.raises(RubricError) as e:
        r.validate({"verdict": "violating", "rationale": "   "})
    assert e.value.field == "rationale"
    assert r.validate({"verdict": "violating", "rationale": " threat "})["rationale"] == "threat"


@pytest.mark.parametrize(
    ("answer", "field", "needle"),
    [
        ({"verdict": "unsafe"}, "verdict", "did you mean"),
        ({"verdict": "safe", "confidence": 9}, "confidence", "outside 1..5"),
        ({"verdict": "safe", "confidence": True}, "confidence", "integer"),
        ({"verdict": "safe", "escalate": "yes"}, "escalate", "true or false"),
        ({"verdict": "safe", "severity": 2.5}, "severity", "whole number"),
        ({"verdict": "safe", "rationale": "x" * 201}, "rationale", "at most 200"),
        ({"verdict": "safe", "colour": "red"}, "colour", "unknown field"),
        ({"verdict": "violating", "categories": ["spam"]}, "categories", "not an option"),
    ],
)
def test_bad_answers_name_the_field(answer, field, needle):
    with pytest.raises(RubricError) as e:
        policy_rubric().validate(answer)
    assert e.value.field == field
    assert needle in str(e.value)


def test_dict_round_trip_and_stable_hash(tmp_path):
    r = policy_rubric(guidelines="# Policy\n\nBe kind.")
    d = r.to_dict()
    again = rw.Rubric.from_dict(json.loads(json.dumps(d)))
    assert again.to_dict() == d
    assert again.rubric_hash == r.rubric_hash
    assert len(r.rubric_hash) == 16
    # a different guideline text is a different rubric
    assert policy_rubric(guidelines="# Policy v2").rubric_hash != r.rubric_hash


def test_yaml_and_json_files_with_guidelines_file(tmp_path):
    (tmp_path / "policy.md").write_text("# Harassment\n\nInsults aimed at a person.\n")
    (tmp_path / "rubric.yaml").write_text(
        "guidelines: policy.md\n"
        "fields:\n"
        "  - {type: choice, name: verdict, options: [safe, violating], required: true}\n"
        "  - {type: text, name: rationale}\n"
    )
    r = rw.Rubric.from_yaml(tmp_path / "rubric.yaml")
    assert r.names == ["verdict", "rationale"]
    assert "Insults" in (r.guidelines or "")
    (tmp_path / "rubric.json").write_text(json.dumps(r.to_dict()))
    assert rw.Rubric.from_json(tmp_path / "rubric.json").rubric_hash == r.rubric_hash


def test_guidelines_path_string(tmp_path):
    p = tmp_path / "policy.md"
    p.write_text("Rules")
    assert rw.Rubric([rw.Flag("x")], guidelines=str(p)).guidelines == "Rules"
    with pytest.raises(RubricError, match="does not exist"):
        rw.Rubric([rw.Flag("x")], guidelines=str(tmp_path / "missing.md"))


@pytest.mark.parametrize(
    ("make", "needle"),
    [
        (lambda: rw.Rubric([rw.Choice("a", ["x"]), rw.Choice("a", ["y"])]), "duplicate field"),
        (lambda: rw.Choice("v", []), "non-empty"),
        (lambda: rw.Choice("v", ["a", "a"]), "duplicate options"),
        (lambda: rw.Choice("bad name", ["a"]), "identifiers"),
        (lambda: rw.Choice("id", ["a"]), "reserved"),
        (lambda: rw.Scale("s", 5, 1), "min < max"),
        (
            lambda: rw.Rubric([rw.Text("t", show_if={"v": ["a"]}), rw.Choice("v", ["a"])]),
            "later field",
        ),
        (
            lambda: rw.Rubric([rw.Choice("v", ["a"]), rw.Text("t", show_if={"v": ["b"]})]),
            "cannot take",
        ),
        (lambda: rw.Rubric([rw.Choice("v", [rw.Option("a", key="s")])]), "reserved"),
        (
            lambda: rw.Rubric([rw.Choice("v", [rw.Option("a", key="q"), rw.Option("b", key="q")])]),
            "both",
        ),
        (lambda: rw.Rubric.from_dict({"fields": [{"type": "choise", "name": "v"}]}), "choice"),
    ],
)
def test_bad_rubrics_are_refused_clearly(make, needle):
    with pytest.raises(RubricError, match=needle):
        make()


def test_unknown_keyword_names_nearest():
    with pytest.raises(TypeError, match=r"requird.*did you mean 'required'"):
        rw.Choice("v", ["a"], requird=True)


def test_keys_are_assigned_without_clashes():
    wire = policy_rubric().wire()
    keys = []
    for f in wire["fields"]:
        keys += [o["key"] for o in f.get("options", [])]
        keys += list(f.get("keys", {}).values())
        if f.get("key"):
            keys.append(f["key"])
    verdict = wire["fields"][0]["options"]
    assert [o["key"] for o in verdict] == ["1", "2", "3"]
    # the scale cannot have the digits too: it gets letters, one per point
    assert len(wire["fields"][2]["keys"]) == 5
    assert None not in keys
    assert len(keys) == len(set(keys))
    assert not set(keys) & set(rw.protocol.RESERVED_KEYS)


def test_widget_reserved_keys_and_no_digits():
    r = rw.Rubric([rw.Choice("v", ["alpha", "beta"])])
    wire = r.wire(reserved={"a"}, digits=False)
    assert [o["key"] for o in wire["fields"][0]["options"]] == ["l", "b"]
    assert wire["hash"] == r.rubric_hash
