"""Wellbeing on the kernel side of a rater: what a stored row says about how an item was
shown, exposure counting and breaks, and each annotator's viewing preferences (kept in
the study manifest)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rater_widgets.widgets._rater import RaterWidget


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def item_meta(w: RaterWidget, pos: int) -> dict[str, Any] | None:
    """What the stored row says about how the item was shown (never its content)."""
    meta: dict[str, Any] = {}
    if w._spec.redact:
        meta["redacted_view"] = True  # the rater saw masked content
    if w._flags.sensitive is not None and w._flags.flags(w._row(pos))[0]:
        meta["sensitive"] = True
    return meta or None


def count_exposure(w: RaterWidget, pos: int) -> None:
    """After a sensitive item: start a break when the hourly limit is reached."""
    limit = w.wellbeing.max_sensitive_per_hour
    if not limit or not (item_meta(w, pos) or {}).get("sensitive"):
        return
    at = now()
    w._exposure = [t for t in w._exposure if t > at - dt.timedelta(hours=1)]
    w._exposure.append(at)
    if len(w._exposure) >= limit:
        w._break_until = at + dt.timedelta(minutes=w.wellbeing.break_minutes)
        w._exposure.clear()
        send_break(w)


def send_break(w: RaterWidget) -> None:
    if w._break_until is None or w._break_until <= now():
        return
    limit = w.wellbeing.max_sensitive_per_hour
    w._reply(
        {
            "type": "break",
            "until": int(w._break_until.timestamp() * 1000),
            "reason": f"You have seen {limit} sensitive items within an hour.",
        }
    )


def prefs(w: RaterWidget) -> dict[str, bool]:
    saved = (w._store.get_manifest(w.study) or {}).get("prefs", {}).get(w.annotator)
    base = {"grayscale": w.wellbeing.grayscale, "blur_media": w.wellbeing.blur_media}
    return {**base, **(saved or {})}


def save_prefs(w: RaterWidget, prefs: Mapping[str, bool]) -> None:
    w._manifest_done.wait()  # one writer of the manifest at a time
    manifest = w._store.get_manifest(w.study) or {}
    everyone = dict(manifest.get("prefs", {}))
    everyone[w.annotator] = {**everyone.get(w.annotator, {}), **prefs}
    w._store.put_manifest(w.study, {**manifest, "prefs": everyone})
    w._config = {**w._config, "prefs": everyone[w.annotator]}
