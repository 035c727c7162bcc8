"""parse_trace: every input format, ugly real-world edge cases, offsets, limits."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rater_widgets.traces import STEP_KINDS, Trace, parse_trace


def check_offsets(src: str, t: Trace) -> None:
    """The documented invariant: steps are exact, ordered, disjoint slices of the source."""
    prev_end = 0
    for s in t.steps:
        assert s.start is not None
        assert s.end is not None
        assert src[s.start : s.end] == s.text
        assert s.start >= prev_end
        prev_end = s.end
    if t.answer_span is not None:
        a, b = t.answer_span
        assert src[a:b] == t.answer
        assert a >= prev_end


def texts(x: Any, **kw: Any) -> list[str]:
    t = parse_trace(x, **kw)
    if isinstance(x, str) and t.format not in ("messages", "list"):
        check_offsets(x, t)
    return t.texts


# ---------------------------------------------------------------- lists


def test_list_of_strings_strips_and_keeps_source_index() -> None:
    t = parse_trace(["  First, 3 * 4 = 12.\n", "", None, "Then 12 - 5 = 7.", "   "])
    assert t.texts == ["First, 3 * 4 = 12.", "Then 12 - 5 = 7."]
    assert [s.meta["index"] for s in t.steps] == [0, 3]
    assert all(s.start is None and s.kind == "reasoning" for s in t.steps)
    assert t.format == "list"
    assert t.warnings == ["3 empty element(s) skipped (index 1, 2, 4)"]
    assert t.answer is None


def test_list_elements_are_steps_even_when_they_contain_numbering() -> None:
    # A list is already split: numbering inside an element must not split it again.
    assert texts(("1. a\n2. b", "Step 3: c")) == ["1. a\n2. b", "Step 3: c"]


@pytest.mark.parametrize(
    "container",
    [
        np.array(["a", "b", "c"]),
        pl.Series(["a", "b", "c"]),
        pd.Series(["a", "b", "c"]),
        ("a", "b", "c"),
    ],
    ids=["numpy", "polars", "pandas", "tuple"],
)
def test_array_like_containers(container: Any) -> None:
    assert parse_trace(container).texts == ["a", "b", "c"]


def test_polars_series_with_nulls_and_numpy_nan() -> None:
    t = parse_trace(pl.Series(["x", None, "y"]))
    assert t.texts == ["x", "y"]
    assert "index 1" in t.warnings[0]
    t = parse_trace(np.array(["x", np.nan], dtype=object))
    assert t.texts == ["x"]


def test_list_of_non_strings_is_converted_with_a_warning() -> None:
    t = parse_trace([1, 2.5, {"step": 3, "text": "three"}, ["nested"]])
    assert t.texts == ["1", "2.5", "three", '["nested"]']
    assert sum("converted to text" in w for w in t.warnings) == 3


def test_json_encoded_step_list_in_a_string() -> None:
    # CSV exports store list columns as JSON strings.
    t = parse_trace('["step one", "step two"]')
    assert t.texts == ["step one", "step two"]
    assert t.format == "list"
    # ...but a JSON list of numbers is just text.
    assert parse_trace("[1, 2, 3]").texts == ["[1, 2, 3]"]


# ---------------------------------------------------------------- "Step N" numbering


def test_step_markers_multiline_steps_and_preamble() -> None:
    src = (
        "Let's solve this carefully.\n"
        "\n"
        "Step 1: The radius is 2, so the area is 3.14 * 2^2 = 12.56.\n"
        "This was measured in 2024.\n"
        "\n"
        "It stays part of step 1.\n"
        "Step 2. Double it:\n"
        "   1. 12.56 * 2\n"
        "   2. = 25.12\n"
        "STEP 3 - done"
    )
    t = parse_trace(src)
    check_offsets(src, t)
    assert t.format == "steps"
    assert t.texts == [
        "Let's solve this carefully.",
        "The radius is 2, so the area is 3.14 * 2^2 = 12.56.\n"
        "This was measured in 2024.\n\nIt stays part of step 1.",
        "Double it:\n   1. 12.56 * 2\n   2. = 25.12",
        "done",
    ]
    assert [s.meta.get("number") for s in t.steps] == [None, 1, 2, 3]
    assert t.steps[1].meta["marker"] == "Step 1:"


def test_step_markers_in_markdown_emphasis_and_headings() -> None:
    src = "**Step 1:** Add\n**Step 2**: Carry\n### Step 3: Check\n**Step 4: Multiply**\nby 3"
    t = parse_trace(src)
    check_offsets(src, t)
    # The unbalanced "**Step 4: ..." keeps its marker so the bold still renders.
    assert t.texts == ["Add", "Carry", "Check", "**Step 4: Multiply**\nby 3"]


def test_restarting_step_numbers_and_empty_step() -> None:
    src = "Step 1: a\nStep 2:\nStep 1: second try\nStep 2: b"
    t = parse_trace(src)
    check_offsets(src, t)
    assert t.texts == ["a", "second try", "b"]
    assert t.warnings == ["step 'Step 2:' is empty and was skipped"]


def test_step_words_that_are_not_markers() -> None:
    src = "Stepwise, we go.\nSteps 1-3 are easy.\nWe take step 2 later."
    assert texts(src) == [src]


# ---------------------------------------------------------------- "1." / "1)" numbering


def test_numbered_list_with_indented_nested_list_and_decimals() -> None:
    src = (
        "1. Compute the totals:\n"
        "   1. apples: 3.5 kg\n"
        "   2. pears: 2 kg\n"
        "2. Add them: 3.5 + 2 = 5.5\n"
        "2024. was the harvest year, noted in 2024.\n"
        "3.14 is not a step either.\n"
        "3. Done."
    )
    t = parse_trace(src)
    check_offsets(src, t)
    assert t.format == "numbered"
    assert t.texts == [
        "Compute the totals:\n   1. apples: 3.5 kg\n   2. pears: 2 kg",
        "Add them: 3.5 + 2 = 5.5\n2024. was the harvest year, noted in 2024.\n"
        "3.14 is not a step either.",
        "Done.",
    ]


def test_parenthesis_numbering_and_tab_indented_nesting() -> None:
    src = "1) first\n\t1) nested with a tab\n2) second\n(3) third"
    assert texts(src) == ["first\n\t1) nested with a tab", "second", "third"]


def test_numbering_that_restarts_and_paragraphs_between_lists() -> None:
    src = "1. a\n2. b\n\nSecond attempt:\n\n1. c\n2. d\n\nSo the total is 4."
    assert texts(src) == ["a", "b", "Second attempt:", "c", "d", "So the total is 4."]


def test_fenced_code_inside_a_numbered_step_is_not_split() -> None:
    src = "1. Run this:\n\n```python\nx = 1\n\n2. not a step\n```\n2. Read the output.\n"
    assert texts(src) == [
        "Run this:\n\n```python\nx = 1\n\n2. not a step\n```",
        "Read the output.",
    ]


def test_a_single_numbered_line_is_not_a_list() -> None:
    src = "1. Only one item here.\n\nAnd a closing paragraph."
    t = parse_trace(src)
    assert t.format == "paragraphs"
    assert t.texts == ["1. Only one item here.", "And a closing paragraph."]


# ---------------------------------------------------------------- paragraphs and bullets


def test_blank_line_paragraphs_with_crlf_tabs_and_headings() -> None:
    src = "First line\r\nsecond line\r\n \t \r\nPara two\r\n\r\n## Plan\r\n\r\nPara three\r\n"
    t = parse_trace(src)
    check_offsets(src, t)
    assert t.format == "paragraphs"
    # A lone heading is glued to the paragraph it introduces.
    assert t.texts == ["First line\r\nsecond line", "Para two", "## Plan\r\n\r\nPara three"]


def test_single_paragraph() -> None:
    t = parse_trace("  just one thought  ")
    assert (t.texts, t.format, t.warnings) == (["just one thought"], "single", [])
    assert t.steps[0].start == 2


def test_markdown_bullets_with_nested_children() -> None:
    src = "- parent one\n  - child a\n    * grandchild\n- parent two\n+ plus item\n* star item"
    t = parse_trace(src)
    check_offsets(src, t)
    assert t.format == "bullets"
    assert t.texts == [
        "parent one\n  - child a\n    * grandchild",
        "parent two",
        "plus item",
        "star item",
    ]


def test_bold_lines_and_rules_are_not_bullets() -> None:
    src = "**Bold idea** first\n---\n*italic* second\n* * *"
    assert texts(src) == [src]


def test_numbered_outer_list_with_bullet_children_at_same_indent() -> None:
    src = "1. Compute:\n- a = 1\n- b = 2\n2. Add: 3"
    assert texts(src) == ["Compute:\n- a = 1\n- b = 2", "Add: 3"]


# ---------------------------------------------------------------- think tags


def test_think_block_separates_the_answer() -> None:
    src = "<think>\nStep 1: 17 * 3 = 51\nStep 2: 51 + 4 = 55\n</think>\n\nThe answer is **55**."
    t = parse_trace(src)
    check_offsets(src, t)
    assert t.format == "think"
    assert t.texts == ["17 * 3 = 51", "51 + 4 = 55"]
    assert t.answer == "The answer is **55**."
    assert all(s.meta["think"] == 0 for s in t.steps)


@pytest.mark.parametrize("tag", ["thinking", "reasoning", "THINK", "Think "])
def test_think_tag_variants(tag: str) -> None:
    src = f"<{tag}>a\n\nb</{tag.strip()}>answer"
    t = parse_trace(src)
    assert (t.texts, t.answer) == (["a", "b"], "answer")


def test_unterminated_think_tag_is_reasoning_with_a_warning() -> None:
    src = "<think>First idea.\n\nSecond idea, and then the model was cut off"
    t = parse_trace(src)
    check_offsets(src, t)
    assert t.texts == ["First idea.", "Second idea, and then the model was cut off"]
    assert t.answer is None
    assert any("unterminated" in w for w in t.warnings)


def test_multiple_think_blocks_and_text_between() -> None:
    src = "<think>plan</think>Interim remark.<think>check</think>\nFinal: 42"
    t = parse_trace(src)
    check_offsets(src, t)
    assert t.texts == ["plan", "Interim remark.", "check"]
    assert [s.meta for s in t.steps] == [{"think": 0}, {"outside_think": True}, {"think": 1}]
    assert t.answer == "Final: 42"


def test_closing_tag_without_opening_deepseek_style() -> None:
    # Chat templates often inject "<think>" so the output starts inside the block.
    src = "so 2 + 2 = 4\n</think>\n\n4"
    t = parse_trace(src)
    assert (t.texts, t.answer) == (["so 2 + 2 = 4"], "4")
    assert "no opening tag" in t.warnings[0]


def test_empty_think_block_and_quoted_tag_inside_block() -> None:
    t = parse_trace("<think>\n\n</think>\n\nDirect answer.")
    assert (t.texts, t.answer, t.warnings) == ([], "Direct answer.", [])
    t = parse_trace("<think>the format uses <think> tags</think>ok")
    assert (t.texts, t.answer) == (["the format uses <think> tags"], "ok")


# ---------------------------------------------------------------- closing answer lines


@pytest.mark.parametrize(
    ("tail", "answer"),
    [
        ("Final answer: 7", "7"),
        ("**Final Answer:** $7$", "$7$"),
        ("Answer: seven apples", "seven apples"),
        ("#### 7", "7"),
        ("**Final Answer**\n\n$\\boxed{7}$", "$\\boxed{7}$"),
    ],
)
def test_closing_answer_line(tail: str, answer: str) -> None:
    src = f"Step 1: 3 + 4 = 7.\n{tail}"
    t = parse_trace(src)
    check_offsets(src, t)
    assert (t.texts, t.answer) == (["3 + 4 = 7."], answer)


def test_answer_words_in_prose_are_not_an_answer_line() -> None:
    src = "Step 1: read.\nAnswer the question by adding."
    t = parse_trace(src)
    assert t.answer is None
    assert t.texts == ["read.\nAnswer the question by adding."]


# ---------------------------------------------------------------- chat message lists


def _openai_trace(args: str = '{"city": "Paris"}') -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": "You are a weather bot."},
        {"role": "user", "content": "Weather in Paris, in °F?"},
        {
            "role": "assistant",
            "content": "I'll look it up.",
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": args},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temp_c": 20}'},
        {"role": "assistant", "content": "It is 68 °F in Paris."},
    ]


def test_openai_tool_calls() -> None:
    t = parse_trace(_openai_trace())
    assert t.format == "messages"
    assert [s.kind for s in t.steps] == ["reasoning", "tool_call", "tool_result"]
    call, result = t.steps[1], t.steps[2]
    assert call.text == 'get_weather({"city": "Paris"})'
    assert call.meta["name"] == "get_weather"
    assert call.meta["arguments"] == {"city": "Paris"}
    assert call.meta["id"] == "call_1"
    assert result.text == '{"temp_c": 20}'
    assert result.meta["name"] == "get_weather"  # resolved from the call id
    assert result.meta["tool_call_id"] == "call_1"
    assert t.answer == "It is 68 °F in Paris."
    assert t.context == [
        {"role": "system", "content": "You are a weather bot."},
        {"role": "user", "content": "Weather in Paris, in °F?"},
    ]
    assert t.warnings == []


def test_tool_call_with_broken_json_arguments_keeps_raw_text() -> None:
    t = parse_trace(_openai_trace(args='{"city": "Par'))
    assert t.steps[1].meta["arguments"] == '{"city": "Par'
    assert t.steps[1].text == 'get_weather({"city": "Par)'
    assert "not valid JSON" in t.warnings[0]


def test_anthropic_content_blocks() -> None:
    messages = [
        {"role": "user", "content": [{"type": "text", "text": "What is 17 × 23?"}]},
        {
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "17*20 = 340\n\n17*3 = 51", "signature": "x"},
                {"type": "text", "text": "Let me verify with code."},
                {"type": "tool_use", "id": "tu_1", "name": "python", "input": {"code": "17*23"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "tu_1",
                    "content": [{"type": "text", "text": "391"}],
                    "is_error": False,
                }
            ],
        },
        {"role": "assistant", "content": [{"type": "text", "text": "17 × 23 = 391."}]},
    ]
    t = parse_trace(messages)
    assert [(s.kind, s.text) for s in t.steps] == [
        ("reasoning", "17*20 = 340"),
        ("reasoning", "17*3 = 51"),
        ("reasoning", "Let me verify with code."),
        ("tool_call", 'python({"code": "17*23"})'),
        ("tool_result", "391"),
    ]
    assert t.steps[0].meta["thinking"] is True
    assert t.steps[4].meta["name"] == "python"
    assert t.answer == "17 × 23 = 391."
    # The tool_result turn has role "user" but is not user context.
    assert t.context == [{"role": "user", "content": "What is 17 × 23?"}]


def test_reasoning_content_field_makes_the_text_the_answer() -> None:
    t = parse_trace(
        [
            {"role": "user", "content": "2+2?"},
            {"role": "assistant", "reasoning_content": "2+2 is 4.", "content": "4"},
        ]
    )
    assert (t.texts, t.answer) == (["2+2 is 4."], "4")


def test_think_tags_inside_an_assistant_message() -> None:
    t = parse_trace(
        [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "<think>greet back</think>Hello!"},
        ]
    )
    assert (t.texts, t.answer) == (["greet back"], "Hello!")
    # Offsets into that message's text live in meta["span"].
    assert t.steps[0].meta["span"] == (7, 17)


def test_plain_chat_without_tools_keeps_assistant_text_as_steps() -> None:
    t = parse_trace(
        [
            {"role": "user", "content": "Plan a trip."},
            {
                "role": "assistant",
                "content": "1. Pick dates.\n2. Book a train.\n\nAnswer: go in May",
            },
        ]
    )
    assert (t.texts, t.answer) == (["Pick dates.", "Book a train."], "go in May")


def test_trace_ending_in_a_tool_call_has_no_answer() -> None:
    t = parse_trace(_openai_trace()[:3])
    assert t.answer is None
    assert [s.kind for s in t.steps] == ["reasoning", "tool_call"]
    assert any("no final answer" in w for w in t.warnings)


def test_legacy_function_call_sharegpt_and_odd_messages() -> None:
    t = parse_trace(
        [
            {"from": "human", "value": "What's the time?"},
            {"from": "gpt", "value": "", "function_call": {"name": "now", "arguments": ""}},
            {"role": "function", "name": "now", "content": "12:00"},
            "a bare string turn",
            None,
            42,
            {"role": "narrator", "content": "meanwhile"},
            {"from": "gpt", "value": "It is noon."},
        ]
    )
    assert [(s.kind, s.text) for s in t.steps] == [
        ("tool_call", "now({})"),
        ("tool_result", "12:00"),
        ("reasoning", "a bare string turn"),
    ]
    assert t.answer == "It is noon."
    assert t.context[0] == {"role": "user", "content": "What's the time?"}
    assert {"role": "narrator", "content": "meanwhile"} in t.context
    joined = " | ".join(t.warnings)
    assert "bare string" in joined
    assert "int, not a dict" in joined
    assert "unknown role 'narrator'" in joined


def test_polars_list_of_structs_with_nulls() -> None:
    df = pl.DataFrame(
        {
            "conv": [
                [
                    {"role": "user", "content": "q", "tool_call_id": None},
                    {"role": "assistant", "content": "thinking aloud", "tool_call_id": None},
                    {"role": "tool", "content": "result", "tool_call_id": "c9"},
                    {"role": "assistant", "content": "done", "tool_call_id": None},
                ]
            ]
        }
    )
    t = parse_trace(df["conv"][0])
    assert [(s.kind, s.text) for s in t.steps] == [
        ("reasoning", "thinking aloud"),
        ("tool_result", "result"),
    ]
    assert t.answer == "done"
    assert "unknown call id 'c9'" in t.warnings[0]


def test_messages_as_json_string_and_as_dict() -> None:
    msgs = _openai_trace()
    for x in (json.dumps(msgs), {"messages": msgs}, {"messages": msgs, "id": 7}):
        t = parse_trace(x)
        assert t.format == "messages"
        assert t.answer == "It is 68 °F in Paris."
        assert all(s.start is None for s in t.steps)
    one = parse_trace({"role": "assistant", "content": "alone"})
    assert one.texts == ["alone"]


def test_empty_message_list() -> None:
    t = parse_trace({"messages": []})
    assert t.steps == []
    assert t.warnings == ["the trace is an empty message list"]


# ---------------------------------------------------------------- custom splitter


def test_custom_splitter_replaces_builtins_and_keeps_offsets() -> None:
    src = "a; b;  c\n1. not split"
    t = parse_trace(src, splitter=lambda s: s.split(";"))
    check_offsets(src, t)
    assert t.texts == ["a", "b", "c\n1. not split"]
    assert t.format == "custom"


def test_custom_splitter_that_rewrites_text_loses_offsets_with_warning() -> None:
    t = parse_trace("one. two.", splitter=lambda s: [p.upper() for p in s.split(".")])
    assert t.texts == ["ONE", "TWO"]
    assert all(s.start is None for s in t.steps)
    assert "do not appear verbatim" in t.warnings[0]


@pytest.mark.parametrize(
    "bad",
    [lambda s: 1 / 0, lambda s: "not a list", lambda s: None],
    ids=["raises", "returns-str", "returns-none"],
)
def test_broken_custom_splitter_falls_back(bad: Any) -> None:
    t = parse_trace("1. a\n2. b", splitter=bad)
    assert t.texts == ["a", "b"]
    assert "custom splitter failed" in t.warnings[0]


def test_custom_splitter_runs_inside_think_blocks() -> None:
    src = "<think>x|y</think>z"
    t = parse_trace(src, splitter=lambda s: s.split("|"))
    check_offsets(src, t)
    assert (t.texts, t.answer) == (["x", "y"], "z")


# ---------------------------------------------------------------- odd values


@pytest.mark.parametrize(
    ("value", "n_steps", "warning"),
    [
        (None, 0, "the trace is missing (None)"),
        (float("nan"), 0, "the trace is missing (nan)"),
        (np.float64("nan"), 0, "the trace is missing (nan)"),
        (pd.NA, 0, "the trace is missing (<NA>)"),
        ("", 0, "the trace is empty"),
        (" \n\t\r\n ", 0, "the trace is only whitespace"),
        ([], 0, "the trace is an empty list"),
        (42, 1, "the trace is a number (int); shown as 1 step(s)"),
        (np.int64(7), 1, "the trace is a number (int); shown as 1 step(s)"),
        (True, 1, "the trace is a number (bool); shown as 1 step(s)"),
        ({"a": 1}, 1, "the trace is a dict without 'messages'; shown as 1 step(s)"),
    ],
)
def test_odd_values_never_raise(value: Any, n_steps: int, warning: str) -> None:
    t = parse_trace(value)
    assert len(t.steps) == n_steps
    assert t.warnings[0] == warning
    assert not t.truncated


def test_bytes_are_decoded() -> None:
    t = parse_trace("Step 1: café\nStep 2: ☕".encode())
    assert t.texts == ["café", "☕"]
    assert t.steps[0].start is None  # offsets only refer to str input
    assert t.warnings == ["the trace is bytes; decoded as UTF-8"]
    t = parse_trace(b"bad \xff byte")
    assert t.texts == ["bad \ufffd byte"]
    assert "invalid bytes replaced" in t.warnings[0]


def test_unprintable_and_unconvertible_objects() -> None:
    class Hostile:
        def __str__(self) -> str:
            raise RuntimeError("no")

        def tolist(self) -> list[str]:
            raise RuntimeError("no")

    t = parse_trace(Hostile())
    assert t.texts == ["<unprintable Hostile>"]
    assert "Hostile.tolist() failed" in t.warnings[0]
    t = parse_trace(object())
    assert t.format == "fallback"
    assert "the trace is of type object" in t.warnings[0]


def test_content_parts_with_non_string_types() -> None:
    # Found by hypothesis: a part whose "type" is a list once crashed the block reader.
    t = parse_trace({"role": "assistant", "content": [{"type": [], "text": "x"}, {"type": 5}]})
    assert "parsing failed" not in " ".join(t.warnings)
    assert t.texts == ["x", '{"type": 5}']


def test_deeply_nested_dict_does_not_raise() -> None:
    deep: dict[str, Any] = {}
    cur = deep
    for _ in range(5000):
        cur["k"] = {}
        cur = cur["k"]
    t = parse_trace(deep)
    assert len(t.steps) == 1


# ---------------------------------------------------------------- limits


def test_giant_string_is_truncated_at_max_chars() -> None:
    src = "Step 1: " + "x" * 2_000_000
    t = parse_trace(src)
    assert t.truncated
    assert len(t.steps[0].text) == 1_000_000 - len("Step 1: ")
    assert "2,000,008 characters" in t.warnings[0]


def test_max_steps_truncates() -> None:
    src = "\n".join(f"{i}. step {i}" for i in range(1, 51))
    t = parse_trace(src, max_steps=10)
    check_offsets(src, t)
    assert t.truncated
    assert t.texts == [f"step {i}" for i in range(1, 11)]
    assert "more than 10 steps" in t.warnings[-1]
    full = parse_trace(src)
    assert (len(full.steps), full.truncated) == (50, False)


def test_max_chars_for_lists_cuts_the_last_step() -> None:
    t = parse_trace(["abcd", "efgh", "ijkl"], max_chars=6)
    assert t.texts == ["abcd", "ef"]
    assert t.truncated


def test_exactly_at_the_limit_is_not_truncated() -> None:
    t = parse_trace(["abc", "def"], max_chars=6, max_steps=2)
    assert (t.texts, t.truncated, t.warnings) == (["abc", "def"], False, [])


def test_invalid_limits_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="max_steps"):
        parse_trace("x", max_steps=0)


# ---------------------------------------------------------------- unicode


def test_unicode_offsets_are_code_points() -> None:
    src = (
        "1. 👩‍👩‍👧 family emoji\n"
        "2. 汉字计算：三加四等于七\n"
        "3. מחשבים: שלוש ועוד ארבע\n"
        "4. حساب: ثلاثة زائد أربعة\n"
        "5. e\u0301 combining accent\n"
        "6. tab\tinside"
    )
    t = parse_trace(src)
    check_offsets(src, t)
    assert len(t.steps) == 6
    assert t.steps[1].text == "汉字计算：三加四等于七"
    assert t.steps[4].text == "e\u0301 combining accent"


def test_fullwidth_colon_answer_and_cjk_paragraphs() -> None:
    src = "第一步：三个苹果。\n\n第二步：再加四个。\n\nFinal answer： 7"
    t = parse_trace(src)
    check_offsets(src, t)
    assert t.texts == ["第一步：三个苹果。", "第二步：再加四个。"]
    assert t.answer == "7"


def test_step_kinds_are_documented() -> None:
    assert STEP_KINDS == ("reasoning", "tool_call", "tool_result")


# ---------------------------------------------------------------- properties

# Text biased towards the characters that drive the parser, so hypothesis explores
# markers, fences, tags and line breaks rather than plain letters.
_TOKENS = st.sampled_from(
    [
        "\n", "\r\n", "\r", "\n\n", " ", "  ", "\t", "1.", "2.", "1)", "(3)", "Step 1:",
        "**Step 2:**", "step", "- ", "* ", "+ ", "•", "**", "__", "```", "~~~", "$$",
        "<think>", "</think>", "<thinking>", "</reasoning>", "Final answer:", "Answer",
        "#### ", "## ", "3.14", "2024.", "a", "word", "é", "👍", "汉", "ش", "\u0301",
        "\u2028", "\x0c", "[", "]", "{", "}", '"role"', ":", "：",
    ]
)  # fmt: skip
_TEXT = st.one_of(st.text(max_size=300), st.lists(_TOKENS, max_size=80).map("".join))


def _assert_sane(t: Trace) -> None:
    assert not any(w.startswith("parsing failed") for w in t.warnings), t.warnings
    for s in t.steps:
        assert s.kind in STEP_KINDS
        assert isinstance(s.text, str)
        if s.kind == "reasoning":
            assert s.text
            assert s.text == s.text.strip()


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_property_any_text_parses_with_exact_offsets(src: str) -> None:
    t = parse_trace(src)
    _assert_sane(t)
    if t.format not in ("messages", "list"):
        check_offsets(src, t)


@settings(max_examples=200, deadline=None)
@given(_TEXT, st.integers(1, 5), st.integers(1, 40))
def test_property_limits_hold(src: str, max_steps: int, max_chars: int) -> None:
    t = parse_trace(src, max_steps=max_steps, max_chars=max_chars)
    _assert_sane(t)
    assert len(t.steps) <= max_steps
    assert sum(len(s.text) for s in t.steps) <= max_chars


_KEYS = "role content tool_calls function name arguments type text id tool_call_id messages"
_JSONISH = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | _TEXT | st.binary(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.dictionaries(st.sampled_from([*_KEYS.split(), "input", "from"]), inner, max_size=5)
    ),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(_JSONISH)
def test_property_any_structure_parses(x: Any) -> None:
    t = parse_trace(x)
    _assert_sane(t)
    if isinstance(x, float) and math.isnan(x):
        assert t.steps == []


def test_answer_marker_after_think_is_stripped():
    t = parse_trace("<think>\n1. a\n2. b\n</think>\n\nFinal answer: 3")
    assert t.answer == "3"
    src = "<think>x</think>#### 42"
    t = parse_trace(src)
    assert t.answer == "42"
    assert src[t.answer_span[0] : t.answer_span[1]] == "42"


def test_boxed_answer_on_the_last_line():
    src = "Step 1: 1/2 + 1/2 = 1.\nStep 2: halve it.\nThe final answer is $\\boxed{\\frac{1}{2}}$."
    t = parse_trace(src)
    assert t.answer == "\\frac{1}{2}"
    assert src[t.answer_span[0] : t.answer_span[1]] == t.answer
    assert [s.text for s in t.steps] == ["1/2 + 1/2 = 1.", "halve it."]
    # a boxed value in the middle of the reasoning is not the answer
    t = parse_trace("Step 1: we get $\\boxed{2}$ here.\nStep 2: then 3.")
    assert t.answer is None
