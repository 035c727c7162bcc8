"""Settings that protect people who view disturbing content all day.

Why these exist: content moderators exposed to graphic material show measurable harm
that grows with dose, and the practices that help are the ones tools can enforce
quietly: caps on exposure with real breaks, reduced vividness (grayscale, blur until
chosen), a way to look away instantly, and awareness of time spent. None of this changes
what is stored; it changes what the rater has to look at and when.

>>> Wellbeing(max_sensitive_per_hour=40, break_minutes=10).to_dict()["break_minutes"]
10.0
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import polars as pl

__all__ = ["Wellbeing", "exposure_in_last_hour"]


@dataclasses.dataclass(frozen=True)
class Wellbeing:
    """Wellbeing settings of a rater widget (recorded in the study manifest).

    - ``max_sensitive_per_hour``: after this many sensitive items (answered or skipped)
      within any 60 minutes, a break screen with a countdown of ``break_minutes`` hides
      all content. None: no limit.
    - ``session_reminder_minutes``: after this much active rating time, a gentle reminder
      to take a break (it does not block). None: no reminder.
    - ``grayscale`` / ``blur_media``: the starting preferences; each rater's own choice
      (toggled in the widget) persists in the store and wins over these.
    """

    max_sensitive_per_hour: int | None = None
    break_minutes: float = 10.0
    session_reminder_minutes: float | None = 50.0
    grayscale: bool = False
    blur_media: bool = False

    def __post_init__(self) -> None:
        m = self.max_sensitive_per_hour
        if m is not None and (isinstance(m, bool) or not isinstance(m, int) or m < 1):
            raise ValueError(f"max_sensitive_per_hour={m!r}: use a positive integer or None")
        if not self.break_minutes > 0:
            raise ValueError(f"break_minutes={self.break_minutes!r}: use a positive number")
        r = self.session_reminder_minutes
        if r is not None and not r > 0:
            raise ValueError(f"session_reminder_minutes={r!r}: use a positive number or None")

    def to_dict(self) -> dict[str, Any]:
        return {
            "max_sensitive_per_hour": self.max_sensitive_per_hour,
            "break_minutes": float(self.break_minutes),
            "session_reminder_minutes": (
                None if self.session_reminder_minutes is None
                else float(self.session_reminder_minutes)
            ),
            "grayscale": self.grayscale,
            "blur_media": self.blur_media,
        }  # fmt: skip


def exposure_in_last_hour(history: pl.DataFrame, now: dt.datetime) -> list[dt.datetime]:
    """Times (oldest first) this annotator finished a sensitive item within the last hour.

    ``history`` is the annotator's raw store rows; sensitive ones carry
    ``meta.sensitive = true``.
    """
    if history.height == 0:
        return []
    since = now - dt.timedelta(hours=1)
    flagged = history.filter(
        pl.col("meta").str.json_path_match("$.sensitive") == "true",
        pl.col("created_at") >= since,
    )
    return sorted(flagged.get_column("created_at").to_list())
