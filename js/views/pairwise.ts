// PairwiseRater's body: the prompt, two responses side by side ("Left" / "Right"), one
// preference scale per criterion, and the rubric form (rationale).
//
// The view only ever speaks of left and right: it never learns which column is shown
// where. It sends `left_preference` ({criterion: -k..k, positive = LEFT better, or
// "both_bad"}); the kernel converts that to column-relative values with the placement it
// computed itself. Stored answers come back in the same on-screen terms.
//
// Keys (besides the shell's): 1..N pick a point of the focused criterion (1 = left much
// better) and move to the next criterion; t = about the same (tie); x = both bad;
// ↑/↓ (and Tab/Shift+Tab with several criteria) move between criteria; d toggles the
// word diff highlight. The rubric never takes digits or d (the kernel assigns its keys so).

import "./pairwise.css";

import type { Answer, Block, Item } from "../protocol";
import { renderBlock, type RenderContext } from "../render/index";
import type { Session } from "../session";
import { h, kbd } from "../ui/dom";
import { RubricForm, applyAction, cleanAnswer, firstProblem, keyMap, type KeyAction } from "../ui/form";
import { sensitiveBox, warningLabel } from "../ui/sensitive";
import type { Body, ViewContext } from "../ui/shell";
import { ContentCache } from "./content_cache";
import { diffWords, plainText, renderDiffSide } from "./pairwise_diff";

export const VIEW_KEY = "left_preference";
export type Choice = number | "both_bad";
export type Prefs = Record<string, Choice>;

interface Criterion { name: string; label: string; }
export interface PairConfig { criteria: Criterion[]; scale: number; points: string[]; blind: boolean; }

export function pairConfig(config: Record<string, any>): PairConfig {
  const scale = Number(config.scale ?? 7);
  return {
    criteria: Array.isArray(config.criteria) && config.criteria.length
      ? config.criteria as Criterion[] : [{ name: "overall", label: "Overall" }],
    scale,
    points: Array.isArray(config.points) ? config.points as string[] : [],
    blind: config.blind !== false,
  };
}

/** The on-screen preferences of an answer (a copy). */
export function prefsOf(answer: Answer): Prefs {
  const raw = (answer as Record<string, unknown>)[VIEW_KEY];
  return raw && typeof raw === "object" && !Array.isArray(raw) ? { ...(raw as Prefs) } : {};
}

/** Key n (1-based) -> value: 1 is "left much better" (+k), n = scale is "right much better" (-k). */
export function pointValue(key: number, scale: number): number {
  return Math.floor(scale / 2) + 1 - key;
}

interface Panes { left: HTMLElement; right: HTMLElement; leftShown: HTMLElement; rightShown: HTMLElement;
  leftBlock: Block | undefined; rightBlock: Block | undefined; diffed: boolean; }

export class PairwiseBody implements Body {
  readonly el: HTMLElement;
  private cfg: PairConfig;
  private keys: Map<string, KeyAction>;
  private content: HTMLElement;
  private critHost: HTMLElement;
  private rows = new Map<string, HTMLElement>();
  private formHost: HTMLElement;
  private form: RubricForm | null = null;
  private diffBtn: HTMLButtonElement;
  private syncBtn: HTMLButtonElement;
  private diffNote: HTMLElement;
  private rendered: ContentCache;
  private panes = new WeakMap<HTMLElement, Panes>();
  private current: Panes | null = null;
  private pos = -1;
  private focus = 0;
  private diff = false;
  private sync = true;
  private ignoreScroll: HTMLElement | null = null;
  private localError: { field: string | null; message: string } | null = null;

  constructor(private session: Session, private view?: ViewContext) {
    this.cfg = pairConfig(session.config);
    this.keys = keyMap(session.rubric);
    this.content = h("div", { class: "rw-pair-content" });
    this.diffBtn = h("button", { type: "button", class: "rw-opt rw-pair-toggle", "aria-pressed": "false",
      "aria-label": "Highlight differences (key d)", onclick: () => this.toggleDiff() }, kbd("d"), "Diff");
    this.syncBtn = h("button", { type: "button", class: "rw-opt rw-pair-toggle", "aria-pressed": "true",
      "aria-label": "Scroll both responses together", onclick: () => this.toggleSync() }, "Sync scroll");
    this.diffNote = h("span", { class: "rw-muted rw-pair-note" });
    const tools = h("div", { class: "rw-pair-tools" }, this.diffBtn, this.syncBtn, this.diffNote);
    this.critHost = h("div", { class: "rw-pair-criteria", role: "group", "aria-label": "Preferences" },
      this.cfg.criteria.map((c, i) => this.criterionRow(c, i)));
    this.formHost = h("div", { class: "rw-form-host" });
    this.el = h("div", { class: "rw-body rw-pair-body" }, this.content, tools, this.critHost, this.formHost);
    this.rendered = new ContentCache((item, allowRemote) => this.renderItem(item, allowRemote));
  }

  // ---------------------------------------------------------------- Body

  show(item: Item | undefined, pos: number): void {
    this.pos = pos;
    this.localError = null;
    if (!item) {
      this.content.replaceChildren(h("div", { class: "rw-loading" }, "Loading…"));
      this.formHost.replaceChildren();
      this.form = null;
      this.current = null;
      return;
    }
    const revealed = this.session.revealed.has(item.id);
    const node = this.rendered.get(item);
    this.current = this.panes.get(node) ?? null;
    this.applyDiff();
    this.content.classList.toggle("rw-media-hidden", Boolean(this.session.config.blur_media) && !revealed);
    this.content.replaceChildren(...[
      warningLabel(item),
      sensitiveBox(node, item, revealed, () => this.session.toggleReveal()),
    ].filter((n): n is HTMLElement => n !== null));
    if (this.current) { this.current.left.scrollTop = 0; this.current.right.scrollTop = 0; }
    const prefs = prefsOf(this.session.answerFor(pos));
    const open = this.cfg.criteria.findIndex((c) => prefs[c.name] === undefined);
    this.focus = open < 0 ? 0 : open;
    // one form for every item, reset to this item's answer (rebuilding it cost a layout)
    this.form ??= new RubricForm(this.session.rubric, (a) => this.session.setDraft(this.pos, a),
      (section) => this.view?.openGuideline(section));
    this.form.reset(this.session.answerFor(pos));
    if (this.formHost.firstChild !== this.form.el) this.formHost.replaceChildren(this.form.el);
    this.formHost.hidden = this.session.rubric.fields.length === 0;
    this.rendered.prefetch(this.session, pos);
  }

  update(): void {
    const answer = this.session.answerFor(this.pos);
    const prefs = prefsOf(answer);
    const err = this.session.error && this.session.error.pos === this.pos
      ? { field: this.session.error.field, message: this.session.error.message }
      : this.localError;
    this.cfg.criteria.forEach((c, i) => {
      const row = this.rows.get(c.name)!;
      row.classList.toggle("rw-pair-focused", i === this.focus);
      row.setAttribute("aria-current", String(i === this.focus));
      for (const btn of row.querySelectorAll<HTMLButtonElement>("button[data-value]")) {
        btn.setAttribute("aria-pressed", String(String(prefs[c.name]) === btn.dataset.value));
      }
      const mine = err && err.field === c.name ? err.message : "";
      row.querySelector<HTMLElement>(".rw-field-error")!.textContent = mine;
      row.classList.toggle("rw-invalid", Boolean(mine));
    });
    this.form?.update(answer, err && this.rows.has(err.field ?? "") ? null : err);
  }

  handleKey(e: KeyboardEvent): boolean {
    if (!this.form) return false;
    const n = this.cfg.criteria.length;
    if (/^[1-9]$/.test(e.key) && Number(e.key) <= this.cfg.scale) {
      this.choose(this.focus, pointValue(Number(e.key), this.cfg.scale), true);
      return true;
    }
    if (e.key === "t") { this.choose(this.focus, 0, true); return true; }
    if (e.key === "x") { this.choose(this.focus, "both_bad", true); return true; }
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      this.moveFocus(e.key === "ArrowDown" ? 1 : -1);
      return true;
    }
    if (e.key === "Tab" && n > 1) {
      const next = this.focus + (e.shiftKey ? -1 : 1);
      if (next < 0 || next >= n) return false; // let focus leave the widget's scale as usual
      this.moveFocus(e.shiftKey ? -1 : 1);
      return true;
    }
    if (e.key === "d") { this.toggleDiff(); return true; }
    const action = this.keys.get(e.key);
    if (!action) return false;
    if (action.kind === "focus") {
      this.form.focusField(action.field);
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
    const raw = this.session.answerFor(this.pos);
    const prefs = prefsOf(raw);
    const missing = this.cfg.criteria.findIndex((c) => prefs[c.name] === undefined);
    if (missing >= 0) {
      const c = this.cfg.criteria[missing]!;
      this.localError = { field: c.name, message: `Choose a preference for ${c.label} (1–${this.cfg.scale}, t or x)` };
      this.focus = missing;
      this.update();
      return false;
    }
    const rubric = this.session.rubric;
    const answer: Answer = cleanAnswer(rubric, raw);
    const problem = firstProblem(rubric, answer);
    if (problem) {
      this.localError = problem;
      this.update();
      this.form?.focusField(problem.field);
      return false;
    }
    return this.session.submit({ ...answer, [VIEW_KEY]: prefs as unknown as Answer[string] });
  }

  help(): Array<[string, string]> {
    const rows: Array<[string, string]> = [
      [`1 … ${this.cfg.scale}`, `${this.cfg.points[0] ?? "left better"} … ${this.cfg.points[this.cfg.scale - 1] ?? "right better"}`],
      ["t", "about the same (tie)"],
      ["x", "both bad"],
      ["↑ / ↓", "previous / next criterion"],
      ["d", "highlight word differences (plain text)"],
    ];
    for (const [key, a] of this.keys) {
      rows.push([key, a.kind === "focus" ? `type in ${a.field}` : a.kind === "flag" ? `toggle ${a.field}` : `${a.field}: ${a.value}`]);
    }
    return rows;
  }

  // ---------------------------------------------------------------- choices

  private choose(index: number, value: Choice, advance: boolean): void {
    const c = this.cfg.criteria[index];
    if (!c) return;
    const answer = this.session.answerFor(this.pos);
    const prefs = prefsOf(answer);
    if (prefs[c.name] === value) delete prefs[c.name]; // the same choice again clears it
    else prefs[c.name] = value;
    this.localError = null;
    if (advance && prefs[c.name] !== undefined && index < this.cfg.criteria.length - 1) this.focus = index + 1;
    this.session.setDraft(this.pos, { ...answer, [VIEW_KEY]: prefs as unknown as Answer[string] });
  }

  private moveFocus(step: number): void {
    this.focus = Math.max(0, Math.min(this.cfg.criteria.length - 1, this.focus + step));
    this.update();
  }

  private criterionRow(c: Criterion, index: number): HTMLElement {
    const labelId = `rw-crit-${Math.random().toString(36).slice(2)}`;
    const k = Math.floor(this.cfg.scale / 2);
    const points = [];
    for (let key = 1; key <= this.cfg.scale; key++) {
      const value = pointValue(key, this.cfg.scale);
      const label = this.cfg.points[key - 1] ?? String(value);
      points.push(h("button", {
        type: "button", class: `rw-opt rw-pref-point${value === 0 ? " rw-pref-tie" : ""}`,
        "data-value": String(value), "aria-pressed": "false",
        "aria-label": `${c.label}: ${label} (key ${key}${value === 0 ? " or t" : ""})`,
        onclick: () => { this.focus = index; this.choose(index, value, false); },
      }, h("span", { class: "rw-pref-keys" }, kbd(String(key)), value === 0 ? kbd("t") : null),
      h("span", { class: "rw-pref-label" }, label)));
    }
    const bothBad = h("button", {
      type: "button", class: "rw-opt rw-pref-bad", "data-value": "both_bad", "aria-pressed": "false",
      "aria-label": `${c.label}: both bad (key x)`,
      onclick: () => { this.focus = index; this.choose(index, "both_bad", false); },
    }, kbd("x"), "Both bad");
    const row = h("div", { class: "rw-field rw-pair-criterion", "data-criterion": c.name, "data-k": k },
      h("div", { class: "rw-field-label", id: labelId }, c.label),
      h("div", { class: "rw-pair-scale", role: "radiogroup", "aria-labelledby": labelId },
        h("span", { class: "rw-pair-end", "aria-hidden": "true" }, "◀ Left"),
        ...points,
        h("span", { class: "rw-pair-end", "aria-hidden": "true" }, "Right ▶"),
        bothBad),
      h("div", { class: "rw-field-error", role: "alert" }));
    this.rows.set(c.name, row);
    return row;
  }

  // ---------------------------------------------------------------- content

  private renderItem(item: Item, allowRemote: boolean): HTMLElement {
    const ctx: RenderContext = {
      allowRemote,
      onAllowRemote: () => {
        this.rendered.allowRemote(item);
        if (this.session.current === item) this.show(item, this.pos);
      },
    };
    const context = item.blocks.filter((b) => b.role === "context");
    const leftBlock = item.blocks.find((b) => b.name === "left");
    const rightBlock = item.blocks.find((b) => b.name === "right");
    const models = (item.extra?.models ?? null) as { left?: string | null; right?: string | null } | null;
    const side = (which: "left" | "right", block: Block | undefined) => {
      const scroller = h("div", { class: "rw-pair-scroll", tabindex: "-1" });
      const shown = block ? renderBlock({ ...block, label: "" }, ctx) : h("div", { class: "rw-muted" }, "(empty)");
      scroller.append(shown);
      scroller.addEventListener("scroll", () => this.onScroll(scroller));
      const name = which === "left" ? "Left" : "Right";
      const model = models?.[which];
      const pane = h("section", { class: `rw-pair-pane rw-pair-${which}`, "data-side": which, "aria-label": `${name} response` },
        h("div", { class: "rw-pair-head" }, h("span", { class: "rw-pair-side" }, name),
          model ? h("span", { class: "rw-pair-model", dir: "auto" }, model) : null),
        scroller);
      return { pane, scroller, shown };
    };
    const l = side("left", leftBlock);
    const r = side("right", rightBlock);
    const node = h("div", { class: "rw-pair-item" },
      context.length ? h("div", { class: "rw-pair-context" }, context.map((b) => renderBlock(b, ctx))) : null,
      h("div", { class: "rw-pair-panes" }, l.pane, r.pane));
    this.panes.set(node, { left: l.scroller, right: r.scroller, leftShown: l.shown, rightShown: r.shown,
      leftBlock, rightBlock, diffed: false });
    return node;
  }

  private toggleDiff(): void {
    this.diff = !this.diff;
    this.applyDiff();
  }

  /** Show the current pair as rendered content, or as plain text with word differences. */
  private applyDiff(): void {
    this.diffBtn.setAttribute("aria-pressed", String(this.diff));
    this.diffNote.textContent = "";
    const p = this.current;
    if (!p) return;
    if (this.diff && !p.diffed) {
      const result = diffWords(plainText(p.leftBlock), plainText(p.rightBlock));
      const ctx: RenderContext = { allowRemote: false };
      p.left.replaceChildren(renderDiffSide(result.left, "left", ctx));
      p.right.replaceChildren(renderDiffSide(result.right, "right", ctx));
      p.diffed = true;
      if (!result.exact) this.diffNote.textContent = "Very long changed passages are marked whole";
    } else if (!this.diff && p.diffed) {
      p.left.replaceChildren(p.leftShown);
      p.right.replaceChildren(p.rightShown);
      p.diffed = false;
    }
    if (this.diff) this.diffNote.textContent ||= "Plain text; changed words are marked";
  }

  private toggleSync(): void {
    this.sync = !this.sync;
    this.syncBtn.setAttribute("aria-pressed", String(this.sync));
  }

  private onScroll(from: HTMLElement): void {
    if (this.ignoreScroll === from) { this.ignoreScroll = null; return; }
    const p = this.current;
    if (!this.sync || !p || (from !== p.left && from !== p.right)) return;
    const other = from === p.left ? p.right : p.left;
    const range = from.scrollHeight - from.clientHeight;
    const ratio = range > 0 ? from.scrollTop / range : 0;
    const target = Math.round(ratio * Math.max(0, other.scrollHeight - other.clientHeight));
    if (Math.abs(other.scrollTop - target) < 1) return;
    this.ignoreScroll = other; // its own scroll event must not echo back
    other.scrollTop = target;
  }
}
