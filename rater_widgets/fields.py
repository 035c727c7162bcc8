"""Rubric field types: what a rater can answer, and how each answer is checked.

Each field checks one value in :meth:`Field.check` and describes itself for the
frontend and for serialization in :meth:`Field.to_dict`. Conditions between fields
(``show_if``, ``required_if``) and keyboard keys are the :class:`~rater_widgets.Rubric`'s
job, because they involve more than one field.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

Condition = Mapping[str, Any]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: Column names the annotation frames use themselves; a field may not shadow them.
RESERVED_NAMES = frozenset(
    ["id", "annotator", "duration_ms", "updated_at", "role", "kind", "seq", "rubric_hash"]
)
#: Okabe–Ito palette: distinguishable with the common colour-vision deficiencies.
SPAN_COLORS = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")


class RubricError(ValueError):
    """An answer or a rubric definition that does not fit.

    ``field`` names the field at fault (None when the problem is not one field's).

    >>> str(RubricError("pick one of 'a', 'b'", field="verdict"))
    "field 'verdict': pick one of 'a', 'b'"
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        self.message = message
        super().__init__(f"field {field!r}: {message}" if field else message)


def nearest(name: object, choices: Sequence[str]) -> str:
    """A hint naming the closest valid choices, for error messages."""
    close = difflib.get_close_matches(str(name), list(choices), n=3, cutoff=0.5)
    listed = ", ".join(repr(c) for c in choices[:20]) + (" ..." if len(choices) > 20 else "")
    if close:
        return f"did you mean {' or '.join(repr(c) for c in close)}? Valid: {listed}"
    return f"valid: {listed}"


@dataclasses.dataclass(frozen=True)
class Option:
    """One choice of a :class:`Choice` or :class:`MultiChoice` field.

    >>> Option("violating", description="breaks the policy", key="3").label
    'violating'
    """

    value: str
    label: str | None = None
    description: str | None = None
    key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "label": self.label or self.value,
            "description": self.description,
            "key": self.key,
        }


def _options(raw: Sequence[str | Option | Mapping[str, Any]], field: str) -> tuple[Option, ...]:
    if isinstance(raw, str) or not isinstance(raw, Sequence) or not raw:
        raise RubricError("options must be a non-empty list of strings", field=field)
    out: list[Option] = []
    for o in raw:
        if isinstance(o, Option):
            out.append(o)
        elif isinstance(o, str):
            out.append(Option(o))
        elif isinstance(o, Mapping):
            unknown = set(o) - {"value", "label", "description", "key"}
            if unknown or "value" not in o:
                raise RubricError(
                    f"an option needs 'value' and may have label, description, key; got {dict(o)}",
                    field=field,
                )
            out.append(Option(**o))
        else:
            raise RubricError(f"option {o!r} must be a string or rw.Option", field=field)
    values = [o.value for o in out]
    dupes = sorted({v for v in values if values.count(v) > 1})
    if dupes:
        raise RubricError(f"duplicate options {dupes}", field=field)
    if any(not isinstance(v, str) or not v for v in values):
        raise RubricError("option values must be non-empty strings", field=field)
    return tuple(out)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Field:
    """Settings every field shares.

    ``required``: the answer must have a value. ``show_if`` / ``required_if``: conditions on
    earlier fields, e.g. ``{"verdict": ["violating"]}`` (all keys must match; a value matches
    when it is in the list, a multi-choice when any selected option is). ``help``: a line
    under the control; ``guideline``: a heading in the guidelines that help links to.
    """

    type: ClassVar[str] = "field"
    name: str
    label: str | None = None
    required: bool = False
    show_if: Condition | None = None
    required_if: Condition | None = None
    help: str | None = None
    guideline: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise RubricError(
                "field names must be identifiers (letters, digits, _), e.g. 'verdict'",
                field=str(self.name),
            )
        if self.name in RESERVED_NAMES:
            raise RubricError(
                f"the name is used by the annotation frame itself; reserved: "
                f"{sorted(RESERVED_NAMES)}",
                field=self.name,
            )

    # -- per-type behaviour
    def check(self, value: Any) -> Any:
        """Return the normalized value, or raise RubricError naming this field."""
        raise NotImplementedError

    def is_empty(self, value: Any) -> bool:
        return value is None or value in ("", [])

    def values_for_condition(self) -> list[Any] | None:
        """The values a condition on this field may name (None: any value of the type)."""
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "name": self.name,
            "label": self.label or self.name.replace("_", " ").capitalize(),
            "required": self.required,
            "show_if": _cond_dict(self.show_if),
            "required_if": _cond_dict(self.required_if),
            "help": self.help,
            "guideline": self.guideline,
        }

    def _err(self, message: str) -> RubricError:
        return RubricError(message, field=self.name)


def _cond_dict(cond: Condition | None) -> dict[str, list[Any]] | None:
    if cond is None:
        return None
    return {
        k: (list(v) if isinstance(v, list | tuple | set | frozenset) else [v])
        for k, v in cond.items()
    }


@dataclasses.dataclass(frozen=True, kw_only=True)
class _OptionsField(Field):
    options: Sequence[str | Option | Mapping[str, Any]]

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "options", _options(self.options, self.name))

    @property
    def option_values(self) -> list[str]:
        return [o.value for o in self.options]  # type: ignore[union-attr]

    def _check_option(self, value: Any) -> str:
        if not isinstance(value, str) or value not in self.option_values:
            raise self._err(f"{value!r} is not an option; {nearest(value, self.option_values)}")
        return value

    def values_for_condition(self) -> list[Any]:
        return self.option_values

    def to_dict(self) -> dict[str, Any]:
        d = super().to_dict()
        d["options"] = [o.to_dict() for o in self.options]  # type: ignore[union-attr]
        return d


@dataclasses.dataclass(frozen=True, kw_only=True)
class Choice(_OptionsField):
    """Pick exactly one option.

    >>> Choice("verdict", ["safe", "violating"]).check("safe")
    'safe'
    """

    type: ClassVar[str] = "choice"

    def __init__(self, name: str, options: Sequence[str | Option | Mapping[str, Any]], **kw: Any):
        _init(self, name=name, options=options, **kw)

    def check(self, value: Any) -> str:
        return self._check_option(value)


@dataclasses.dataclass(frozen=True, kw_only=True)
class MultiChoice(_OptionsField):
    """Pick any number of options (``min``/``max`` bound how many).

    >>> MultiChoice("categories", ["spam", "abuse"]).check(["abuse", "spam"])
    ['spam', 'abuse']
    """

    type: ClassVar[str] = "multichoice"
    min: int | None = None
    max: int | None = None

    def __init__(self, name: str, options: Sequence[str | Option | Mapping[str, Any]], **kw: Any):
        _init(self, name=name, options=options, **kw)

    def check(self, value: Any) -> list[str]:
        if not isinstance(value, list | tuple):
            raise self._err(f"expects a list of options, got {value!r}")
        picked = {self._check_option(v) for v in value}
        if self.min is not None and len(picked) < self.min:
            raise self._err(f"pick at least {self.min} options, got {len(picked)}")
        if self.max is not None and len(picked) > self.max:
            raise self._err(f"pick at most {self.max} options, got {len(picked)}")
        # option order, so the same answer always serializes the same way
        return [v for v in self.option_values if v in picked]

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "min": self.min, "max": self.max}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Scale(Field):
    """An integer rating from ``min`` to ``max`` (e.g. a 1–5 or 1–7 Likert scale).

    ``labels`` names some points, e.g. ``{1: "Strongly disagree", 5: "Strongly agree"}``.

    >>> Scale("confidence", 1, 5).check(4)
    4
    """

    type: ClassVar[str] = "scale"
    min: int
    max: int
    labels: Mapping[int, str] | None = None
    keys: Mapping[int, str] | None = None

    def __init__(self, name: str, min: int = 1, max: int = 5, **kw: Any):
        _init(self, name=name, min=min, max=max, **kw)

    def __post_init__(self) -> None:
        super().__post_init__()
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (self.min, self.max)):
            raise self._err("min and max must be integers")
        if self.max <= self.min or self.max - self.min > 100:
            raise self._err(f"needs min < max with at most 101 points, got {self.min}..{self.max}")
        for point in dict(self.labels or {}):
            if not self.min <= int(point) <= self.max:
                raise self._err(f"label for {point} is outside {self.min}..{self.max}")

    def check(self, value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._err(f"expects an integer from {self.min} to {self.max}, got {value!r}")
        if not self.min <= value <= self.max:
            raise self._err(f"{value} is outside {self.min}..{self.max}")
        return value

    def values_for_condition(self) -> list[Any]:
        return list(range(self.min, self.max + 1))

    @property
    def points(self) -> list[int]:
        return list(range(self.min, self.max + 1))

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "min": self.min,
            "max": self.max,
            "labels": {str(k): v for k, v in dict(self.labels or {}).items()},
            "keys": {str(k): v for k, v in dict(self.keys or {}).items()},
        }


@dataclasses.dataclass(frozen=True, kw_only=True)
class Text(Field):
    """Free text, e.g. a rationale (``min_length``/``max_length`` in characters).

    >>> Text("rationale", max_length=10).check("  too short  ")
    'too short'
    """

    type: ClassVar[str] = "text"
    min_length: int | None = None
    max_length: int | None = None
    multiline: bool = True
    placeholder: str | None = None
    key: str | None = None

    def __init__(self, name: str, **kw: Any):
        _init(self, name=name, **kw)

    def check(self, value: Any) -> str | None:
        if not isinstance(value, str):
            raise self._err(f"expects text, got {type(value).__name__}")
        text: str = value.strip()
        if text == "":
            return None
        if self.min_length is not None and len(text) < self.min_length:
            raise self._err(f"needs at least {self.min_length} characters, got {len(text)}")
        if self.max_length is not None and len(text) > self.max_length:
            raise self._err(f"allows at most {self.max_length} characters, got {len(text)}")
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "min_length": self.min_length,
            "max_length": self.max_length,
            "multiline": self.multiline,
            "placeholder": self.placeholder,
            "key": self.key,
        }


@dataclasses.dataclass(frozen=True, kw_only=True)
class Flag(Field):
    """A yes/no switch such as "escalate"; unanswered counts as False.

    >>> Flag("escalate").check(True)
    True
    """

    type: ClassVar[str] = "flag"
    key: str | None = None

    def __init__(self, name: str, **kw: Any):
        _init(self, name=name, **kw)

    def check(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self._err(f"expects true or false, got {value!r}")
        return value

    def is_empty(self, value: Any) -> bool:
        # a required flag means "must be ticked"
        return value is None or value is False

    def values_for_condition(self) -> list[Any]:
        return [True, False]

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "key": self.key}


@dataclasses.dataclass(frozen=True, kw_only=True)
class Number(Field):
    """A number, optionally bounded and integer-only.

    >>> Number("age", min=0, integer=True).check(41)
    41
    """

    type: ClassVar[str] = "number"
    min: float | None = None
    max: float | None = None
    step: float | None = None
    integer: bool = False
    key: str | None = None

    def __init__(self, name: str, **kw: Any):
        _init(self, name=name, **kw)

    def check(self, value: Any) -> float | int:
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if not number or not math.isfinite(value):
            raise self._err(f"expects a number, got {value!r}")
        num: float | int = value
        if self.integer:
            if not float(num).is_integer():
                raise self._err(f"expects a whole number, got {value!r}")
            num = int(num)
        if self.min is not None and num < self.min:
            raise self._err(f"{num} is below the minimum {self.min}")
        if self.max is not None and num > self.max:
            raise self._err(f"{num} is above the maximum {self.max}")
        return num

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "min": self.min,
            "max": self.max,
            "step": self.step,
            "integer": self.integer,
            "key": self.key,
        }


_HEX_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_SPAN_KEYS = {"start", "end", "label", "text", "step"}


@dataclasses.dataclass(frozen=True)
class SpanLabel:
    """One label of a :class:`Spans` field: its value, and optionally a key, a colour
    (``#RRGGBB``; default: the next Okabe–Ito colour) and a description.

    >>> SpanLabel("pii", key="p", description="personal data").value
    'pii'
    """

    value: str
    key: str | None = None
    color: str | None = None
    description: str | None = None

    def to_dict(self, index: int = 0) -> dict[str, Any]:
        return {
            "value": self.value,
            "key": self.key,
            "color": self.color or SPAN_COLORS[index % len(SPAN_COLORS)],
            "description": self.description,
        }


def _span_labels(raw: Any, field: str) -> tuple[SpanLabel, ...]:
    if isinstance(raw, str) or not isinstance(raw, Sequence) or not raw:
        raise RubricError("labels must be a non-empty list of strings", field=field)
    out: list[SpanLabel] = []
    for lab in raw:
        if isinstance(lab, SpanLabel):
            out.append(lab)
        elif isinstance(lab, str):
            out.append(SpanLabel(lab))
        elif isinstance(lab, Mapping):
            unknown = set(lab) - {"value", "key", "color", "description"}
            if unknown or "value" not in lab:
                raise RubricError(
                    "a span label needs 'value' and may have key, color, description; "
                    f"got {dict(lab)}",
                    field=field,
                )
            out.append(SpanLabel(**lab))
        else:
            raise RubricError(f"span label {lab!r} must be a string or a dict", field=field)
    values = [lab.value for lab in out]
    if any(not isinstance(v, str) or not v for v in values):
        raise RubricError("span label values must be non-empty strings", field=field)
    dupes = sorted({v for v in values if values.count(v) > 1})
    if dupes:
        raise RubricError(f"duplicate span labels {dupes}", field=field)
    for lab in out:
        if lab.color is not None and not (
            isinstance(lab.color, str) and _HEX_COLOR.match(lab.color)
        ):
            raise RubricError(
                f"label {lab.value!r}: color must be '#RRGGBB', got {lab.color!r}", field=field
            )
    return tuple(out)


def _offset(raw: Mapping[str, Any], key: str) -> int | None:
    v = raw.get(key)
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, bool) or not isinstance(v, int):
        return None
    return v


@dataclasses.dataclass(frozen=True, kw_only=True)
class Spans(Field):
    """Mark stretches of text (the words that break a policy, the clause where a step goes
    wrong) with labels.

    A span is ``{"start", "end", "label"}``: ``start``/``end`` are Python string indices
    (code points) into the original text of the ``source`` column (default: the widget's
    main content column; in a TraceRater, the step), so ``source[start:end]`` is the
    marked text; the widget checks the offsets against the item and stores the ``text``.
    ``labels``: strings, :class:`SpanLabel` or dicts ``{"value", "key", "color",
    "description"}``; each gets a key (a free letter unless given) and a colour-blind
    safe colour. ``suggestions``: a column of pre-annotated spans (a model's or a
    classifier's) that the rater accepts (``y``) or rejects (``x``) one by one.

    >>> Spans("evidence", labels=["threat", "pii"]).check([{"start": 4, "end": 9, "label": "pii"}])
    [{'start': 4, 'end': 9, 'label': 'pii'}]
    """

    type: ClassVar[str] = "spans"
    labels: Sequence[str | SpanLabel | Mapping[str, Any]]
    source: str | None = None
    suggestions: str | None = None

    def __init__(self, name: str, labels: Sequence[str | SpanLabel | Mapping[str, Any]], **kw: Any):
        _init(self, name=name, labels=labels, **kw)

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "labels", _span_labels(self.labels, self.name))
        for arg in ("source", "suggestions"):
            v = getattr(self, arg)
            if v is not None and (not isinstance(v, str) or not v):
                raise self._err(f"{arg}= takes a column name, got {v!r}")

    @property
    def label_values(self) -> list[str]:
        return [lab.value for lab in self.labels]  # type: ignore[union-attr]

    def check(self, value: Any) -> list[dict[str, Any]]:
        """The shape of each span (offsets, known label, no duplicates), sorted by
        position; offsets against the text are the widget's check (it has the item)."""
        if not isinstance(value, list | tuple):
            raise self._err(
                f"expects a list of spans like {{'start': 0, 'end': 5, 'label': "
                f"{self.label_values[0]!r}}}, got {_short(value)}"
            )
        out: list[dict[str, Any]] = []
        seen: set[tuple[Any, ...]] = set()
        for i, raw in enumerate(value):
            span = self._check_one(raw, i)
            ident = (span.get("step"), span["start"], span["end"], span["label"])
            if ident in seen:
                raise self._err(f"{describe_span(span)} is given twice")
            seen.add(ident)
            out.append(span)
        out.sort(key=lambda s: (s.get("step", -1), s["start"], s["end"], s["label"]))
        return out

    def _check_one(self, raw: Any, i: int) -> dict[str, Any]:
        where = f"span #{i + 1}"
        if not isinstance(raw, Mapping):
            raise self._err(f"{where} must be {{'start', 'end', 'label'}}, got {_short(raw)}")
        unknown = sorted(set(raw) - _SPAN_KEYS, key=str)
        if unknown:
            raise self._err(f"{where} has unknown key {unknown[0]!r}; a span has start, end, label")
        start, end = _offset(raw, "start"), _offset(raw, "end")
        if start is None or end is None:
            raise self._err(
                f"{where}: start and end must be integers, got {raw.get('start')!r}, "
                f"{raw.get('end')!r}"
            )
        label = raw.get("label")
        if not isinstance(label, str) or label not in self.label_values:
            raise self._err(
                f"{where} ({start}-{end}): label {label!r} is not a label of this field; "
                f"{nearest(label, self.label_values)}"
            )
        if not 0 <= start < end:
            raise self._err(
                f"{where} ({start}-{end} {label!r}): needs 0 <= start < end (offsets are "
                "code points into the text, end exclusive)"
            )
        span: dict[str, Any] = {"start": start, "end": end, "label": label}
        if "step" in raw and raw["step"] is not None:
            step = _offset(raw, "step")
            if step is None or step < 0:
                raise self._err(f"{where}: step must be a step index from 0, got {raw['step']!r}")
            span = {"step": step, **span}
        if raw.get("text") is not None:
            if not isinstance(raw["text"], str):
                raise self._err(f"{where}: text must be a string, got {_short(raw['text'])}")
            span["text"] = raw["text"]
        return span

    def values_for_condition(self) -> list[Any]:
        return []  # a condition cannot name a spans field: it has no values to compare

    def to_dict(self) -> dict[str, Any]:
        return {
            **super().to_dict(),
            "labels": [lab.to_dict(i) for i, lab in enumerate(self.labels)],  # type: ignore[union-attr]
            "source": self.source,
            "suggestions": self.suggestions,
        }


def describe_span(span: Mapping[str, Any]) -> str:
    """``span 4-9 'pii'`` (with the step when there is one), for messages."""
    step = f"step {span['step'] + 1}, " if span.get("step") is not None else ""
    return f"span {step}{span.get('start')}-{span.get('end')} {span.get('label')!r}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _init(obj: Any, **kw: Any) -> None:
    """Set dataclass fields from keywords, rejecting unknown ones with a clear message."""
    names = [f.name for f in dataclasses.fields(obj)]
    unknown = [k for k in kw if k not in names]
    if unknown:
        raise TypeError(
            f"{type(obj).__name__}() got unknown argument {unknown[0]!r}; "
            f"{nearest(unknown[0], [n for n in names if n != 'name'])}"
        )
    defaults = {
        f.name: f.default for f in dataclasses.fields(obj) if f.default is not dataclasses.MISSING
    }
    missing = [n for n in names if n not in kw and n not in defaults]
    if missing:
        raise TypeError(f"{type(obj).__name__}() needs {missing[0]!r}")
    for name in names:
        object.__setattr__(obj, name, kw.get(name, defaults.get(name)))
    obj.__post_init__()


#: type name in a rubric dict -> field class
FIELD_TYPES: dict[str, type[Field]] = {
    cls.type: cls for cls in (Choice, MultiChoice, Scale, Text, Flag, Number, Spans)
}
