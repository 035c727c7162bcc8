"""The shared base of every rater widget: traits, the submit/ack protocol, navigation.

The kernel is the judge and the system of record: a frontend message is checked against
the protocol, the queue and the rubric, appended to the store and committed before the
``ack`` goes out. The frontend shows the next item from its look-ahead without waiting,
so the ~40 ms a stock Jupyter server adds to every round trip is never in the rater's way.
"""

from __future__ import annotations

import datetime as dt
import getpass
import html
import json
import logging
import threading
import uuid
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import anywidget
import polars as pl
import traitlets

from rater_widgets import protocol as proto
from rater_widgets.adjudicate import ROLES, decision_fields, disagreements
from rater_widgets.content import ContentSpec, check_columns
from rater_widgets.fields import RubricError, nearest
from rater_widgets.flags import ItemFlags, Suggestions
from rater_widgets.frames import to_polars, typed_annotations, typed_history
from rater_widgets.ordering import Assignment, Order, OrderSpec, plan_order
from rater_widgets.queue import Progress, Queue
from rater_widgets.rubric import Rubric
from rater_widgets.store import NewRow, Store, StoreError, open_store
from rater_widgets.wellbeing import Wellbeing, exposure_in_last_hour
from rater_widgets.widgets import _boot, _rater_care, _rater_team
from rater_widgets.widgets._checks import (
    STATIC,
    check_bundle,
    check_ids,
    default_store,
    frontend_core,
)

__all__ = ["COMMON_ARGS", "QUEUE_ARGS", "STATIC", "RaterWidget"]

log = logging.getLogger("rater_widgets")
#: Keywords every rater takes and hands to the base class as they are (queue control,
#: modes, wellbeing).
COMMON_ARGS = (
    "stratify", "filter", "gold", "gold_rate", "overlap", "annotators", "assignment", "mode",
    "disagree_on", "wellbeing", "quiz", "quiz_pass_rate",
)  # fmt: skip
QUEUE_ARGS = COMMON_ARGS  # the earlier name
#: From this many rows on, the study manifest is recorded in a background thread.
MANIFEST_IN_BACKGROUND = 200_000
#: Longest time one item may count (a rater who left the tab open overnight).
MAX_DURATION_MS = 6 * 60 * 60 * 1000


class RaterWidget(anywidget.AnyWidget):
    """Base class: subclasses set ``_kind`` and may add answer keys of their own.

    Public, read-only results (``annotations``, ``history``, ``progress``) sit on top of
    private synced traits that carry no item content, so a notebook saved with widget
    state holds only the rubric and counts.
    """

    _esm = STATIC / "widget.js"
    _css = STATIC / "widget.css"
    #: the frontend itself, imported by ``_esm`` once per page and version (js/loader.ts)
    _core_path: ClassVar[Path] = STATIC / "widget_core.js"
    _rw_core = traitlets.Unicode("").tag(sync=True)
    _rw_core_key = traitlets.Unicode("").tag(sync=True)

    _kind = traitlets.Unicode("item").tag(sync=True)
    #: a random id: the frontend keys the one session all views of this widget share on it
    _uid = traitlets.Unicode("").tag(sync=True)
    #: the rubric with keyboard keys resolved (``Rubric.wire``)
    _rubric = traitlets.Dict().tag(sync=True)
    #: widget settings the frontend needs: labels, look-ahead, study name, annotator
    _config = traitlets.Dict().tag(sync=True)
    #: done / skipped / total for this annotator
    _progress = traitlets.Dict().tag(sync=True)
    #: the reply to a first hello (the items around the cursor, then the cursor), sent
    #: ahead with the widget's state so the page shows the first item without a round
    #: trip to the kernel. It is emptied when a page says hello and when the cell that
    #: made the widget ends, and the page empties its copy once read: a notebook saved
    #: with widget state keeps no item content.
    _boot: traitlets.List[Any] = traitlets.List().tag(sync=True)

    #: keys this widget kind uses itself, on top of protocol.RESERVED_KEYS
    _own_keys: ClassVar[tuple[str, ...]] = ()
    #: whether the rubric may take the digit keys
    _rubric_digits: ClassVar[bool] = True

    def __init__(
        self,
        data: Any,
        rubric: Rubric,
        *,
        id: str = "id",
        spec: ContentSpec,
        store: str | Path | Store | None = None,
        annotator: str | None = None,
        study: str = "default",
        order: Order = "as-is",
        seed: int = 0,
        limit: int | None = None,
        extra_columns: Sequence[str] = (),
        flags: ItemFlags | None = None,
        suggestions: Suggestions | None = None,
        blur_media: bool = False,
        stratify: str | None = None,
        filter: pl.Expr | None = None,
        gold: str | None = None,
        gold_rate: float = 0.1,
        overlap: int | None = None,
        annotators: Sequence[str] | None = None,
        assignment: Assignment | None = None,
        mode: str = "label",
        disagree_on: Sequence[str] | None = None,
        wellbeing: Wellbeing | None = None,
        quiz: int = 0,
        quiz_pass_rate: float = 0.8,
    ) -> None:
        check_bundle(self._core_path.parent)
        if not isinstance(rubric, Rubric):
            raise TypeError(f"rubric must be a rw.Rubric, got {type(rubric).__name__}")
        frame = to_polars(data)
        if frame.height == 0:
            raise ValueError("the data frame is empty: there is nothing to label")
        check_columns(frame.columns, [id], "id")
        flags = flags or ItemFlags(frame.columns)
        suggestions = suggestions or Suggestions(frame.columns, rubric, None)
        needed = list(
            dict.fromkeys([id, *spec.names, *extra_columns, *flags.columns, *suggestions.columns])
        )
        check_columns(frame.columns, needed, "column")
        ids = frame.get_column(id)
        check_ids(ids, id)
        if not isinstance(study, str) or not study:
            raise ValueError(f"study= must be a non-empty string, got {study!r}")

        self._frame = frame.select(needed)
        self._id_col = id
        self._id_dtype = ids.dtype
        self._spec = spec
        self._flags = flags
        self._suggestions = suggestions
        self.rubric = rubric
        self.study = study
        self._store = store if isinstance(store, Store) else open_store(default_store(store))
        self.annotator = annotator or self._store.default_annotator() or getpass.getuser()
        str_ids = ids.cast(pl.String)
        if overlap is not None:
            if assignment is not None:
                raise ValueError("give overlap= (with annotators=) or assignment=, not both")
            assignment = Assignment.overlap(str_ids, annotators or [], overlap, seed=seed)
        elif annotators is not None:
            raise ValueError("annotators= goes with overlap=k; for a fixed split use assignment=")
        if assignment is not None and self.annotator not in assignment.annotators:
            raise ValueError(
                f"annotator {self.annotator!r} has no items in this assignment; "
                f"{nearest(self.annotator, assignment.annotators)}"
            )
        self.assignment = assignment
        if mode not in ROLES:
            raise ValueError(f"mode={mode!r}: {nearest(mode, list(ROLES))}")
        self.mode = mode
        self._role = ROLES[mode]
        self._disagree_on = decision_fields(rubric) if disagree_on is None else list(disagree_on)
        own = self._own_answer_keys()
        for name in self._disagree_on:
            if name not in own:
                rubric[name]  # an unknown field raises, naming the nearest
        if mode != "label":
            focus = _rater_team.focus_items(self, mode).implode()
            in_focus = pl.col(id).cast(pl.String).is_in(focus)
            filter = in_focus if filter is None else filter & in_focus
        order_spec = OrderSpec(
            order=order, seed=seed, stratify=stratify, limit=limit, filter=filter, gold=gold,
            gold_rate=gold_rate, assignment=assignment, annotator=self.annotator, quiz=quiz,
        )  # fmt: skip
        if quiz and gold is None:
            raise ValueError("quiz= asks gold items first: pass gold='column of known answers'")
        if not 0 < quiz_pass_rate <= 1:
            raise ValueError(f"quiz_pass_rate={quiz_pass_rate!r}: use a fraction in (0, 1]")
        self._quiz_len = quiz
        self._quiz_pass_rate = quiz_pass_rate
        plan = plan_order(frame, order_spec, ids=str_ids)
        if plan.rows.size == 0:
            if mode != "label":
                raise ValueError(
                    f"nothing to {mode}: no item in study {study!r} has "
                    + ("disagreeing answers" if mode == "adjudicate" else "skips or flags")
                )
            raise ValueError("no items left to serve after filter=/assignment=; check them")
        self._gold_column = gold
        if gold is not None:
            needed.append(gold)
            self._frame = frame.select(list(dict.fromkeys(needed)))
        self._queue = Queue(str_ids, plan=plan)
        self._queue.load_status(
            self._store.latest(study, annotator=self.annotator, role=self._role)
        )
        self._cursor = self._queue.first_open()
        if wellbeing is not None and not isinstance(wellbeing, Wellbeing):
            raise TypeError("wellbeing= takes rw.Wellbeing(...)")
        self.wellbeing = wellbeing or Wellbeing()
        self._exposure: list[dt.datetime] = []
        self._break_until: dt.datetime | None = None
        if self.wellbeing.max_sensitive_per_hour:
            mine = self._store.history(study, annotator=self.annotator)
            self._exposure = exposure_in_last_hour(mine, _rater_care.now())
        self._cache: tuple[tuple[int, int], pl.DataFrame] | None = None
        # the study manifest (fingerprint of every shown value) is the slow part of a big
        # frame: there it runs beside the first item instead of before it
        self._manifest_done = threading.Event()
        if frame.height >= MANIFEST_IN_BACKGROUND:
            threading.Thread(
                target=self._manifest_job, args=(order_spec, seed), daemon=True,
                name="rater-widgets-manifest",
            ).start()  # fmt: skip
        else:
            self._record_manifest(order=order_spec, seed=seed)
            self._manifest_done.set()

        core, core_key = frontend_core(self._core_path)
        config = {
            "study": study,
            "annotator": self.annotator,
            "lookahead": proto.LOOKAHEAD,
            "lookbehind": proto.LOOKBEHIND,
            "blur_media": bool(blur_media),
            "suggestion": suggestions.config() if suggestions else None,
            "wellbeing": self.wellbeing.to_dict(),
            "prefs": _rater_care.prefs(self),
            "lock": _rater_team.quiz_lock(self),
            **self._frontend_config(),
        }
        self._boot_stale = False
        # the first items ride in the state only where the kernel can empty it when the
        # cell ends (IPython): elsewhere (marimo) the state is what an export keeps
        shell = _boot.ipython_shell()
        boot = (
            [
                self._items_message(self._window(self._cursor), config),
                {"type": "cursor", "pos": self._cursor},
            ]
            if shell is not None
            else []
        )
        # all state in the widget's first message (one comm_open, no updates after it)
        super().__init__(
            _uid=uuid.uuid4().hex, _rw_core=core, _rw_core_key=core_key,
            _rubric=rubric.wire(reserved=self._own_keys, digits=self._rubric_digits),
            _config=config, _progress=self._queue.progress().to_dict(),
            _boot=[m for m in boot if m is not None],
        )  # fmt: skip
        self.on_msg(self._on_msg)
        if self._boot:
            _boot.clear_after_cell(shell, self)

    # ------------------------------------------------------------ hooks for subclasses

    def _frontend_config(self) -> dict[str, Any]:
        """Extra settings for the frontend (no item content)."""
        return {}

    def _item_extra(self, row: Mapping[str, Any], pos: int) -> dict[str, Any]:
        """Widget-specific payload of one item (trace steps, sides, ...)."""
        return {}

    def _own_answer_keys(self) -> dict[str, pl.DataType]:
        """Answer keys the widget owns besides the rubric fields, with their column type."""
        return {}

    def _to_stored(
        self, answer: Mapping[str, Any], pos: int, *, from_frontend: bool
    ) -> Mapping[str, Any]:
        """Turn an answer into the form that is stored, before validation: the comparison
        widgets map what the rater saw (left/right, shown order) to column terms here."""
        return answer

    def _check_own_answer(self, answer: Mapping[str, Any], pos: int) -> dict[str, Any]:
        """Validate and normalize the widget-owned keys of an answer."""
        return {}

    def _answer_for_view(self, answer: dict[str, Any] | None, pos: int) -> dict[str, Any] | None:
        """A stored answer as the frontend gets it (items and acks). Widgets that store
        more than the rater may see (PairwiseRater: de-randomized sides, model names)
        map it back to what is on screen."""
        return answer

    # ------------------------------------------------------------ public, read-only results

    @property
    def annotations(self) -> pl.DataFrame:
        """The latest answer per (item, annotator) in this study, one typed column per field.

        Reads the store (cached until the next write), so it also sees other kernels'.
        """
        last = self._store.change_token(self.study)  # sees purges too
        if self._cache is None or self._cache[0] != last:
            latest = self._store.latest(self.study, role="annotator")
            frame = typed_annotations(
                latest, self.rubric, extra=self._own_answer_keys(), id_dtype=self._id_dtype
            )
            self._cache = (last, self._with_suggestions(frame))
        return self._cache[1]

    def _with_suggestions(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Add ``suggested_<field>`` columns (the model's label) beside the human ones."""
        if not self._suggestions:
            return frame
        dtypes = frame.schema
        cols = [
            pl.col(col).cast(dtypes[field], strict=False).alias(f"suggested_{field}")
            for field, col in self._suggestions.mapping.items()
        ]
        source = self._frame.select(pl.col(self._id_col).alias("id"), *cols)
        return frame.join(source, on="id", how="left")

    @property
    def history(self) -> pl.DataFrame:
        """Every revision in this study, oldest first, with timestamps and durations."""
        return typed_history(
            self._store.history(self.study),
            self.rubric,
            extra=self._own_answer_keys(),
            id_dtype=self._id_dtype,
        )

    @property
    def progress(self) -> Progress:
        """Done / skipped / total for this annotator."""
        return self._queue.progress()

    @property
    def disagreements(self) -> pl.DataFrame:
        """Items where annotators differ on a decision field (``disagree_on=``, default:
        every field but free text and numbers): id, n_annotators, the fields that differ,
        and the distinct values given per field."""
        frame = disagreements(self.annotations, self._disagree_on)
        return frame.with_columns(pl.col("id").cast(self._id_dtype))

    @property
    def adjudications(self) -> pl.DataFrame:
        """The final answers given in ``mode="adjudicate"`` (role "adjudicator")."""
        latest = self._store.latest(self.study, role="adjudicator")
        return typed_annotations(
            latest, self.rubric, extra=self._own_answer_keys(), id_dtype=self._id_dtype
        )

    @property
    def queue(self) -> pl.DataFrame:
        """What remains for this annotator, in serving order: pos, id, status (new or
        skipped) and gold (a quality-control item)."""
        frame = self._queue.frame(remaining=True)
        return frame.with_columns(pl.col("id").cast(self._id_dtype))

    def gold_accuracy(self, field: str | None = None, ci: float | None = 0.95) -> pl.DataFrame:
        """Each annotator's accuracy on the gold items (``gold=`` column: the known answer
        of ``field``, by default the rubric's first field), with Wilson intervals."""
        from rater_widgets.stats import gold_accuracy

        if self._gold_column is None:
            raise ValueError("this rater has no gold items; pass gold='column of known answers'")
        field = field or self.rubric.fields[0].name
        known = self._frame.select(
            pl.col(self._id_col).alias("id"), pl.col(self._gold_column).alias(field)
        ).drop_nulls(field)
        return gold_accuracy(self.annotations, known, field, ci=ci)

    @property
    def store(self) -> Store:
        """The store this widget writes to (once its study manifest is recorded)."""
        self._manifest_done.wait()
        return self._store

    def _manifest_job(self, order: OrderSpec, seed: int) -> None:
        try:
            self._record_manifest(order=order, seed=seed)
        except Exception as e:  # in a thread: say it, never lose it silently
            log.exception("rater_widgets: recording the study manifest failed")
            warnings.warn(f"study {self.study!r}: the manifest was not recorded: {e}", stacklevel=1)
        finally:
            self._manifest_done.set()

    @property
    def current(self) -> Any:
        """The id of the item on screen (None when every item is done)."""
        if self._cursor >= len(self._queue):
            return None
        return self._frame.get_column(self._id_col)[self._queue.row_at(self._cursor)]

    def labeled(self, annotator: str | None = "__self__") -> pl.DataFrame:
        """The source rows joined with the annotations (this annotator's by default;
        ``annotator=None`` for everyone's: one row per item and annotator)."""
        ann = self.annotations
        who = self.annotator if annotator == "__self__" else annotator
        if who is not None:
            ann = ann.filter(pl.col("annotator") == who)
        return self._frame.join(ann, left_on=self._id_col, right_on="id", how="left")

    # ------------------------------------------------------------ kernel-side actions

    def submit(self, answer: Mapping[str, Any], item: Any = None, *, ms: int = 0) -> dict[str, Any]:
        """Validate and store an answer for the current item (or ``item=`` an id), exactly
        as a keypress would; returns the normalized answer. Raises RubricError or
        StoreError, and stores nothing, when it does not fit.

        >>> w.submit({"verdict": "safe"})  # doctest: +SKIP
        """
        pos = self._position(item)
        normalized = self._record(pos, answer, ms=ms, seq=None, client=None)
        if pos == self._cursor:
            self._cursor = min(pos + 1, len(self._queue))
        self._invalidate([pos])
        self._reply({"type": "cursor", "pos": self._cursor})
        return normalized

    def skip(self, item: Any = None) -> None:
        """Skip the current item (or ``item=``), as the ``s`` key does."""
        pos = self._position(item)
        self._record_skip(pos, ms=0, seq=None, client=None)
        if pos == self._cursor:
            self._cursor = min(pos + 1, len(self._queue))
        self._invalidate([pos])
        self._reply({"type": "cursor", "pos": self._cursor})

    def retract(self, item: Any = None) -> None:
        """Withdraw this annotator's answer to an item (the current one by default). Undo is
        a new revision, never a delete: history keeps the answer and the retraction, and
        the item counts as unlabeled again."""
        pos = self._position(item)
        if self._queue.status(pos) == "new":
            raise ValueError(f"item {self._queue.id_at(pos)!r} has no answer to retract")
        self._store.append(
            NewRow(
                study=self.study, item_id=self._queue.id_at(pos), annotator=self.annotator,
                kind="retract", answer=None, rubric_hash=self.rubric.rubric_hash, role=self._role,
            )
        )  # fmt: skip
        self._queue.set_status(pos, "new")
        self._progress = self._queue.progress().to_dict()
        self._invalidate([pos])
        self._reply({"type": "cursor", "pos": self._cursor})

    def goto(self, item: Any) -> None:
        """Show this item (an id) in the widget."""
        self._cursor = self._position(item)
        self._reply({"type": "cursor", "pos": self._cursor})

    def close(self) -> None:
        """Close the widget's views and drop its frame; the store keeps every answer."""
        super().close()
        # also runs from __del__ of a widget whose construction was refused
        if hasattr(self, "_manifest_done"):
            self._manifest_done.wait()  # the manifest thread still reads the frame
        if hasattr(self, "_frame"):
            self._frame = self._frame.clear()

    # ------------------------------------------------------------ message handling

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        try:
            msg = proto.parse_client_message(content)
        except proto.ProtocolError as e:
            seq = content.get("seq") if isinstance(content, dict) else None
            self._error(seq if isinstance(seq, int) else None, None, None, str(e), None)
            return
        try:
            self._dispatch(msg)
        except Exception as e:  # a bug must reach the rater as an error, not a silent hang
            log.exception("rater_widgets: failed to handle %s", msg.get("type"))
            raw: dict[str, Any] = dict(msg)
            seq, item, pos = raw.get("seq"), raw.get("item"), raw.get("pos")
            self._error(seq, item, pos, f"internal error: {e}", None)

    def _dispatch(self, msg: proto.ClientMsg) -> None:
        if msg["type"] == "hello":
            booted = msg.get("booted", False)
            if self._boot:
                self._boot = []
            if booted and not self._boot_stale:
                self._send_items(msg["need"])  # the page has the boot items
            else:
                if booted:  # items changed since the boot was made: drop them all
                    self._reply({"type": "invalidate", "pos": None})  # to this page only
                # items first: when the cursor arrives, the frontend has what it needs
                self._send_items(self._window(self._cursor))
            self._reply({"type": "cursor", "pos": self._cursor})
            _rater_care.send_break(self)
            return
        if msg["type"] == "prefs":
            _rater_care.save_prefs(self, msg["prefs"])
            return
        if msg["type"] == "fetch":
            self._send_items(msg["need"])
            return
        if msg["type"] == "goto":
            self._cursor = min(msg["pos"], len(self._queue))
            self._send_items(msg["need"])
            return
        # submit / skip: the item must be the one the kernel believes is on screen
        pos, item, seq = msg["pos"], msg["item"], msg["seq"]
        problem = self._check_current(pos, item)
        if problem:
            self._error(seq, item, pos, problem, None)
            return
        # the ack goes out before the progress trait update: "saved" shows one message sooner
        with self.hold_sync():
            self._answer_message(msg, pos, item, seq)

    def _answer_message(
        self, msg: proto.SubmitMsg | proto.SkipMsg, pos: int, item: str, seq: int
    ) -> None:
        client = {**msg["client"], "seq": seq}
        ms = int(msg["ms"])
        try:
            if msg["type"] == "submit":
                answer = self._record(pos, msg["answer"], ms=ms, seq=seq, client=client)
            else:
                self._record_skip(pos, ms=ms, seq=seq, client=client)
                answer = None
        except RubricError as e:
            self._error(seq, item, pos, str(e), e.field)
            return
        except StoreError as e:
            self._error(seq, item, pos, str(e), None)  # the frontend says "Not saved"
            return
        self._cursor = min(pos + 1, len(self._queue))
        _rater_care.count_exposure(self, pos)
        reveal = None
        if answer is not None and self._suggestions and self._suggestions.reveal_after:
            reveal = self._suggestions.for_row(self._row(pos))
        self._reply(
            {"type": "ack", "seq": seq, "item": item, "pos": pos,
             "answer": self._answer_for_view(answer, pos),
             "suggestion": reveal}
        )  # fmt: skip
        self._send_items(msg["need"])

    # ------------------------------------------------------------ screening quiz

    def quiz_result(self) -> dict[str, Any] | None:
        """The screening quiz for this annotator: ``{"asked", "answered", "correct",
        "passed"}`` (passed is None until every quiz item is answered); None without a
        quiz."""
        return _rater_team.quiz_result(self)

    def _check_current(self, pos: int, item: str) -> str | None:
        if pos >= len(self._queue):
            return f"position {pos} is past the last item ({len(self._queue) - 1})"
        lock = self._config.get("lock")
        if lock and pos >= lock["after"]:
            return str(lock["message"])
        expected = self._queue.id_at(pos)
        if item != expected:
            return f"item {item!r} is not the item at position {pos} ({expected!r})"
        if pos != self._cursor:
            current = self._queue.id_at(self._cursor) if self._cursor < len(self._queue) else None
            return f"item {item!r} is not the current item (the current item is {current!r})"
        return None

    def _record(
        self,
        pos: int,
        answer: Mapping[str, Any],
        *,
        ms: int,
        seq: int | None,
        client: dict[str, Any] | None,
    ) -> dict[str, Any]:
        answer = self._to_stored(answer, pos, from_frontend=client is not None)
        own = self._own_answer_keys()
        normalized = self.rubric.validate(answer, ignore=own)
        normalized.update(self._check_own_answer(answer, pos))
        meta: dict[str, Any] | None = _rater_care.item_meta(self, pos)
        if self._suggestions:
            suggestion = self._suggestions.for_row(self._row(pos))
            visible = not self._suggestions.reveal_after or self._queue.status(pos) == "done"
            meta = {
                **(meta or {}),
                "suggestion": suggestion,
                "suggestion_mode": self._suggestions.mode,
                "suggestion_seen_before_answer": bool(suggestion) and visible,
            }
        self._store.append(
            NewRow(
                study=self.study,
                item_id=self._queue.id_at(pos),
                annotator=self.annotator,
                kind="answer",
                answer=normalized,
                rubric_hash=self.rubric.rubric_hash,
                seq=seq,
                session=client["session"] if client else None,
                duration_ms=max(0, min(int(ms), MAX_DURATION_MS)),
                client=client,
                meta=meta,
                role=self._role,
            )
        )
        self._queue.set_status(pos, "done")
        self._progress = self._queue.progress().to_dict()
        if self._quiz_len and pos < self._quiz_len:
            self._config = {**self._config, "lock": _rater_team.quiz_lock(self)}
        return normalized

    def _record_skip(
        self, pos: int, *, ms: int, seq: int | None, client: dict[str, Any] | None
    ) -> None:
        if self._queue.status(pos) == "done":
            return  # skipping past an answered item only moves on; the answer stands
        self._store.append(
            NewRow(
                study=self.study,
                item_id=self._queue.id_at(pos),
                annotator=self.annotator,
                kind="skip",
                answer=None,
                rubric_hash=self.rubric.rubric_hash,
                seq=seq,
                session=client["session"] if client else None,
                duration_ms=max(0, min(int(ms), MAX_DURATION_MS)),
                client=client,
                meta=_rater_care.item_meta(self, pos),
                role=self._role,
            )
        )
        self._queue.set_status(pos, "skipped")
        self._progress = self._queue.progress().to_dict()

    # ------------------------------------------------------------ wellbeing

    # ------------------------------------------------------------ items out

    def _window(self, pos: int) -> list[int]:
        lo = max(0, pos - proto.LOOKBEHIND)
        hi = min(len(self._queue), pos + proto.LOOKAHEAD + 1)
        return list(range(lo, hi))

    def _send_items(self, positions: Sequence[int]) -> None:
        msg = self._items_message(positions)
        if msg is not None:
            self._reply(msg)

    def _items_message(
        self, positions: Sequence[int], config: Mapping[str, Any] | None = None
    ) -> proto.ItemsMsg | None:
        """The items at ``positions`` (``config``: the settings in effect, for the
        constructor, before the ``_config`` trait is set)."""
        lock = (self._config if config is None else config).get("lock")
        end = lock["after"] if lock else len(self._queue)  # locked items never leave the kernel
        wanted = sorted({p for p in positions if 0 <= p < end})[: proto.MAX_NEED]
        if not wanted:
            return None
        return {"type": "items", "items": [self._item(p) for p in wanted]}

    def _row(self, pos: int) -> dict[str, Any]:
        return self._frame.row(self._queue.row_at(pos), named=True)

    def _item(self, pos: int) -> proto.Item:
        row = self._row(pos)
        item_id = self._queue.id_at(pos)
        status = self._queue.status(pos)
        answer = None
        if status == "done":
            mine = self._store.history(self.study, annotator=self.annotator, item_ids=[item_id])
            answers = mine.filter((pl.col("kind") == "answer") & (pl.col("role") == self._role))
            if answers.height:
                answer = json.loads(answers.get_column("answer")[-1])
        sensitive, warning = self._flags.flags(row)
        suggestion = None
        if self._suggestions and (not self._suggestions.reveal_after or status == "done"):
            suggestion = self._suggestions.for_row(row)
        return {
            "pos": pos,
            "id": item_id,
            "blocks": self._spec.blocks(row),
            "answer": self._answer_for_view(answer, pos),
            "status": status,
            "extra": {
                **self._item_extra(row, pos),
                **({"others": _rater_team.others(self, item_id)} if self.mode != "label" else {}),
            },
            "sensitive": sensitive,
            "warning": warning,
            "suggestion": suggestion,
        }

    def _position(self, item: Any) -> int:
        if item is None:
            if self._cursor >= len(self._queue):
                raise ValueError("every item is done; pass item= to change an earlier answer")
            return self._cursor
        pos = self._queue.position_of(str(item))
        if pos is None:
            raise ValueError(f"item {item!r} is not in this rater's queue")
        return pos

    def _reply(self, msg: proto.KernelMsg) -> None:
        self.send(msg)

    def _invalidate(self, positions: list[int] | None) -> None:
        """Items changed under the frontend: it drops them (and refetches what it needs)."""
        self._boot_stale = True  # a page that applies the boot later must not trust it
        self._reply({"type": "invalidate", "pos": positions})

    def _error(
        self, seq: int | None, item: str | None, pos: int | None, message: str, field: str | None
    ) -> None:
        self._reply(
            {
                "type": "error",
                "seq": seq,
                "item": item,
                "pos": pos,
                "message": message,
                "field": field,
            }
        )

    # ------------------------------------------------------------ study manifest

    def _record_manifest(self, *, order: Any, seed: int) -> None:
        """Record the study manifest on first use, or warn when the rubric or the data
        differ from the recorded ones (``rater_widgets.study``); ``order`` is the
        OrderSpec (typed Any so subclasses that extend the manifest can pass it through)."""
        assert isinstance(order, OrderSpec)
        from rater_widgets import __version__, study

        current = {
            "rubric": self.rubric.to_dict(),
            "rubric_hash": self.rubric.rubric_hash,
            "widget": type(self).__name__,
            "mode": self.mode,
            "wellbeing": self.wellbeing.to_dict(),
            "order": order.order if isinstance(order.order, str | tuple) else "callable",
            "seed": seed,
            "stratify": order.stratify,
            "limit": order.limit,
            "filter": None if order.filter is None else str(order.filter),
            "gold": order.gold,
            "gold_rate": order.gold_rate if order.gold else None,
            "assignment": None if order.assignment is None else order.assignment.frame.height,
            "package_version": __version__,
            "n_items": len(self._queue),
            "id_column": self._id_col,
            "store": self._store.url,
            **study.widget_record(self),
        }
        index = study.fingerprint(self._frame, id=self._id_col, columns=study.shown_columns(self))
        study.check_manifest(self._store, self.study, current, index)

    # ------------------------------------------------------------ display without a kernel

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, meta = bundle
        data["text/html"] = self._static_summary()
        return data, meta

    def _ipython_display_(self, **kwargs: Any) -> None:
        """Show the widget, then its static summary as a second output for pages that
        cannot run it (nbconvert's HTML, nbviewer, GitHub): they prefer a widget view even
        when it cannot render, so the summary must stand on its own. Wherever the widget
        does render, its CSS hides the summary (``.rw-static-fallback``)."""
        from IPython.display import display

        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return
        data, meta = bundle
        display(data, metadata=meta, raw=True)  # type: ignore[no-untyped-call]
        display({"text/html": self._static_summary(fallback=True)}, raw=True)  # type: ignore[no-untyped-call]

    def _static_summary(self, fallback: bool = False) -> str:
        p = self._queue.progress()
        fields = "".join(
            f"<li><code>{html.escape(f.name)}</code> ({f.type})</li>" for f in self.rubric.fields
        )
        return (
            f"<div class='rw-static{' rw-static-fallback' if fallback else ''}'>"
            f"<b>{html.escape(type(self).__name__)}</b> · study "
            f"<code>{html.escape(self.study)}</code> · {p.done} done, {p.skipped} skipped of "
            f"{p.total}<ul>{fields}</ul><i>Run the notebook with a live kernel to rate.</i></div>"
        )

    def __repr__(self) -> str:
        p = self._queue.progress()
        return (
            f"{type(self).__name__}(study={self.study!r}, annotator={self.annotator!r}, "
            f"done={p.done}, skipped={p.skipped}, total={p.total})"
        )
