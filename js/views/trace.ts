// TraceRater's body: the question, the trace as a list of steps to rate one by one, the
// final answer, and the whole-trace rubric.
//
// Keys (besides the shell's): j / k move to the next / previous step; 1..n rate the
// focused step with the n-th step label and move on (pressing a step's own rating again
// clears it); f rates the focused step with the lowest label, which makes it the first
// error unless an earlier step already has that rating; n opens a note on the focused
// step. The rubric never takes digits, j, k, f or n (the kernel assigns its keys so).
// With a spans field, words in the steps can be marked (keys in js/ui/spans.ts; v starts
// keyboard selection in the focused step, j / k then move it to the next / previous step).

import "./trace.css";

import type { Answer, Block, Field, Item, RubricSpec } from "../protocol";
import { renderBlock, type RenderContext } from "../render/index";
import { sensitiveBox, warningLabel } from "../ui/sensitive";
import type { Session } from "../session";
import { h, kbd } from "../ui/dom";
import { othersTable, type OtherAnswer } from "../ui/others";
import { RubricForm, applyAction, cleanAnswer, firstProblem, keyMap, type KeyAction } from "../ui/form";
import type { Body, ViewContext } from "../ui/shell";
import { SpanController, spanHelp, spansForKernel, type SpanHost, type SpanTarget } from "../ui/spans";
import {
  firstErrorOf, notesOf, ratingsOf, stepProblem, summaryText, traceConfig, traceOf, withSteps,
  type Notes, type Ratings, type TraceConfig, type TraceExtra,
} from "./trace_answer";
import { StepList } from "./trace_steps";

/** One item's built view, kept for the current item and prepared for the next ones. */
interface View {
  item: Item;
  trace: TraceExtra;
  el: HTMLElement;
  steps: StepList;
  formHost: HTMLElement;
}

const KEEP_VIEWS = 4;

export class TraceBody implements Body {
  readonly el: HTMLElement;
  private cfg: TraceConfig;
  private keys: Map<string, KeyAction>;
  private labelKeys: Map<string, number>;
  private host: HTMLElement;
  private summary: HTMLElement;
  private errorLine: HTMLElement;
  private view: View | null = null;
  /** built views by item id: an item sent again (look-ahead, invalidation) is not rebuilt */
  private views = new Map<string, View>();
  private form: RubricForm | null = null;
  private pos = -1;
  private focus = 0;
  private focusByPos = new Map<number, number>();
  private hint: string | null = null;
  private localError: { field: string | null; step: number | null; message: string } | null = null;
  private prefetchTimer: ReturnType<typeof setTimeout> | null = null;
  private spans: SpanController | null = null;
  private repaintQueued = false;
  private shownRevealed = false;

  constructor(private session: Session, private ctx?: ViewContext) {
    this.cfg = traceConfig(session.config);
    this.keys = keyMap(session.rubric);
    this.labelKeys = new Map(this.cfg.labels.map((l) => [l.key, l.value]));
    this.summary = h("div", { class: "rw-trace-summary", role: "status", "aria-live": "polite" });
    this.errorLine = h("div", { class: "rw-trace-error", role: "alert" });
    this.host = h("div", { class: "rw-trace-host" });
    this.el = h("div", { class: "rw-body rw-trace-body" }, this.host);
    const spans = new SpanController(session.rubric, this.spanHost());
    if (spans.active) {
      this.spans = spans;
      this.el.append(spans.painter.style);
    }
  }

  /** The spans controller (null without spans fields); for tests and the page. */
  get spanController(): SpanController | null { return this.spans; }

  show(item: Item | undefined, pos: number): void {
    const revealed = item ? this.session.revealed.has(item.id) : false;
    if (item && this.view && this.view.item.id === item.id && this.pos === pos
        && revealed === this.shownRevealed) {
      // the same trace sent again (look-ahead overlap, an answer saved from Python): its
      // answer may differ, its steps do not; re-attaching 500 rows would cost a layout
      this.update();
      return;
    }
    if (this.view) this.focusByPos.set(this.pos, this.focus);
    this.pos = pos;
    this.localError = null;
    this.hint = null;
    this.spans?.reset();
    if (!item) {
      this.view = null;
      this.form = null;
      this.host.replaceChildren(h("div", { class: "rw-loading" }, "Loading…"));
      return;
    }
    const view = this.viewFor(item);
    this.view = view;
    const ratings = ratingsOf(this.session.answerFor(pos), view.trace.steps.length);
    const firstOpen = ratings.indexOf(null);
    this.focus = this.focusByPos.get(pos) ?? (firstOpen < 0 ? 0 : firstOpen);
    if (this.session.rubric.fields.length) {
      // one form for every trace, reset to this trace's answer
      if (!this.form) {
        this.form = new RubricForm(this.session.rubric, (a) => this.session.setDraft(this.pos, a),
          (section) => this.ctx?.openGuideline(section));
        this.spans?.attach(this.form.spanLists);
      }
      this.form.reset(this.session.answerFor(pos));
      if (this.form.el.parentElement !== view.formHost) {
        view.formHost.replaceChildren(h("div", { class: "rw-trace-section-label" }, "The whole trace"), this.form.el);
      }
    } else {
      this.form = null;
      view.formHost.replaceChildren();
    }
    // summary and error line sit between the steps and the answer of whichever view shows
    view.el.querySelector(".rw-trace-status")!.replaceChildren(this.summary, this.errorLine);
    // a sensitive trace stays blurred (steps, answer and form) until the rater reveals it
    this.shownRevealed = revealed;
    this.host.replaceChildren(...[
      warningLabel(item),
      sensitiveBox(view.el, item, revealed, () => this.session.toggleReveal()),
    ].filter((n): n is HTMLElement => n !== null));
    view.steps.el.scrollTop = 0;
    this.prefetch(pos);
  }

  update(): void {
    const view = this.view;
    if (!view) return;
    const answer = this.session.answerFor(this.pos);
    const n = view.trace.steps.length;
    const ratings = ratingsOf(answer, n);
    const notes = notesOf(answer, n);
    const first = firstErrorOf(ratings, this.cfg.lowest);
    view.steps.update(ratings, notes, first, this.focus);
    this.summary.textContent = summaryText(ratings, this.cfg.lowest) + (this.hint ? ` · ${this.hint}` : "");
    const kernel = this.session.error && this.session.error.pos === this.pos ? this.session.error : null;
    const err = kernel ? { field: kernel.field, step: null, message: kernel.message } : this.localError;
    const stepErr = err && (err.step !== null || (err.field ?? "").startsWith("step_") || err.field === "first_error_step" || err.field === "n_steps");
    this.errorLine.textContent = stepErr ? err!.message : "";
    view.steps.setMissing(err?.step ?? null);
    this.form?.update(answer, err && !stepErr ? { field: err.field, message: err.message } : null);
    this.spans?.repaint();
  }

  handleKey(e: KeyboardEvent): boolean {
    const view = this.view;
    if (!view) return false;
    // a trace still blurred cannot be rated step by step: reveal it first (r)
    if (view.item.sensitive && !this.session.revealed.has(view.item.id)) return false;
    const n = view.trace.steps.length;
    const spans = this.spans;
    if (spans) {
      if (spans.caretKey(e)) return true;
      if (e.key === "v") {
        if (n) view.steps.ensureRendered(this.focus);
        return spans.toggleCaret();
      }
      if (e.key === "y" || e.key === "x") {
        spans.decide(e.key === "y");
        return true;
      }
    }
    if (e.key === "j" || e.key === "k") {
      if (n) this.moveFocus(this.focus + (e.key === "j" ? 1 : -1));
      if (spans?.caretActive) spans.moveCaretTo(this.stepTarget(this.focus, true));
      return true;
    }
    const value = this.labelKeys.get(e.key);
    if (value !== undefined) {
      if (n) this.rate(this.focus, value, true);
      return true;
    }
    if (e.key === "f") {
      if (n) this.markFirstError(this.focus);
      return true;
    }
    if (e.key === "n") {
      if (n) view.steps.openNote(this.focus);
      return true;
    }
    const action = this.keys.get(e.key);
    if (!action || !this.form) return false;
    if (action.kind === "focus") {
      this.form.focusField(action.field);
      return true;
    }
    if (action.kind === "span") {
      spans?.markSelection(action.field, action.value);
      return true;
    }
    const next = applyAction(action, this.session.answerFor(this.pos));
    if (next) this.setAnswer(next);
    return true;
  }

  submit(): boolean {
    const view = this.view;
    if (!view) return false;
    const rubric = this.session.rubric;
    const current = this.session.answerFor(this.pos);
    const n = view.trace.steps.length;
    const ratings = ratingsOf(current, n);
    const notes = notesOf(current, n);
    const stepIssue = stepProblem(ratings, notes, this.cfg);
    if (stepIssue) {
      this.localError = { field: "step_ratings", step: stepIssue.step, message: stepIssue.message };
      this.focus = stepIssue.step;
      this.update();
      return false;
    }
    const answer: Answer = spansForKernel(rubric,
      { ...withSteps(cleanAnswer(rubric, current), ratings, notes, this.cfg.lowest), n_steps: n });
    const problem = firstProblem(rubric, answer);
    if (problem) {
      this.localError = { field: problem.field, step: null, message: problem.message };
      this.update();
      this.form?.focusField(problem.field);
      return false;
    }
    this.focusByPos.set(this.pos, this.focus);
    this.spans?.stopCaret();
    return this.session.submit(answer);
  }

  help(): Array<[string, string]> {
    const rows: Array<[string, string]> = [
      ["j / k", "next / previous step"],
      ...this.cfg.labels.map((l): [string, string] => [l.key, `rate the step ${l.name} (${l.value > 0 ? "+" : ""}${l.value}) and go to the next`]),
      ["f", `first error: rate the step ${this.cfg.labels.find((l) => l.value === this.cfg.lowest)?.name ?? this.cfg.lowest}`],
      ["n", "write a note on the step"],
    ];
    for (const [key, a] of this.keys) {
      const what = a.kind === "focus" ? `type in ${a.field}` : a.kind === "flag" ? `toggle ${a.field}`
        : a.kind === "span" ? `mark the selected words in a step as ${a.value} (${a.field})` : `${a.field}: ${a.value}`;
      rows.push([key, what]);
    }
    if (this.spans) rows.push(...spanHelp(), ["j / k (selecting)", "move keyboard selection to the next / previous step"]);
    return rows;
  }

  dispose(): void {
    this.spans?.dispose();
    if (this.prefetchTimer) clearTimeout(this.prefetchTimer);
    for (const v of this.views.values()) v.steps.dispose();
    this.views.clear();
  }

  /** The focused step (0-based); for tests and the page. */
  get focusedStep(): number { return this.focus; }

  // ------------------------------------------------------------ actions

  private moveFocus(i: number): void {
    const n = this.view?.trace.steps.length ?? 0;
    this.focus = Math.max(0, Math.min(n - 1, i));
    this.hint = null;
    this.update();
  }

  private rate(step: number, value: number, advance: boolean): void {
    const answer = this.session.answerFor(this.pos);
    const n = this.view!.trace.steps.length;
    const ratings = ratingsOf(answer, n);
    const clearing = ratings[step] === value;
    ratings[step] = clearing ? null : value;
    this.hint = null;
    if (this.localError?.step === step) this.localError = null;
    if (advance && !clearing && step < n - 1) this.focus = step + 1;
    else this.focus = step;
    this.setAnswer(withSteps(answer, ratings, notesOf(answer, n), this.cfg.lowest));
  }

  private markFirstError(step: number): void {
    const answer = this.session.answerFor(this.pos);
    const n = this.view!.trace.steps.length;
    const ratings = ratingsOf(answer, n);
    ratings[step] = this.cfg.lowest;
    const first = firstErrorOf(ratings, this.cfg.lowest)!;
    this.focus = step;
    if (this.localError?.step === step) this.localError = null;
    this.hint = first < step ? `step ${first + 1} is rated ${this.lowestName()} earlier, so it stays the first error` : null;
    this.setAnswer(withSteps(answer, ratings, notesOf(answer, n), this.cfg.lowest));
  }

  private setNote(step: number, text: string): void {
    const answer = this.session.answerFor(this.pos);
    const n = this.view!.trace.steps.length;
    const notes: Notes = notesOf(answer, n);
    notes[step] = text;
    const ratings: Ratings = ratingsOf(answer, n);
    this.setAnswer(withSteps(answer, ratings, notes, this.cfg.lowest));
  }

  private setAnswer(answer: Answer): void {
    if (this.localError && this.localError.step === null) this.localError = null;
    this.session.setDraft(this.pos, answer);
  }

  private lowestName(): string {
    return this.cfg.labels.find((l) => l.value === this.cfg.lowest)?.name ?? String(this.cfg.lowest);
  }

  // ------------------------------------------------------------ building views

  private viewFor(item: Item): View {
    let view = this.views.get(item.id);
    if (!view) {
      view = this.build(item);
      this.views.set(item.id, view);
      for (const [id, v] of this.views) {
        if (this.views.size <= KEEP_VIEWS) break;
        if (v === this.view || v === view) continue;
        v.steps.dispose();
        this.views.delete(id);
      }
    }
    return view;
  }

  private build(item: Item): View {
    // User Timing entries ("rw:trace-build") let benchmarks and browser tests read how
    // long a trace took to build, without a timer in the tests' own code
    const started = performance.now();
    const trace = traceOf(item);
    let allowRemote = false;
    const ctx = (): RenderContext => ({ allowRemote, onAllowRemote: () => { allowRemote = true; rerender(); } });
    const question = h("div", { class: "rw-trace-question" });
    const answer = h("div", { class: "rw-trace-answer" });
    const rerender = () => {
      question.replaceChildren(...this.questionBlocks(item, trace).map((b) => renderBlock(b, ctx())));
      answer.replaceChildren(...this.answerBlocks(item, trace).map((b) => renderBlock(b, ctx())));
    };
    rerender();
    const steps = new StepList(trace.steps, {
      labels: this.cfg.labels,
      format: this.cfg.stepFormat,
      onRate: (i, value) => { if (this.view?.item.id === item.id) this.rate(i, value, false); },
      onFocus: (i) => { if (this.view?.item.id === item.id && i !== this.focus) { this.focus = i; this.hint = null; this.update(); } },
      onNote: (i, text) => { if (this.view?.item.id === item.id) this.setNote(i, text); },
      onRender: () => { if (this.view?.item.id === item.id) this.queueRepaint(); },
    });
    const warnings = [...trace.warnings];
    if (trace.truncated) warnings.unshift("The trace is longer than the limits: only its first part is shown and rated.");
    const notice = warnings.length
      ? h("details", { class: "rw-trace-warnings" },
          h("summary", {}, `${warnings.length} parser note${warnings.length === 1 ? "" : "s"} on this trace`),
          h("ul", {}, warnings.map((w) => h("li", {}, w))))
      : null;
    const empty = trace.steps.length ? null : h("div", { class: "rw-muted rw-trace-empty" }, "No steps were found in this trace.");
    const formHost = h("div", { class: "rw-form-host rw-trace-form" });
    // review and adjudication: every annotator's answer, the step keys beside the rubric's
    const others = item.extra?.others as OtherAnswer[] | undefined;
    const othersEl = others ? othersTable(this.othersSpec(), others) : null;
    const legend = h("div", { class: "rw-trace-legend rw-muted" },
      kbd("j"), kbd("k"), " move · ", ...this.cfg.labels.flatMap((l) => [kbd(l.key), ` ${l.name} `]), "· ",
      kbd("f"), " first error · ", kbd("n"), " note",
      ...(this.spans ? [" · ", kbd("v"), " select words to mark"] : []));
    const el = h("div", { class: "rw-trace" }, question, notice, legend, empty, steps.el,
      h("div", { class: "rw-trace-status" }), answer, othersEl, formHost);
    performance.measure?.("rw:trace-build", { start: started, detail: { steps: trace.steps.length } });
    return { item, trace, el, steps, formHost };
  }

  // ------------------------------------------------------------ spans in steps

  /** Step i as text spans can mark (null: not rendered, or shown differently from its text). */
  private stepTarget(i: number, render = false): SpanTarget | null {
    const view = this.view;
    const step = view?.trace.steps[i];
    if (!view || !step) return null;
    if (render) view.steps.ensureRendered(i);
    const box = view.steps.contentOf(i);
    if (!box) return null;
    let format: string = this.cfg.stepFormat;
    if (step.kind === "tool_result") format = "code";
    else if (step.kind === "tool_call") {
      // arguments are shown pretty-printed: marks there would not index the step's text
      if (step.meta?.arguments !== undefined && box.textContent !== step.text) return null;
      format = "code";
    }
    const fields = this.spans?.fields.map((f) => f.name) ?? [];
    return { box, source: step.text, format, step: i, fields };
  }

  private queueRepaint(): void {
    if (this.repaintQueued) return;
    this.repaintQueued = true;
    queueMicrotask(() => {
      this.repaintQueued = false;
      this.spans?.repaint();
    });
  }

  private spanHost(): SpanHost {
    return {
      targets: () => {
        const view = this.view;
        if (!view || !view.el.isConnected) return [];
        return view.steps.renderedSteps().map((i) => this.stepTarget(i)).filter((t): t is SpanTarget => t !== null);
      },
      caretTargets: () => {
        const t = this.stepTarget(this.focus, true);
        return t ? [t] : [];
      },
      sourceOf: (_field, step) => (step === null ? null : this.view?.trace.steps[step]?.text ?? null),
      item: () => this.view?.item,
      answer: () => this.session.answerFor(this.pos),
      setAnswer: (a) => this.setAnswer(a),
      message: (field, text) => {
        if (text) this.localError = { field, step: null, message: text };
        else if (this.localError?.field === field) this.localError = null;
        this.update();
      },
      refresh: () => this.update(),
    };
  }

  /** The rubric plus the step keys, as columns of the others' answers table. */
  private othersSpec(): RubricSpec {
    const rubric = this.session.rubric;
    const column = (name: string, label: string): Field => ({
      type: "text", name, label, required: false, show_if: null, required_if: null, help: null,
      guideline: null, min_length: null, max_length: null, multiline: false, placeholder: null, key: null,
    });
    return { ...rubric, fields: [
      column("first_error_step", "First error (from 0)"), column("step_ratings", "Step ratings"),
      ...rubric.fields,
    ] };
  }

  private questionBlocks(item: Item, trace: TraceExtra): Block[] {
    const blocks = item.blocks.filter((b) => b.name === this.cfg.question || (b.role === "context" && b.name !== this.cfg.answer));
    if (trace.context.length) {
      blocks.push({ name: "conversation", label: "Conversation", format: "chat", value: trace.context, role: "context", language: null });
    }
    return blocks;
  }

  private answerBlocks(item: Item, trace: TraceExtra): Block[] {
    const blocks = item.blocks.filter((b) => b.name !== this.cfg.question && b.role === "content");
    const stated = trace.answer?.trim();
    const column = blocks.find((b) => b.name === this.cfg.answer);
    const columnText = typeof column?.value === "string" ? column.value.trim() : null;
    if (stated && stated !== columnText) {
      blocks.push({
        name: "trace_answer", label: column ? "Answer stated in the trace" : "Final answer",
        format: this.cfg.stepFormat, value: trace.answer!, role: "content", language: null,
      });
    }
    return blocks;
  }

  /** Build the next traces' views while the rater reads this one (one per task). */
  private prefetch(pos: number): void {
    if (this.prefetchTimer) clearTimeout(this.prefetchTimer);
    const queue = [pos + 1, pos + 2];
    const step = () => {
      const p = queue.shift();
      if (p === undefined) return;
      const item = this.session.cache.get(p);
      if (item) this.viewFor(item);
      this.prefetchTimer = setTimeout(step, 0);
    };
    this.prefetchTimer = setTimeout(step, 0);
  }
}
