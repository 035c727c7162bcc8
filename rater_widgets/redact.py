"""Mask personal data before content reaches the browser.

``redact=True`` masks e-mail addresses, phone numbers and payment card numbers (cards are
checked with the Luhn digit, so order numbers and dates are left alone); a list picks
some of those patterns; a callable ``str -> str`` does anything else. The kernel applies
it to every text it sends; stored answers record that the rater saw a redacted view.

>>> Redactor(True)("Mail ana@example.org or call +1 (415) 555-0100.")
'Mail [email] or call [phone].'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

__all__ = ["PATTERNS", "Redactor"]

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# 13-19 digits, optionally grouped by spaces or dashes
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
# international or North-American style numbers with at least 9 digits in all
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?)?\d{2,4}(?:[ .-]\d{2,4}){1,4}(?!\w)"
)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _cards(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group())
        return "[card]" if 13 <= len(digits) <= 19 and _luhn(digits) else m.group()

    return _CARD.sub(repl, text)


def _phones(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        # E.164 numbers have at most 15 digits; fewer than 9 are dates, prices, codes
        return "[phone]" if 9 <= len(re.sub(r"\D", "", m.group())) <= 15 else m.group()

    return _PHONE.sub(repl, text)


def _emails(text: str) -> str:
    return _EMAIL.sub("[email]", text)


#: The built-in patterns, applied in this order (cards before phones: a card number
#: would otherwise look like a phone number).
PATTERNS: dict[str, Callable[[str], str]] = {"email": _emails, "card": _cards, "phone": _phones}


class Redactor:
    """A ``str -> str`` mask built from ``redact=``; falsy means no redaction."""

    def __init__(self, spec: bool | str | Iterable[str] | Callable[[str], str] | None) -> None:
        self.steps: list[Callable[[str], str]] = []
        if spec is None or spec is False:
            return
        if spec is True:
            self.steps = list(PATTERNS.values())
        elif callable(spec):
            self.steps = [spec]
        else:
            names = [spec] if isinstance(spec, str) else list(spec)
            unknown = [n for n in names if n not in PATTERNS]
            if unknown:
                raise ValueError(
                    f"redact= names unknown pattern {unknown[0]!r}; built-in: {sorted(PATTERNS)}"
                )
            self.steps = [PATTERNS[n] for n in PATTERNS if n in names]

    def __bool__(self) -> bool:
        return bool(self.steps)

    def __call__(self, text: str) -> str:
        for step in self.steps:
            out = step(text)
            if not isinstance(out, str):
                raise TypeError(f"redact= must return a string, got {type(out).__name__}")
            text = out
        return text
