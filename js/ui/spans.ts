// Span marking for a view: selection (mouse, or the keyboard caret) -> source offsets,
// the label keys, suggested spans to accept or reject, and painting.
//
// Keys (the rubric reserves v, y, x and Delete when it has a spans field):
//   a label's key   mark the selected words with that label
//   v               keyboard selection in the text: a caret on the first word (again: the
//                   next text that takes spans, then off)
//     ← / →           move the caret a word back / forward
//     Shift+← / →     extend the selection a word (from where the caret was)
//     Shift+↑ / ↓     extend by a line (a sentence where lines are not known)
//     Home / End      to the start / end of the text (with Shift: extend)
//     Esc             leave keyboard selection
//   y / x           accept / reject the focused suggested span (else the first one)
//   Delete          (on a span in the list) remove it; ↑ / ↓ move in the list
//
// The view sends start, end and label (and step in a trace) as code-point offsets into
// the source; the kernel checks them and stores the text.

import "./spans.css";

import type { Answer, Item, RubricSpec, Span, SpanLabel, SpansField } from "../protocol";
import { CodePoints, TextMap } from "./spans_map";
import { asSpans, sortSpans, spanKey, type SpanList, type SpanListDelegate } from "./spans_list";
import { SpanPainter, type PaintRange } from "./spans_paint";

/** Shown text that spans can index: a block of an item, or one step of a trace. */
export interface SpanTarget {
  /** the rendered content box (`.rw-content`) */
  box: HTMLElement;
  source: string;
  format: string;
  /** the step of a trace (null: an item's block) */
  step: number | null;
  /** the spans fields that mark this text */
  fields: string[];
}

/** What the controller needs from the view it works in. */
export interface SpanHost {
  /** Every markable text on screen now (an item's source blocks; a trace's rendered steps). */
  targets(): SpanTarget[];
  /** Where keyboard selection starts, in order (`v` cycles through them). */
  caretTargets(): SpanTarget[];
  /** The source string a field's span indexes (its step's text in a trace), or null. */
  sourceOf(field: string, step: number | null): string | null;
  item(): Item | undefined;
  answer(): Answer;
  setAnswer(answer: Answer): void;
  /** A message under a field (null: clear it). */
  message(field: string, text: string | null): void;
  /** Re-render the form (nothing in the answer changed, e.g. a rejected suggestion). */
  refresh(): void;
}

interface SpansExtra { suggested?: Span[]; warnings?: string[] }

/** The answer as the kernel takes it: spans reduced to start, end, label (and step). */
export function spansForKernel(rubric: RubricSpec, answer: Answer): Answer {
  const out: Answer = { ...answer };
  for (const f of rubric.fields) {
    if (f.type !== "spans" || !Array.isArray(answer[f.name])) continue;
    out[f.name] = asSpans(answer[f.name]).map((s) => (
      s.step === undefined || s.step === null
        ? { start: s.start, end: s.end, label: s.label }
        : { step: s.step, start: s.start, end: s.end, label: s.label }));
  }
  return out;
}

export class SpanController implements SpanListDelegate {
  readonly fields: SpansField[];
  readonly painter: SpanPainter;
  private maps = new WeakMap<HTMLElement, TextMap>();
  private points = new Map<string, CodePoints>();
  private lists = new Map<string, SpanList>();
  /** rejected suggestions per item id (kept while the view lives) */
  private rejected = new Map<string, Set<string>>();
  private focused: { field: string; span: Span } | null = null;
  private caret: { target: SpanTarget; anchor: number; focus: number } | null = null;

  constructor(rubric: RubricSpec, private host: SpanHost) {
    this.fields = rubric.fields.filter((f): f is SpansField => f.type === "spans");
    this.painter = new SpanPainter(this.fields.map((f) => f.labels));
  }

  get active(): boolean { return this.fields.length > 0; }
  get caretActive(): boolean { return this.caret !== null; }

  /** Connect the form's span lists (a new form per item). */
  attach(lists: Map<string, SpanList>): void {
    this.lists = lists;
    for (const list of lists.values()) list.bind(this);
  }

  /** The item changed: forget the caret and the focused span. */
  reset(): void {
    this.caret = null;
    this.focused = null;
  }

  /** Build the maps of the texts on screen ahead of the first mark (idle time). */
  prepare(): void {
    for (const t of this.host.targets()) this.mapOf(t);
  }

  /** The map of a target's text (built once per rendered box), or null when it fails. */
  mapOf(t: SpanTarget): TextMap | null {
    let map = this.maps.get(t.box);
    if (!map) {
      try {
        map = TextMap.build(t.box, t.source, t.format);
      } catch (err) {
        console.warn("rater_widgets: cannot map this text for spans", err);
        return null;
      }
      this.maps.set(t.box, map);
    }
    return map;
  }

  // ------------------------------------------------------------ marking

  /** Mark the current selection with a label of a field (the label's key or button). */
  markSelection(field: string, label: string): void {
    const f = this.fields.find((x) => x.name === field);
    if (!f) return;
    const sel = document.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) {
      this.host.message(field, "Select the words to mark first: drag over them with the mouse, or press v "
        + "and extend the selection with Shift+→.");
      return;
    }
    const range = sel.getRangeAt(0);
    const hits = this.host.targets().filter((t) => t.fields.includes(field) && range.intersectsNode(t.box));
    if (hits.length === 0) {
      this.host.message(field, `${f.label} marks ${f.source ? `the ${f.source} text` : "the item's text"}: `
        + "select the words there.");
      return;
    }
    if (hits.length > 1) {
      this.host.message(field, "A span lies within one text: select inside a single "
        + (hits[0]!.step !== null ? "step." : "block."));
      return;
    }
    const t = hits[0]!;
    const map = this.mapOf(t);
    if (!map) {
      this.host.message(field, "This text cannot be traced back to its source, so it cannot be marked.");
      return;
    }
    const r = range.cloneRange();
    if (!t.box.contains(r.startContainer)) r.setStart(t.box, 0);
    if (!t.box.contains(r.endContainer)) r.setEnd(t.box, t.box.childNodes.length);
    const m = map.fromRange(r);
    if ("error" in m) {
      this.host.message(field, m.error);
      return;
    }
    const span: Span = t.step === null
      ? { start: m.start, end: m.end, label }
      : { step: t.step, start: m.start, end: m.end, label };
    const answer = this.host.answer();
    const spans = asSpans(answer[field]);
    if (spans.some((s) => spanKey(s) === spanKey(span))) {
      this.host.message(field, `“${clip(m.text)}” is already marked ${label}.`);
      return;
    }
    this.host.message(field, null);
    if (this.caret && this.caret.target.box === t.box) {
      const end = Math.max(this.caret.anchor, this.caret.focus);
      this.caret.anchor = this.caret.focus = end;
    }
    sel.removeAllRanges();
    this.host.setAnswer({ ...answer, [field]: sortSpans([...spans, span]) });
    this.applyCaret();
  }

  // ------------------------------------------------------------ suggestions

  private extra(field: string): SpansExtra {
    const spans = this.host.item()?.extra?.spans as Record<string, SpansExtra> | undefined;
    return spans?.[field] ?? {};
  }

  private rejectedOf(): Set<string> {
    const id = this.host.item()?.id ?? "";
    if (!this.rejected.has(id)) this.rejected.set(id, new Set());
    return this.rejected.get(id)!;
  }

  suggestions(field: string): Span[] {
    const suggested = asSpans(this.extra(field).suggested as Span[] | undefined);
    if (!suggested.length) return [];
    const taken = new Set(asSpans(this.host.answer()[field]).map(spanKey));
    const rejected = this.rejectedOf();
    return sortSpans(suggested.filter((s) => !taken.has(spanKey(s)) && !rejected.has(`${field}|${spanKey(s)}`)));
  }

  notes(field: string): string[] {
    const w = this.extra(field).warnings;
    return Array.isArray(w) ? w.map(String) : [];
  }

  accept(field: string, s: Span): void {
    const answer = this.host.answer();
    const spans = asSpans(answer[field]);
    const plain: Span = s.step === undefined || s.step === null
      ? { start: s.start, end: s.end, label: s.label }
      : { step: s.step, start: s.start, end: s.end, label: s.label };
    const hadFocus = this.listHasFocus(field);
    this.host.setAnswer({ ...answer, [field]: sortSpans([...spans, plain]) });
    if (hadFocus) this.lists.get(field)?.focusItem(true, 0);
  }

  reject(field: string, s: Span): void {
    const hadFocus = this.listHasFocus(field);
    this.rejectedOf().add(`${field}|${spanKey(s)}`);
    this.host.refresh();
    if (hadFocus) this.lists.get(field)?.focusItem(true, 0);
  }

  /** y / x: act on the focused suggestion, else on the first one; false when none is left. */
  decide(accept: boolean): boolean {
    for (const [field, list] of this.lists) {
      const s = list.focusedSuggestion();
      if (s) {
        if (accept) this.accept(field, s);
        else this.reject(field, s);
        return true;
      }
    }
    for (const f of this.fields) {
      const first = this.suggestions(f.name)[0];
      if (first) {
        if (accept) this.accept(f.name, first);
        else this.reject(f.name, first);
        return true;
      }
    }
    return false;
  }

  private listHasFocus(field: string): boolean {
    return this.lists.get(field)?.el.contains(document.activeElement) ?? false;
  }

  // ------------------------------------------------------------ the list

  describe(field: string, s: Span): { text: string; where: string } {
    const where = `${s.step !== undefined && s.step !== null ? `step ${s.step + 1} · ` : ""}${s.start}–${s.end}`;
    if (typeof s.text === "string") return { text: s.text, where };
    const source = this.host.sourceOf(field, s.step ?? null);
    if (source === null) return { text: "", where };
    let cp = this.points.get(source);
    if (!cp) {
      if (this.points.size > 32) this.points.clear();
      cp = new CodePoints(source);
      this.points.set(source, cp);
    }
    return { text: source.slice(cp.toUtf16(s.start), cp.toUtf16(s.end)), where };
  }

  focus(field: string, span: Span | null): void {
    this.focused = span ? { field, span } : null;
    this.repaint();
  }

  // ------------------------------------------------------------ keyboard selection

  /** v: start keyboard selection in the first text, then the next one, then stop. */
  toggleCaret(): boolean {
    const targets = this.host.caretTargets().filter((t) => (this.mapOf(t)?.units.length ?? 0) > 0);
    if (!targets.length) {
      const f = this.fields[0];
      if (f) this.host.message(f.name, "There is no text to select here.");
      return true;
    }
    const at = this.caret ? targets.findIndex((t) => t.box === this.caret!.target.box) : -1;
    if (this.caret && at === targets.length - 1) {
      this.stopCaret();
      return true;
    }
    const target = targets[at + 1]!;
    const first = this.mapOf(target)!.wordList()[0]?.[0] ?? 0;
    this.caret = { target, anchor: first, focus: first };
    this.applyCaret();
    return true;
  }

  /** Keyboard selection into another text (a trace's next step), at its first word. */
  moveCaretTo(target: SpanTarget | null): void {
    if (!this.caret) return;
    const map = target ? this.mapOf(target) : null;
    if (!target || !map || !map.units.length) {
      this.stopCaret();
      return;
    }
    const first = map.wordList()[0]?.[0] ?? 0;
    this.caret = { target, anchor: first, focus: first };
    this.applyCaret();
  }

  stopCaret(): void {
    if (!this.caret) return;
    this.caret = null;
    document.getSelection()?.removeAllRanges();
    this.repaint();
  }

  /** A key while keyboard selection is on: true when it moved the caret or selection. */
  caretKey(e: KeyboardEvent): boolean {
    const c = this.caret;
    if (!c) return false;
    if (!c.target.box.isConnected) {
      this.caret = null;
      return false;
    }
    const map = this.mapOf(c.target)!;
    const n = map.units.length;
    const extend = e.shiftKey;
    let to: number | null = null;
    switch (e.key) {
      case "ArrowRight": to = extend ? map.nextWordEnd(c.focus) : map.nextWordStart(c.focus); break;
      case "ArrowLeft": to = map.prevWordStart(c.focus); break;
      case "ArrowDown": to = this.byLine(map, c, true); break;
      case "ArrowUp": to = this.byLine(map, c, false); break;
      case "Home": to = map.textStart; break;
      case "End": to = map.textEnd; break;
      case "Escape": this.stopCaret(); return true;
      default: return false;
    }
    c.focus = Math.max(0, Math.min(n, to));
    if (!extend) c.anchor = c.focus;
    this.applyCaret();
    return true;
  }

  /** A line down or up: the browser knows lines (Selection.modify); else a sentence. */
  private byLine(map: TextMap, c: { anchor: number; focus: number }, forward: boolean): number {
    const sel = document.getSelection() as (Selection & { modify?: (a: string, d: string, g: string) => void }) | null;
    if (sel?.modify && map.box.getClientRects().length) {
      const [fn, fo] = map.point(c.focus);
      sel.setBaseAndExtent(fn, fo, fn, fo);
      sel.modify("move", forward ? "forward" : "backward", "line");
      const node = sel.focusNode;
      if (node && map.box.contains(node)) return map.boundaryAt(node, sel.focusOffset);
      return forward ? map.units.length : 0;
    }
    const Seg = (Intl as { Segmenter?: typeof Intl.Segmenter }).Segmenter;
    const starts = [0];
    if (Seg) for (const s of new Seg(undefined, { granularity: "sentence" }).segment(map.text)) starts.push(s.index);
    starts.push(map.units.length);
    if (forward) return starts.find((s) => s > c.focus) ?? map.units.length;
    return [...starts].reverse().find((s) => s < c.focus) ?? 0;
  }

  /** Show the caret's selection as the page's selection, and the caret word. */
  private applyCaret(): void {
    const c = this.caret;
    if (c) {
      const map = this.mapOf(c.target)!;
      const sel = document.getSelection();
      if (sel) {
        if (c.anchor === c.focus) sel.removeAllRanges();
        else {
          const [an, ao] = map.point(c.anchor);
          const [fn, fo] = map.point(c.focus);
          sel.setBaseAndExtent(an, ao, fn, fo);
        }
      }
    }
    this.repaint();
  }

  // ------------------------------------------------------------ painting

  /** Paint every span and suggestion on the texts now on screen. */
  repaint(): void {
    if (!this.active) return;
    const targets = this.host.targets();
    const answer = this.host.answer();
    const ranges: PaintRange[] = [];
    const rangeOf = (field: string, s: Span): Range | null => {
      const step = s.step ?? null;
      const t = targets.find((x) => x.step === step && x.fields.includes(field));
      const map = t ? this.mapOf(t) : null;
      return map ? map.toRange(s.start, s.end) : null;
    };
    this.fields.forEach((f, fi) => {
      const labelIndex = (l: string) => f.labels.findIndex((x: SpanLabel) => x.value === l);
      for (const s of asSpans(answer[f.name])) {
        const r = rangeOf(f.name, s);
        if (r) ranges.push({ range: r, field: fi, label: labelIndex(s.label), suggested: false });
      }
      for (const s of this.suggestions(f.name)) {
        const r = rangeOf(f.name, s);
        if (r) ranges.push({ range: r, field: fi, label: labelIndex(s.label), suggested: true });
      }
    });
    const focus = this.focused ? rangeOf(this.focused.field, this.focused.span) : null;
    let caret: Range | null = null;
    const c = this.caret;
    if (c && c.anchor === c.focus && c.target.box.isConnected) {
      const map = this.mapOf(c.target)!;
      const w = map.wordAt(c.focus);
      caret = w ? map.domRange(w[0], w[1]) : null;
    }
    this.painter.paint(ranges, focus, caret);
  }

  dispose(): void {
    this.painter.dispose();
  }
}

function clip(text: string, n = 60): string {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

/** Help rows for span marking (the label keys are listed with the rubric's keys). */
export function spanHelp(): Array<[string, string]> {
  return [
    ["v", "select words with the keyboard: ←/→ move by word, Shift+←/→ extend, Shift+↑/↓ by line, Esc stops (v again: the next text)"],
    ["y / x", "accept / reject the focused (or first) suggested span"],
    ["Delete", "remove the span focused in the list (Tab to it; ↑/↓ move in the list)"],
  ];
}
