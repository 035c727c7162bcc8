// The spans control of the rubric form: the field's labels (each with its key and
// colour), the spans marked so far (each focusable: Delete removes it), and the
// suggested spans still to accept (y) or reject (x).
//
// The list shows text only through textContent; what a span says comes from the
// item's source string, which is untrusted content like any other.

import type { AnswerValue, Span, SpansField } from "../protocol";
import { h, kbd } from "./dom";

/** What the list asks of the view's span controller. */
export interface SpanListDelegate {
  /** The text a span marks and where (e.g. "step 2 · 14–19"). */
  describe(field: string, span: Span): { text: string; where: string };
  /** Suggested spans not yet accepted or rejected, in order. */
  suggestions(field: string): Span[];
  /** Notes on this item's suggestions (some did not fit the text). */
  notes(field: string): string[];
  /** Mark the current selection with a label (the label buttons, for the mouse). */
  markSelection(field: string, label: string): void;
  accept(field: string, span: Span): void;
  reject(field: string, span: Span): void;
  /** A span (or suggestion) in the list got focus (null: none has). */
  focus(field: string, span: Span | null): void;
}

/** Identity of a span: where and which label (the kernel fills in the text). */
export function spanKey(s: Span): string {
  return `${s.step ?? ""}:${s.start}:${s.end}:${s.label}`;
}

/** A field value as a list of spans (anything else: none). */
export function asSpans(value: AnswerValue | undefined): Span[] {
  if (!Array.isArray(value)) return [];
  return value.filter((s): s is Span => typeof s === "object" && s !== null && !Array.isArray(s)
    && typeof (s as Span).start === "number" && typeof (s as Span).end === "number" && typeof (s as Span).label === "string");
}

/** Spans in reading order: by step, then position, then label. */
export function sortSpans(spans: Span[]): Span[] {
  return [...spans].sort((a, b) => (a.step ?? 0) - (b.step ?? 0) || a.start - b.start || a.end - b.end
    || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
}

const MAX_SHOWN = 140;

export class SpanList {
  readonly el: HTMLElement;
  private list: HTMLElement;
  private suggested: HTMLElement;
  private notes: HTMLElement;
  private delegate: SpanListDelegate | null = null;
  private spans: Span[] = [];
  private shown = "";

  constructor(private field: SpansField, private onChange: (spans: Span[]) => void) {
    const labels = h("div", { class: "rw-span-labels", role: "group", "aria-label": `${field.label}: labels` },
      field.labels.map((l) => h("button", {
        type: "button", class: "rw-opt rw-span-label", style: `--rw-span-color: ${l.color}`,
        title: l.description ?? undefined,
        "aria-label": `Mark the selection as ${l.value}${l.key ? ` (key ${l.key})` : ""}`,
        // keep the text selection: a click on the button must not clear it
        onmousedown: (e: Event) => e.preventDefault(),
        onclick: () => this.delegate?.markSelection(field.name, l.value),
      }, kbd(l.key), h("span", { class: "rw-span-swatch", "aria-hidden": "true" }), h("span", {}, l.value))));
    this.list = h("ul", { class: "rw-span-list", "aria-label": `${field.label}: marked spans` });
    this.suggested = h("ul", { class: "rw-span-list rw-span-suggestions", "aria-label": `${field.label}: suggested spans` });
    this.notes = h("div", { class: "rw-span-notes", hidden: true });
    this.el = h("div", { class: "rw-spans" }, labels,
      h("div", { class: "rw-span-hint rw-muted" },
        "Select words in the text, then press a label's key. ", kbd("v"), " selects with the keyboard (Shift+→ / Shift+← by word).",
        " A marked span: Tab to it, ", kbd("Delete"), " removes it."),
      this.list, this.suggested, this.notes);
  }

  bind(delegate: SpanListDelegate): void {
    this.delegate = delegate;
    this.shown = "";
    this.render(this.spans);
  }

  /** Show this field's value (an answer's spans) and the pending suggestions. */
  render(value: AnswerValue | undefined): void {
    const spans = sortSpans(asSpans(value));
    const pending = this.delegate?.suggestions(this.field.name) ?? [];
    const notes = this.delegate?.notes(this.field.name) ?? [];
    const sig = JSON.stringify([spans.map(spanKey), pending.map(spanKey), notes]);
    this.spans = spans;
    if (sig === this.shown) return;
    this.shown = sig;
    const had = this.el.contains(document.activeElement) ? (document.activeElement as HTMLElement) : null;
    const hadIndex = had?.dataset.i !== undefined ? Number(had.dataset.i) : null;
    const hadSuggested = had?.classList.contains("rw-span-suggested") ?? false;
    this.list.replaceChildren(...spans.map((s, i) => this.item(s, i, false)));
    this.suggested.replaceChildren(...pending.map((s, i) => this.item(s, i, true)));
    this.list.hidden = spans.length === 0;
    this.suggested.hidden = pending.length === 0;
    this.notes.textContent = notes.join(" ");
    this.notes.hidden = notes.length === 0;
    if (hadIndex !== null) this.focusItem(hadSuggested, hadIndex);
  }

  /** The suggestion whose list item has focus, if any. */
  focusedSuggestion(): Span | null {
    const a = document.activeElement as HTMLElement | null;
    if (!a || !this.suggested.contains(a) || a.dataset.i === undefined) return null;
    const pending = this.delegate?.suggestions(this.field.name) ?? [];
    return pending[Number(a.dataset.i)] ?? null;
  }

  /** Put focus on item i (or the last one) of the spans or suggestions list. */
  focusItem(suggested: boolean, i: number): boolean {
    const items = (suggested ? this.suggested : this.list).querySelectorAll<HTMLElement>("li");
    const item = items[Math.min(i, items.length - 1)];
    if (!item) return false;
    item.focus({ preventScroll: true });
    return true;
  }

  private remove(i: number): void {
    const next = this.spans.filter((_, k) => k !== i);
    this.spans = next;
    this.onChange(next);
    // keep the keyboard in the list: the next span (or the one before) gets focus
    if (!this.focusItem(false, i)) this.delegate?.focus(this.field.name, null);
  }

  private item(s: Span, i: number, suggested: boolean): HTMLElement {
    const label = this.field.labels.find((l) => l.value === s.label);
    const { text, where } = this.delegate?.describe(this.field.name, s) ?? { text: s.text ?? "", where: `${s.start}–${s.end}` };
    const shown = text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
    const actions = suggested
      ? [h("button", { type: "button", class: "rw-btn rw-small", "aria-label": `Accept suggested ${s.label} span (y)`,
          onclick: () => this.delegate?.accept(this.field.name, s) }, kbd("y"), "Accept"),
         h("button", { type: "button", class: "rw-btn rw-small", "aria-label": `Reject suggested ${s.label} span (x)`,
          onclick: () => this.delegate?.reject(this.field.name, s) }, kbd("x"), "Reject")]
      : [h("button", { type: "button", class: "rw-icon-btn rw-span-remove", "aria-label": `Remove ${s.label} span “${shown}”`,
          title: "Remove (Delete)", onclick: () => this.remove(i) }, "×")];
    const li = h("li", {
      class: `rw-span-item${suggested ? " rw-span-suggested" : ""}`, tabindex: "0", "data-i": String(i),
      style: `--rw-span-color: ${label?.color ?? "#888888"}`,
      "aria-label": `${suggested ? "Suggested " : ""}${s.label}: ${shown} (${where})`,
    },
    h("span", { class: "rw-span-swatch", "aria-hidden": "true" }),
    h("span", { class: "rw-span-name" }, s.label),
    h("q", { class: "rw-span-text", dir: "auto" }, shown),
    h("span", { class: "rw-span-where rw-muted" }, where),
    h("span", { class: "rw-spacer" }), ...actions);
    li.addEventListener("focus", () => this.delegate?.focus(this.field.name, s));
    li.addEventListener("blur", () => this.delegate?.focus(this.field.name, null));
    li.addEventListener("keydown", (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      let used = true;
      if (!suggested && (e.key === "Delete" || e.key === "Backspace")) this.remove(i);
      else if (suggested && e.key === "y") this.delegate?.accept(this.field.name, s);
      else if (suggested && e.key === "x") this.delegate?.reject(this.field.name, s);
      else if (e.key === "ArrowDown") this.focusItem(suggested, i + 1);
      else if (e.key === "ArrowUp") this.focusItem(suggested, Math.max(0, i - 1));
      else used = false;
      if (used) {
        e.preventDefault();
        e.stopPropagation(); // handled here: neither the rater's keys nor JupyterLab see it
      }
    });
    return li;
  }
}
