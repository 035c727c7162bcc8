// The step list of one trace: a row per step (number, kind, rating buttons, note) whose
// content is rendered only when it comes near the visible part of the list.
//
// Hundreds of steps stay cheap: every row's chrome is a few small elements, but markdown,
// math and code are rendered (through the one renderer) only for rows within a margin of
// the scroll box, found by an IntersectionObserver; the rest hold a placeholder of
// estimated height so the scrollbar is about right. Without IntersectionObserver (jsdom)
// only the rows around the focused step are rendered.

import { renderCode, renderMarkdown, renderText, type RenderContext } from "../render/index";
import { h, kbd } from "../ui/dom";
import type { Notes, Ratings, StepLabel, TraceStep } from "./trace_answer";

export interface StepListOptions {
  labels: StepLabel[];
  format: "markdown" | "text";
  onRate(step: number, value: number): void;
  onFocus(step: number): void;
  onNote(step: number, text: string): void;
  /** A step's content was rendered (again): spans paint on it. */
  onRender?(step: number): void;
}

/** Rows rendered around the focused step whatever the observer says (j/k land on content). */
const AROUND = { before: 2, after: 6 };
/** Rows rendered at once when there is no IntersectionObserver. */
const EAGER = 24;
const LINE_PX = 22;
const CHARS_PER_LINE = 90;

interface Row {
  el: HTMLElement;
  head: HTMLElement;
  body: HTMLElement;
  /** controls exist only once the row came near the viewport */
  buttons: HTMLButtonElement[] | null;
  first: HTMLElement | null;
  noteBox: HTMLElement;
  note: HTMLTextAreaElement | null;
  rendered: boolean;
  rating: number | null | undefined;
  isFirst: boolean | undefined;
}

export class StepList {
  readonly el: HTMLElement;
  private rows: Row[] = [];
  private observer: IntersectionObserver | null = null;
  private focused = -1;
  private missing: number | null = null;
  private allowRemote = false;
  private ratings: Ratings = [];
  private notes: Notes = [];
  private firstError: number | null = null;

  constructor(private steps: TraceStep[], private opts: StepListOptions) {
    this.el = h("div", { class: "rw-steps", role: "list", "aria-label": `Steps (${steps.length})` });
    const IO = (globalThis as { IntersectionObserver?: typeof IntersectionObserver }).IntersectionObserver;
    if (IO) {
      this.observer = new IO((entries) => {
        for (const e of entries) {
          if (e.isIntersecting) this.render(Number((e.target as HTMLElement).dataset.step));
        }
      }, { root: this.el, rootMargin: "800px 0px" });
    }
    const frag = document.createDocumentFragment();
    steps.forEach((step, i) => {
      const row = this.row(step, i);
      this.rows.push(row);
      frag.append(row.el);
      this.observer?.observe(row.el);
    });
    this.el.append(frag);
    if (!this.observer) for (let i = 0; i < Math.min(EAGER, steps.length); i++) this.render(i);
  }

  get length(): number { return this.rows.length; }

  /** The rendered content box of step i (null until the row is rendered). */
  contentOf(i: number): HTMLElement | null {
    const row = this.rows[i];
    return row?.rendered ? row.body.querySelector<HTMLElement>(":scope > .rw-content") : null;
  }

  /** Render step i now (keyboard selection goes into it). */
  ensureRendered(i: number): void { this.render(i); }

  /** Indices of the rendered steps. */
  renderedSteps(): number[] {
    const out: number[] = [];
    this.rows.forEach((r, i) => { if (r.rendered) out.push(i); });
    return out;
  }
  get renderedCount(): number { return this.rows.filter((r) => r.rendered).length; }

  /** Reflect ratings, notes, the first error and the focused step (only rows that changed). */
  update(ratings: Ratings, notes: Notes, firstError: number | null, focus: number): void {
    this.ratings = ratings;
    this.notes = notes;
    this.firstError = firstError;
    this.rows.forEach((row, i) => this.apply(row, i));
    this.setFocus(focus);
  }

  /** Outline the step a check found unrated (null: none). */
  setMissing(i: number | null): void {
    if (i === this.missing) return;
    if (this.missing !== null) this.rows[this.missing]?.el.classList.remove("rw-step-missing");
    this.missing = i;
    if (i !== null) this.rows[i]?.el.classList.add("rw-step-missing");
  }

  setFocus(i: number): void {
    if (i === this.focused || i < 0 || i >= this.rows.length) return;
    this.rows[this.focused]?.el.classList.remove("rw-focused");
    this.rows[this.focused]?.el.removeAttribute("aria-current");
    this.focused = i;
    const row = this.rows[i]!;
    row.el.classList.add("rw-focused");
    row.el.setAttribute("aria-current", "step");
    for (let j = Math.max(0, i - AROUND.before); j <= Math.min(this.rows.length - 1, i + AROUND.after); j++) {
      this.render(j);
    }
    this.reveal(row.el);
  }

  /** Show the note box of a step; with `focus`, put the caret in it. */
  openNote(i: number, focus = true): void {
    const row = this.rows[i];
    if (!row) return;
    this.render(i);
    if (!row.note) {
      const box = h("textarea", {
        class: "rw-input rw-step-note-input", rows: 2, dir: "auto",
        "aria-label": `Note on step ${i + 1}`,
        placeholder: "Why? (Esc leaves the box, Ctrl+Enter submits the trace)",
      });
      box.value = this.notes[i] ?? "";
      box.addEventListener("input", () => this.opts.onNote(i, box.value));
      box.addEventListener("focus", () => this.opts.onFocus(i));
      row.note = box;
      row.noteBox.append(box);
    }
    row.noteBox.hidden = false;
    if (focus) row.note.focus({ preventScroll: true });
  }

  /** Render remote images in steps from now on (the rater allowed them). */
  allowRemoteLoads(): void {
    this.allowRemote = true;
    this.rows.forEach((row, i) => {
      if (row.rendered) {
        row.body.replaceChildren(this.content(this.steps[i]!));
        this.opts.onRender?.(i);
      }
    });
  }

  dispose(): void {
    this.observer?.disconnect();
    this.observer = null;
  }

  private apply(row: Row, i: number): void {
    const note = this.notes[i] ?? "";
    if (note && row.noteBox.hidden) this.openNote(i, false);
    if (!row.rendered) return; // render() applies the state when the row is built
    const rating = this.ratings[i] ?? null;
    if (row.rating !== rating) {
      row.rating = rating;
      for (const b of row.buttons!) b.setAttribute("aria-pressed", String(Number(b.dataset.value) === rating));
      row.el.classList.toggle("rw-step-rated", rating !== null);
      row.el.dataset.rating = rating === null ? "" : String(rating);
    }
    const isFirst = this.firstError === i;
    if (row.isFirst !== isFirst) {
      row.isFirst = isFirst;
      row.first!.hidden = !isFirst;
      row.el.classList.toggle("rw-step-first-error", isFirst);
    }
    if (row.note && document.activeElement !== row.note && row.note.value !== note) row.note.value = note;
  }

  /** Scroll the list (never the notebook) so the row is visible with some of what follows. */
  private reveal(el: HTMLElement, again = true): void {
    const box = this.el;
    if (!box.clientHeight) return; // not laid out (detached or jsdom)
    const above = 40;
    const below = Math.min(160, box.clientHeight / 3); // room to read ahead
    const top = el.offsetTop;
    const bottom = top + el.offsetHeight;
    if (top < box.scrollTop + above) box.scrollTop = Math.max(0, top - above);
    else if (bottom > box.scrollTop + box.clientHeight - below) {
      box.scrollTop = Math.min(top - above, bottom - box.clientHeight + below);
    }
    // math and fonts can settle a frame later and change the row's height: check once more
    if (again && typeof requestAnimationFrame === "function") {
      requestAnimationFrame(() => { if (el.classList.contains("rw-focused")) this.reveal(el, false); });
    }
  }

  /** Build a row's controls and render its content through the one renderer. */
  private render(i: number): void {
    const row = this.rows[i];
    const step = this.steps[i];
    if (!row || !step || row.rendered) return;
    row.rendered = true;
    this.observer?.unobserve(row.el);
    const kind = kindLabel(step);
    row.buttons = this.opts.labels.map((l) => h("button", {
      type: "button", class: "rw-opt rw-step-opt", "data-value": String(l.value), "aria-pressed": "false",
      title: l.description ?? undefined, "aria-label": `Rate step ${i + 1} ${l.name} (key ${l.key})`,
      onclick: () => this.opts.onRate(i, l.value),
    }, kbd(l.key), h("span", {}, l.name)));
    row.first = h("span", { class: "rw-step-first", hidden: true }, "first error");
    const noteBtn = h("button", {
      type: "button", class: "rw-opt rw-step-note-btn", "aria-label": `Note on step ${i + 1} (key n)`,
      onclick: () => { this.opts.onFocus(i); this.openNote(i); },
    }, kbd("n"), "note");
    row.head.append(
      kind ? h("span", { class: `rw-step-kind rw-step-kind--${step.kind}` }, kind) : "",
      row.first,
      h("span", { class: "rw-spacer" }),
      h("span", { class: "rw-step-rate", role: "radiogroup", "aria-label": `Rating of step ${i + 1}` }, row.buttons),
      noteBtn);
    row.body.replaceChildren(this.content(step));
    row.body.style.minHeight = "";
    row.body.classList.remove("rw-step-placeholder");
    this.apply(row, i);
    this.opts.onRender?.(i);
  }

  private content(step: TraceStep): HTMLElement {
    const ctx: RenderContext = { allowRemote: this.allowRemote, onAllowRemote: () => this.allowRemoteLoads() };
    if (step.kind === "tool_call") {
      const args = step.meta?.arguments;
      const shown = args === undefined ? step.text
        : typeof args === "string" ? args : JSON.stringify(args, null, 2);
      return renderCode(shown, "json", ctx);
    }
    if (step.kind === "tool_result") return renderCode(step.text, null, ctx);
    return this.opts.format === "text" ? renderText(step.text, ctx) : renderMarkdown(step.text, ctx);
  }

  /** A light row: the step number and a placeholder of about the content's height. */
  private row(step: TraceStep, i: number): Row {
    const kind = kindLabel(step);
    const head = h("div", { class: "rw-step-head" }, h("span", { class: "rw-step-num" }, `Step ${i + 1}`));
    const lines = Math.min(40, Math.max(1, Math.ceil(step.text.length / CHARS_PER_LINE) + (step.text.match(/\n/g)?.length ?? 0)));
    const body = h("div", { class: "rw-step-body rw-step-placeholder" });
    body.style.minHeight = `${lines * LINE_PX}px`;
    const noteBox = h("div", { class: "rw-step-note", hidden: true });
    const el = h("div", {
      class: `rw-step rw-step--${step.kind}${step.meta?.is_error ? " rw-step--error" : ""}`,
      role: "listitem", "data-step": String(i), "aria-label": `Step ${i + 1}${kind ? ` (${kind})` : ""}`,
    }, head, body, noteBox);
    // a click on the step (not on a control) makes it the focused step
    el.addEventListener("mousedown", (e) => {
      if (!(e.target as HTMLElement).closest("button, textarea, a")) this.opts.onFocus(i);
    });
    return { el, head, body, buttons: null, first: null, noteBox, note: null, rendered: false, rating: undefined, isFirst: undefined };
  }
}

function kindLabel(step: TraceStep): string | null {
  const name = step.meta?.name ? ` · ${step.meta.name}` : "";
  if (step.kind === "tool_call") return `tool call${name}`;
  if (step.kind === "tool_result") return `tool result${name}${step.meta?.is_error ? " · error" : ""}`;
  return null;
}
