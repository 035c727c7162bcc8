// ItemRater's body: the item's blocks (context first) and the rubric form. With a spans
// field, the text of its source block can be marked (js/ui/spans.ts has the keys).

import type { Answer, Item } from "../protocol";
import { renderBlock } from "../render/index";
import type { Session } from "../session";
import type { Body, ViewContext } from "../ui/shell";
import { h } from "../ui/dom";
import { othersTable, type OtherAnswer } from "../ui/others";
import { sensitiveBox, warningLabel } from "../ui/sensitive";
import { RubricForm, applyAction, cleanAnswer, firstProblem, keyMap, type KeyAction } from "../ui/form";
import { SpanController, spanHelp, spansForKernel, type SpanHost, type SpanTarget } from "../ui/spans";
import { ContentCache } from "./content_cache";

const SPAN_FORMATS = new Set(["text", "markdown", "code"]);

export class ItemBody implements Body {
  readonly el: HTMLElement;
  private content: HTMLElement;
  private formHost: HTMLElement;
  private form: RubricForm | null = null;
  private keys: Map<string, KeyAction>;
  private pos = -1;
  private localError: { field: string | null; message: string } | null = null;
  private rendered: ContentCache;
  private node: HTMLElement | null = null;
  private spans: SpanController | null = null;
  /** whether the form is on screen (an item is shown, not "Loading…") */
  private showing = false;
  private scrolled = false;

  constructor(private session: Session, private view?: ViewContext) {
    this.content = h("div", { class: "rw-item-content", "aria-label": "Item" });
    this.formHost = h("div", { class: "rw-form-host" });
    this.el = h("div", { class: "rw-body rw-item-body" }, this.content, this.formHost);
    this.content.addEventListener("scroll", () => { this.scrolled = this.content.scrollTop > 0; },
      { passive: true });
    this.keys = keyMap(session.rubric);
    this.rendered = new ContentCache((item, allowRemote) => this.renderItem(item, allowRemote));
    const spans = new SpanController(session.rubric, this.spanHost());
    if (spans.active) {
      this.spans = spans;
      this.el.append(spans.painter.style);
    }
  }

  /** The spans controller (null without spans fields); for tests and the page. */
  get spanController(): SpanController | null { return this.spans; }

  show(item: Item | undefined, pos: number): void {
    this.pos = pos;
    this.localError = null;
    this.spans?.reset();
    if (!item) {
      this.content.replaceChildren(h("div", { class: "rw-loading" }, "Loading…"));
      this.formHost.replaceChildren();
      this.node = null;
      this.showing = false;
      return;
    }
    this.showing = true;
    const revealed = this.session.revealed.has(item.id);
    const node = this.rendered.get(item);
    this.node = node;
    const blurMedia = this.session.prefs.blur_media && !revealed;
    this.content.classList.toggle("rw-media-hidden", blurMedia);
    this.content.replaceChildren(...[
      warningLabel(item),
      sensitiveBox(node, item, revealed, () => this.session.toggleReveal()),
    ].filter((n): n is HTMLElement => n !== null));
    // back to the top only if the rater scrolled: setting scrollTop forces a layout
    if (this.scrolled) {
      this.content.scrollTop = 0;
      this.scrolled = false;
    }
    const suggest = this.session.config.suggestion as { mode: string } | null;
    if (suggest?.mode === "prefill" && item.suggestion && !item.answer && !this.session.drafts.has(pos)) {
      this.session.drafts.set(pos, { ...item.suggestion });
    }
    // one form for every item, reset to this item's answer: rebuilding its controls
    // per item was most of the work between a key press and the next item
    if (!this.form) {
      this.form = new RubricForm(this.session.rubric, (a) => {
        this.localError = null;
        this.session.setDraft(this.pos, a);
      },
        (section) => this.view?.openGuideline(section));
      this.spans?.attach(this.form.spanLists);
    }
    this.form.reset(this.session.answerFor(pos));
    if (this.spans) {
      // a long markdown item takes ~0.1 s to map: do it before the first mark, not on it
      const spans = this.spans;
      setTimeout(() => { if (this.node === node) spans.prepare(); }, 0);
    }
    const others = item.extra.others as OtherAnswer[] | undefined;
    if (others) {
      this.formHost.replaceChildren(othersTable(this.session.rubric, others), this.form.el);
    } else if (this.formHost.childNodes.length !== 1 || this.formHost.firstChild !== this.form.el) {
      this.formHost.replaceChildren(this.form.el);
    }
    // render what comes next while the rater reads this one
    this.rendered.prefetch(this.session, pos);
  }

  update(): void {
    if (!this.form || !this.showing) return;
    const err = this.session.error && this.session.error.pos === this.pos
      ? { field: this.session.error.field, message: this.session.error.message }
      : this.localError;
    this.form.update(this.session.answerFor(this.pos), err);
    this.form.setSuggestion(this.session.cache.get(this.pos)?.suggestion ?? null);
    this.spans?.repaint();
    this.rendered.prefetch(this.session, this.pos);
  }

  handleKey(e: KeyboardEvent): boolean {
    const spans = this.spans;
    if (spans && this.form) {
      if (spans.caretKey(e)) return true;
      if (e.key === "v") return spans.toggleCaret();
      if (e.key === "y" || e.key === "x") {
        spans.decide(e.key === "y");
        return true;
      }
    }
    const action = this.keys.get(e.key);
    if (!action || !this.form || !this.showing) return false;
    if (action.kind === "focus") {
      this.form.focusField(action.field);
      return true;
    }
    if (action.kind === "span") {
      spans?.markSelection(action.field, action.value);
      return true;
    }
    const next = applyAction(action, this.session.answerFor(this.pos));
    if (next) {
      this.localError = null;
      this.session.setDraft(this.pos, next);
    }
    return true;
  }

  submit(): boolean {
    const rubric = this.session.rubric;
    const answer: Answer = spansForKernel(rubric, cleanAnswer(rubric, this.session.answerFor(this.pos)));
    const problem = firstProblem(rubric, answer);
    if (problem) {
      this.localError = problem;
      this.update();
      this.form?.focusField(problem.field);
      return false;
    }
    this.spans?.stopCaret();
    return this.session.submit(answer);
  }

  help(): Array<[string, string]> {
    const rows: Array<[string, string]> = [];
    for (const [key, a] of this.keys) {
      const what = a.kind === "focus" ? `type in ${a.field}`
        : a.kind === "flag" ? `toggle ${a.field}`
        : a.kind === "span" ? `mark the selected words as ${a.value} (${a.field})`
        : `${a.field}: ${a.value}`;
      rows.push([key, what]);
    }
    if (this.spans) rows.push(...spanHelp());
    return rows;
  }

  dispose(): void {
    this.spans?.dispose();
  }

  /** The spans controller's view of this body: the source blocks of the item on screen. */
  private spanHost(): SpanHost {
    const sources = (): Record<string, string> => {
      const cfg = this.session.config.spans as Record<string, { source: string | null }> | undefined;
      const out: Record<string, string> = {};
      const main = this.session.cache.get(this.pos)?.blocks.find((b) => b.role === "content")?.name;
      for (const f of this.session.rubric.fields) {
        if (f.type !== "spans") continue;
        const col = cfg?.[f.name]?.source ?? f.source ?? main;
        if (col) out[f.name] = col;
      }
      return out;
    };
    const targets = (): SpanTarget[] => {
      const item = this.session.cache.get(this.pos);
      const node = this.node;
      // blurred sensitive content cannot be selected until the rater reveals it
      if (!item || !node || !node.isConnected || node.closest(".rw-blurred")) return [];
      const byColumn = new Map<string, SpanTarget>();
      for (const [field, col] of Object.entries(sources())) {
        const known = byColumn.get(col);
        if (known) {
          known.fields.push(field);
          continue;
        }
        const block = item.blocks.find((b) => b.name === col);
        if (!block || typeof block.value !== "string" || !SPAN_FORMATS.has(block.format)) continue;
        const section = [...node.querySelectorAll<HTMLElement>("section[data-rw-block]")]
          .find((s) => s.getAttribute("data-rw-block") === col);
        const box = section?.querySelector<HTMLElement>(":scope > .rw-content");
        if (!box) continue;
        byColumn.set(col, { box, source: block.value, format: block.format, step: null, fields: [field] });
      }
      return [...byColumn.values()];
    };
    return {
      targets,
      caretTargets: targets,
      sourceOf: (field) => {
        const col = sources()[field];
        const value = this.session.cache.get(this.pos)?.blocks.find((b) => b.name === col)?.value;
        return typeof value === "string" ? value : null;
      },
      item: () => this.session.cache.get(this.pos),
      answer: () => this.session.answerFor(this.pos),
      setAnswer: (a) => {
        this.localError = null;
        this.session.setDraft(this.pos, a);
      },
      message: (field, text) => {
        if (text) this.localError = { field, message: text };
        else if (this.localError?.field === field) this.localError = null;
        this.update();
      },
      refresh: () => this.update(),
    };
  }

  private renderItem(item: Item, allowRemote: boolean): HTMLElement {
    const wrap = h("div", { class: "rw-item" });
    const ctx = {
      allowRemote,
      onAllowRemote: () => {
        this.rendered.allowRemote(item);
        if (this.session.current === item) this.content.replaceChildren(this.rendered.get(item));
      },
    };
    for (const block of item.blocks) wrap.append(renderBlock(block, ctx));
    return wrap;
  }
}

