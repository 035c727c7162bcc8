"""Per-item flags the kernel attaches before content reaches the rater: which items are
sensitive (blurred until revealed), their content warning, and a model's suggested
labels (``suggestion=``), each decided from the row.

>>> flags = ItemFlags(["id", "text", "nsfw"], sensitive="nsfw", content_warning="Graphic")
>>> flags.flags({"nsfw": True})
(True, 'Graphic')
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from rater_widgets.content import check_columns
from rater_widgets.fields import Choice, MultiChoice, RubricError
from rater_widgets.rubric import Rubric

__all__ = ["ItemFlags", "SuggestionMode", "Suggestions"]

Row = Mapping[str, Any]
SuggestionMode = Literal["show", "prefill"]


class ItemFlags:
    """``sensitive``: a boolean column, a callable ``row -> bool``, or True for every
    item. ``content_warning``: a column, a callable ``row -> str | None``, or a literal
    text shown on sensitive items."""

    def __init__(
        self,
        columns: Sequence[str],
        *,
        sensitive: str | bool | Callable[[Row], Any] | None = None,
        content_warning: str | Callable[[Row], Any] | None = None,
    ) -> None:
        if isinstance(sensitive, str):
            check_columns(columns, [sensitive], "sensitive")
        elif sensitive is not None and not isinstance(sensitive, bool) and not callable(sensitive):
            raise TypeError("sensitive= takes a boolean column name, a callable or True")
        if not (content_warning is None or isinstance(content_warning, str)) and not callable(
            content_warning
        ):
            raise TypeError("content_warning= takes a column name, a callable or a text")
        self.sensitive = sensitive
        self.content_warning = content_warning
        self._warning_is_column = isinstance(content_warning, str) and content_warning in columns

    @property
    def columns(self) -> list[str]:
        """Source columns the flags read (so the widget keeps them)."""
        out = [self.sensitive] if isinstance(self.sensitive, str) else []
        if self._warning_is_column:
            out.append(str(self.content_warning))
        return out

    def flags(self, row: Row) -> tuple[bool, str | None]:
        """(sensitive, warning) for one row."""
        s = self.sensitive
        if s is None or s is False:
            sensitive = False
        elif s is True:
            sensitive = True
        elif isinstance(s, str):
            sensitive = bool(row.get(s))
        else:
            sensitive = bool(s(row))
        cw = self.content_warning
        warning: Any
        if cw is None:
            warning = None
        elif callable(cw):
            warning = cw(row)
        elif self._warning_is_column:
            warning = row.get(cw)
        else:
            warning = cw if sensitive else None
        if warning is not None and not isinstance(warning, str):
            warning = str(warning)
        if warning:
            sensitive = True  # a warned item is never shown unblurred
        return sensitive, warning or None


class Suggestions:
    """A model's labels shown beside the controls or prefilled into them.

    ``suggestion``: a column holding labels for the first choice field, or
    ``{field: column}``. ``mode``: "show" (a badge next to the field) or "prefill" (the
    answer starts from it). ``reveal_after``: keep it hidden until the rater has answered
    the item, to avoid anchoring.
    """

    def __init__(
        self,
        columns: Sequence[str],
        rubric: Rubric,
        suggestion: str | Mapping[str, str] | None,
        *,
        mode: SuggestionMode = "show",
        reveal_after: bool = False,
    ) -> None:
        self.mapping: dict[str, str] = {}
        if suggestion is None:
            return
        if isinstance(suggestion, str):
            first = next((f for f in rubric.fields if isinstance(f, Choice | MultiChoice)), None)
            if first is None:
                raise RubricError("suggestion= a column needs a choice field; use {field: column}")
            self.mapping = {first.name: suggestion}
        elif isinstance(suggestion, Mapping):
            for field in suggestion:
                rubric[field]  # raises naming the nearest field
            self.mapping = dict(suggestion)
        else:
            raise TypeError("suggestion= takes a column name or a {field: column} dict")
        check_columns(columns, list(self.mapping.values()), "suggestion")
        if mode not in ("show", "prefill"):
            raise ValueError(f"suggestion_mode={mode!r}: use 'show' or 'prefill'")
        if mode == "prefill" and reveal_after:
            raise ValueError(
                "suggestion_mode='prefill' shows the suggestion at once; it cannot "
                "be combined with reveal_after=True"
            )
        self.rubric = rubric
        self.mode = mode
        self.reveal_after = reveal_after

    def __bool__(self) -> bool:
        return bool(self.mapping)

    @property
    def columns(self) -> list[str]:
        return list(self.mapping.values())

    def for_row(self, row: Row) -> dict[str, Any] | None:
        """The suggestion as an answer dict; values the rubric would refuse are dropped."""
        if not self.mapping:
            return None
        out: dict[str, Any] = {}
        for field, col in self.mapping.items():
            value = row.get(col)
            if value is None:
                continue
            try:
                out[field] = self.rubric[field].check(value)
            except RubricError:
                continue  # a model label outside the options is not worth showing
        return out or None

    def config(self) -> dict[str, Any]:
        return {"mode": self.mode, "reveal_after": self.reveal_after, "fields": list(self.mapping)}
