"""The rubric: the fields a rater answers, the guidelines they follow, and the judge of
every answer. The kernel validates; the frontend only mirrors checks for instant feedback.

>>> import rater_widgets as rw
>>> rubric = rw.Rubric([
...     rw.Choice("verdict", ["safe", "borderline", "violating"], required=True),
...     rw.Text("rationale", required_if={"verdict": ["violating"]}),
... ])
>>> rubric.validate({"verdict": "safe"})
{'verdict': 'safe', 'rationale': None}
"""

from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rater_widgets.fields import (
    FIELD_TYPES,
    Choice,
    Field,
    Flag,
    MultiChoice,
    Number,
    Option,
    RubricError,
    Scale,
    Spans,
    Text,
    nearest,
)
from rater_widgets.protocol import RESERVED_KEYS, SPAN_KEYS

__all__ = ["Option", "Rubric", "RubricError"]

_LETTERS = string.ascii_lowercase
_DIGITS = "123456789"
_KEYBOARD_ORDER = "qwertyuiopasdfghjklzxcvbnm"


class Rubric:
    """An ordered list of fields plus guidelines (a markdown string or a path to one).

    ``rubric_hash`` identifies the fields and the guidelines text; every stored answer
    records it, so a changed rubric is never silently mixed with an old one.
    """

    def __init__(self, fields: Sequence[Field], guidelines: str | Path | None = None) -> None:
        if isinstance(fields, Field):
            fields = [fields]
        if not isinstance(fields, Sequence) or isinstance(fields, str):
            raise RubricError("a Rubric takes a list of fields, e.g. [rw.Choice(...)]")
        for f in fields:
            if not isinstance(f, Field):
                raise RubricError(f"{f!r} is not a field; use rw.Choice, rw.Text, ...")
        names = [f.name for f in fields]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise RubricError(f"duplicate field names {dupes}")
        self.fields: tuple[Field, ...] = tuple(fields)
        self.guidelines: str | None = _read_guidelines(guidelines)
        self._by_name = {f.name: f for f in self.fields}
        self._check_conditions()
        self._check_explicit_keys()

    # ------------------------------------------------------------ construction helpers

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> Rubric:
        """Build from ``{"fields": [...], "guidelines": ...}`` (what :meth:`to_dict` returns)
        or a bare list of field dicts.

        >>> Rubric.from_dict([{"type": "flag", "name": "escalate"}]).fields[0].name
        'escalate'
        """
        if isinstance(d, Mapping):
            unknown = set(d) - {"fields", "guidelines", "hash", "version"}
            if unknown:
                raise RubricError(f"unknown rubric keys {sorted(unknown)}; use fields, guidelines")
            raw_fields = d.get("fields")
            guidelines = d.get("guidelines")
        else:
            raw_fields, guidelines = d, None
        if not isinstance(raw_fields, Sequence) or isinstance(raw_fields, str):
            raise RubricError("a rubric dict needs 'fields': a list of field dicts")
        fields = []
        for i, raw in enumerate(raw_fields):
            if not isinstance(raw, Mapping):
                raise RubricError(f"field #{i + 1} must be a dict, got {raw!r}")
            kw = dict(raw)
            kind = kw.pop("type", None)
            if kind not in FIELD_TYPES:
                raise RubricError(
                    f"field #{i + 1} ({kw.get('name')!r}) has type {kind!r}; "
                    f"{nearest(kind, sorted(FIELD_TYPES))}"
                )
            cls_ = FIELD_TYPES[kind]
            if cls_ is Scale:
                for k in ("labels", "keys"):
                    if kw.get(k):
                        kw[k] = {int(p): v for p, v in kw[k].items()}
            if "label" in kw and kw["label"] == kw.get("name", "").replace("_", " ").capitalize():
                kw.pop("label")  # the default label, as to_dict() writes it
            try:
                fields.append(cls_(**kw))
            except TypeError as e:
                raise RubricError(f"field #{i + 1} ({kw.get('name')!r}): {e}") from None
        return cls(fields, guidelines=guidelines)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Rubric:
        """Load a rubric from a YAML (or JSON) file; a relative ``guidelines`` path is
        resolved next to the file."""
        import yaml

        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise RubricError(f"rubric file {str(path)!r} does not exist") from None
        except yaml.YAMLError as e:
            raise RubricError(f"rubric file {str(path)!r} is not valid YAML: {e}") from None
        if isinstance(data, Mapping):
            g = data.get("guidelines")
            if isinstance(g, str) and "\n" not in g and (path.parent / g).is_file():
                data = {**data, "guidelines": (path.parent / g).read_text(encoding="utf-8")}
        return cls.from_dict(data)

    @classmethod
    def from_json(cls, path: str | Path) -> Rubric:
        """Load a rubric from a JSON file (same shape as :meth:`to_dict`)."""
        return cls.from_yaml(path)  # JSON is YAML; one loader, one set of messages

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dict; ``Rubric.from_dict(r.to_dict())`` gives the same rubric."""
        return {"fields": [f.to_dict() for f in self.fields], "guidelines": self.guidelines}

    @property
    def rubric_hash(self) -> str:
        """A stable 16-hex-digit hash of the fields and the guidelines text."""
        canon = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(canon.encode("utf-8")).hexdigest()[:16]

    def __getitem__(self, name: str) -> Field:
        try:
            return self._by_name[name]
        except KeyError:
            raise RubricError(f"no field {name!r}; {nearest(name, self.names)}") from None

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

    def __repr__(self) -> str:
        return f"Rubric([{', '.join(f'{f.type}:{f.name}' for f in self.fields)}])"

    # ------------------------------------------------------------ validation

    def validate(self, answer: Mapping[str, Any], *, ignore: Iterable[str] = ()) -> dict[str, Any]:
        """Check an answer and return it normalized: every field present (None when
        unanswered or hidden), values in canonical form. Raises RubricError naming the
        field and the allowed values. ``ignore``: keys some widgets add themselves
        (e.g. ``step_ratings``), passed through untouched.
        """
        if not isinstance(answer, Mapping):
            raise RubricError(f"an answer must be a dict of field -> value, got {answer!r}")
        ignore = set(ignore)
        for key in answer:
            if key not in self._by_name and key not in ignore:
                raise RubricError(f"unknown field {key!r}; {nearest(key, self.names)}", field=key)
        out: dict[str, Any] = {}
        for f in self.fields:
            raw = answer.get(f.name)
            if not self._holds(f.show_if, out):
                out[f.name] = None  # hidden fields keep no value, whatever was sent
                continue
            value = None if raw is None else f.check(raw)
            required = f.required or (f.required_if is not None and self._holds(f.required_if, out))
            if required and f.is_empty(value):
                raise RubricError(_required_message(f), field=f.name)
            # a shown flag or multi-choice left alone is an answer: "no" / "none of these"
            if value is None and isinstance(f, Flag):
                value = False
            elif value is None and isinstance(f, MultiChoice | Spans):
                value = []  # for spans: "read, nothing to mark", which agreement counts
            out[f.name] = value
        for key in ignore:
            if key in answer:
                out[key] = answer[key]
        return out

    def visible(self, answer: Mapping[str, Any]) -> list[str]:
        """Names of the fields shown for this (normalized) answer."""
        return [f.name for f in self.fields if self._holds(f.show_if, answer)]

    @staticmethod
    def _holds(cond: Mapping[str, Any] | None, answer: Mapping[str, Any]) -> bool:
        if cond is None:
            return True
        for name, raw in cond.items():
            allowed = raw if isinstance(raw, list | tuple | set) else [raw]
            value = answer.get(name)
            if isinstance(value, list):
                if not any(v in allowed for v in value):
                    return False
            elif value not in allowed or (value is None and None not in allowed):
                return False
        return True

    def _check_conditions(self) -> None:
        seen: dict[str, Field] = {}
        for f in self.fields:
            for kind, cond in (("show_if", f.show_if), ("required_if", f.required_if)):
                if cond is None:
                    continue
                if not isinstance(cond, Mapping) or not cond:
                    raise RubricError(f"{kind} must be a dict like {{'verdict': ['x']}}", f.name)
                for other, allowed in cond.items():
                    if other not in seen:
                        where = "later" if other in self._by_name else "no such"
                        raise RubricError(
                            f"{kind} refers to {other!r}, a {where} field; conditions may only "
                            f"use fields listed before this one: {list(seen)}",
                            field=f.name,
                        )
                    valid = seen[other].values_for_condition()
                    allowed_list = allowed if isinstance(allowed, list | tuple | set) else [allowed]
                    for v in allowed_list:
                        if valid is not None and v not in valid:
                            raise RubricError(
                                f"{kind} names {v!r}, which field {other!r} cannot take; "
                                f"{nearest(v, [str(x) for x in valid])}",
                                field=f.name,
                            )
            seen[f.name] = f

    # ------------------------------------------------------------ keyboard keys

    def _explicit_keys(self) -> list[tuple[str, str]]:
        """(key, where) for every key the rubric author chose."""
        out: list[tuple[str, str]] = []
        for f in self.fields:
            if isinstance(f, Choice | MultiChoice):
                out += [(o.key, f"{f.name}={o.value}") for o in f.options if o.key]  # type: ignore[union-attr]
            elif isinstance(f, Scale):
                out += [(k, f"{f.name}={p}") for p, k in dict(f.keys or {}).items()]
            elif isinstance(f, Text | Flag | Number) and f.key:
                out.append((f.key, f.name))
            elif isinstance(f, Spans):
                out += [(lab.key, f"{f.name}={lab.value}") for lab in f.labels if lab.key]  # type: ignore[union-attr]
        return out

    @property
    def has_spans(self) -> bool:
        """Whether a field marks spans (then the span keys, protocol.SPAN_KEYS, are taken)."""
        return any(isinstance(f, Spans) for f in self.fields)

    def _check_explicit_keys(self) -> None:
        seen: dict[str, str] = {}
        for key, where in self._explicit_keys():
            if key in RESERVED_KEYS:
                raise RubricError(
                    f"key {key!r} for {where} is reserved by the widget "
                    f"(reserved: {sorted(k for k in RESERVED_KEYS if len(k) == 1)})"
                )
            if key in SPAN_KEYS and self.has_spans:
                raise RubricError(
                    f"key {key!r} for {where} is used for span marking in a rubric with a "
                    f"Spans field (v: keyboard selection, y/x: accept/reject a suggestion, "
                    f"Delete: remove a span)"
                )
            if len(key) != 1:
                raise RubricError(f"key {key!r} for {where} must be a single character")
            if key in seen:
                raise RubricError(f"key {key!r} is given to both {seen[key]} and {where}")
            seen[key] = where

    def wire(self, reserved: Iterable[str] = (), digits: bool = True) -> dict[str, Any]:
        """The rubric as the frontend gets it: :meth:`to_dict` with every key resolved.

        Keys never clash with each other, with the widget's own keys (``reserved``), or
        with :data:`~rater_widgets.protocol.RESERVED_KEYS`. With ``digits``, the first
        choice or scale field that fits takes ``1``–``9``; other options take a letter
        of their label when free, else any free letter; when the letters run out a
        control has no key (it still works by mouse and Tab).
        """
        taken = set(RESERVED_KEYS) | set(reserved) | {k for k, _ in self._explicit_keys()}
        if self.has_spans:
            taken |= SPAN_KEYS
        d = self.to_dict()
        digits_free = digits and not any(k in _DIGITS for k, _ in self._explicit_keys())

        def pick(label: str) -> str | None:
            for ch in [c for c in label.lower() if c in _LETTERS] + list(_LETTERS):
                if ch not in taken:
                    taken.add(ch)
                    return ch
            return None

        for fd, f in zip(d["fields"], self.fields, strict=True):
            if isinstance(f, Choice | MultiChoice):
                opts = fd["options"]
                if (
                    digits_free
                    and isinstance(f, Choice)
                    and len(opts) <= 9
                    and not any(o["key"] for o in opts)
                ):
                    for o, digit in zip(opts, _DIGITS, strict=False):
                        o["key"] = digit
                    taken.update(_DIGITS[: len(opts)])
                    digits_free = False
                for o in opts:
                    if not o["key"]:
                        o["key"] = pick(o["label"])
            elif isinstance(f, Scale):
                keys = fd["keys"]
                if digits_free and f.max - f.min < 9 and not keys:
                    fd["keys"] = {str(p): _DIGITS[i] for i, p in enumerate(f.points)}
                    taken.update(_DIGITS[: len(f.points)])
                    digits_free = False
                elif not keys and f.max - f.min < 12:
                    # digits are taken: free letters in keyboard order, so a 1-5 scale reads
                    # left to right under the fingers (q w e r t ...)
                    row = [c for c in _KEYBOARD_ORDER if c not in taken][: len(f.points)]
                    if len(row) == len(f.points):
                        fd["keys"] = {str(p): k for p, k in zip(f.points, row, strict=True)}
                        taken.update(row)
            elif isinstance(f, Text | Flag | Number) and not fd["key"]:
                fd["key"] = pick(fd["label"])
            elif isinstance(f, Spans):
                for lab in fd["labels"]:
                    if not lab["key"]:
                        lab["key"] = pick(lab["value"])
        d["hash"] = self.rubric_hash
        return d


def _required_message(f: Field) -> str:
    if isinstance(f, Choice | MultiChoice):
        return (
            "is required; choose "
            + ("one" if isinstance(f, Choice) else "at least one")
            + (f" of {f.option_values}")
        )
    if isinstance(f, Scale):
        return f"is required; choose a value from {f.min} to {f.max}"
    if isinstance(f, Flag):
        return "must be ticked"
    if isinstance(f, Number):
        return "is required; enter a number"
    if isinstance(f, Spans):
        return f"is required; mark at least one span ({', '.join(f.label_values)})"
    return "is required; please fill it in"


def _read_guidelines(g: str | Path | None) -> str | None:
    if g is None:
        return None
    if isinstance(g, Path):
        if not g.is_file():
            raise RubricError(f"guidelines file {str(g)!r} does not exist")
        return g.read_text(encoding="utf-8")
    if not isinstance(g, str):
        raise RubricError(f"guidelines must be markdown text or a path, got {type(g).__name__}")
    # a one-line string naming an existing file is a path; anything else is the text itself
    if "\n" not in g and len(g) < 4096 and g.endswith((".md", ".markdown", ".txt")):
        p = Path(g).expanduser()
        if not p.is_file():
            raise RubricError(f"guidelines file {g!r} does not exist")
        return p.read_text(encoding="utf-8")
    return g
