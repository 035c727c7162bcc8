// RankRater's body: the prompt, N responses (A, B, C... in the kernel's shuffled order),
// a ranking bar, and the rubric form.
//
// The view sends `shown_ranks` (one rank per response in ON-SCREEN order, 1 = best); the
// kernel maps them to the original order with the shuffle it computed itself.
//
// Keys (besides the shell's): ↑/↓ focus a response; 1..N give the focused response that
// rank (again: clear) and move to the next unranked one; 0 clears it. With ties not
// allowed, taking a rank another response holds swaps the two. Drag the chips in the
// ranking bar to reorder: the order becomes the ranking (1..N, no ties).

import "./rank.css";

import type { Answer, Item } from "../protocol";
import { renderBlock, type RenderContext } from "../render/index";
import type { Session } from "../session";
import { h } from "../ui/dom";
import { RubricForm, applyAction, cleanAnswer, firstProblem, keyMap, type KeyAction } from "../ui/form";
import { sensitiveBox, warningLabel } from "../ui/sensitive";
import type { Body, ViewContext } from "../ui/shell";
import { ContentCache } from "./content_cache";

export const VIEW_KEY = "shown_ranks";
export type Ranks = Array<number | null>;

const LETTERS = "ABCDEFGHI";

/** The on-screen ranks of an answer (a copy, n long). */
export function ranksOf(answer: Answer, n: number): Ranks {
  const raw = (answer as Record<string, unknown>)[VIEW_KEY];
  const list = Array.isArray(raw) ? raw : [];
  return Array.from({ length: n }, (_, i) => (typeof list[i] === "number" ? (list[i] as number) : null));
}

/** Give response i rank r (null clears); without ties, the holder of r gets i's old rank. */
export function setRank(ranks: Ranks, i: number, r: number | null, allowTies: boolean): Ranks {
  const next = [...ranks];
  const old = next[i] ?? null;
  next[i] = old === r ? null : r; // the same rank again clears it
  if (!allowTies && r !== null && next[i] === r) {
    next.forEach((v, j) => { if (j !== i && v === r) next[j] = old; });
  }
  return next;
}

/** Ranks from an order of responses (best first): 1..N, no ties. */
export function ranksFromOrder(order: number[], n: number): Ranks {
  const ranks: Ranks = new Array(n).fill(null);
  order.forEach((i, place) => { ranks[i] = place + 1; });
  return ranks;
}

/** Responses best first: ranked ones by rank, then unranked in on-screen order. */
export function orderOf(ranks: Ranks): number[] {
  return ranks.map((_, i) => i).sort((a, b) =>
    (ranks[a] ?? Infinity) - (ranks[b] ?? Infinity) || a - b);
}

interface Cards { cards: HTMLElement[]; }

export class RankBody implements Body {
  readonly el: HTMLElement;
  private keys: Map<string, KeyAction>;
  private allowTies: boolean;
  private content: HTMLElement;
  private bar: HTMLElement;
  private barError: HTMLElement;
  private formHost: HTMLElement;
  private form: RubricForm | null = null;
  private rendered: ContentCache;
  private built = new WeakMap<HTMLElement, Cards>();
  private cards: HTMLElement[] = [];
  private n = 0;
  private pos = -1;
  private focus = 0;
  private dragging: number | null = null;
  private localError: { field: string | null; message: string } | null = null;

  constructor(private session: Session, private view?: ViewContext) {
    this.keys = keyMap(session.rubric);
    this.allowTies = session.config.allow_ties !== false;
    this.content = h("div", { class: "rw-rank-content" });
    this.bar = h("ol", { class: "rw-rank-bar", "aria-label": "Ranking, best first (drag to reorder)" });
    this.barError = h("div", { class: "rw-field-error", role: "alert" });
    const barRow = h("div", { class: "rw-rank-bar-row", "data-field": VIEW_KEY },
      h("span", { class: "rw-field-label" }, "Ranking (best first)"), this.bar, this.barError);
    this.formHost = h("div", { class: "rw-form-host" });
    this.el = h("div", { class: "rw-body rw-rank-body" }, this.content, barRow, this.formHost);
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
      this.cards = [];
      this.n = 0;
      return;
    }
    const revealed = this.session.revealed.has(item.id);
    const node = this.rendered.get(item);
    this.cards = this.built.get(node)?.cards ?? [];
    this.n = this.cards.length;
    this.content.classList.toggle("rw-media-hidden", Boolean(this.session.config.blur_media) && !revealed);
    this.content.replaceChildren(...[
      warningLabel(item),
      sensitiveBox(node, item, revealed, () => this.session.toggleReveal()),
    ].filter((x): x is HTMLElement => x !== null));
    const ranks = ranksOf(this.session.answerFor(pos), this.n);
    const open = ranks.indexOf(null);
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
    const ranks = ranksOf(answer, this.n);
    this.cards.forEach((card, i) => {
      card.classList.toggle("rw-rank-focused", i === this.focus);
      card.setAttribute("aria-current", String(i === this.focus));
      for (const btn of card.querySelectorAll<HTMLButtonElement>("button[data-rank]")) {
        btn.setAttribute("aria-pressed", String(Number(btn.dataset.rank) === ranks[i]));
      }
      card.querySelector<HTMLElement>(".rw-rank-badge")!.textContent = ranks[i] === null ? "–" : `#${ranks[i]}`;
    });
    this.renderBar(ranks);
    const err = this.session.error && this.session.error.pos === this.pos
      ? { field: this.session.error.field, message: this.session.error.message }
      : this.localError;
    const mine = err && (err.field === VIEW_KEY || err.field === "ranks") ? err.message : "";
    this.barError.textContent = mine;
    this.bar.classList.toggle("rw-invalid-bar", Boolean(mine));
    this.form?.update(answer, mine ? null : err);
  }

  handleKey(e: KeyboardEvent): boolean {
    if (!this.form || this.n === 0) return false;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      this.focus = Math.max(0, Math.min(this.n - 1, this.focus + (e.key === "ArrowDown" ? 1 : -1)));
      this.cards[this.focus]?.scrollIntoView?.({ block: "nearest" });
      this.update();
      return true;
    }
    if (/^[0-9]$/.test(e.key)) {
      const r = Number(e.key);
      if (r > this.n) return true; // a rank that does not exist: used, but does nothing
      this.rank(this.focus, r === 0 ? null : r, true);
      return true;
    }
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
    const ranks = ranksOf(raw, this.n);
    const open = ranks.map((r, i) => (r === null ? LETTERS[i] : null)).filter((x) => x !== null);
    if (open.length) {
      this.localError = { field: VIEW_KEY, message: `Rank every response: ${open.join(", ")} ${open.length > 1 ? "have" : "has"} no rank yet` };
      this.focus = ranks.indexOf(null);
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
    return this.session.submit({ ...answer, [VIEW_KEY]: ranks as unknown as Answer[string] });
  }

  help(): Array<[string, string]> {
    const rows: Array<[string, string]> = [
      ["↑ / ↓", "focus the previous / next response"],
      [`1 … ${Math.max(this.n, 2)}`, `give the focused response that rank (1 = best)${this.allowTies ? "; equal ranks are ties" : ""}`],
      ["0", "clear the focused response's rank"],
    ];
    for (const [key, a] of this.keys) {
      rows.push([key, a.kind === "focus" ? `type in ${a.field}` : a.kind === "flag" ? `toggle ${a.field}` : `${a.field}: ${a.value}`]);
    }
    return rows;
  }

  // ---------------------------------------------------------------- ranking

  private rank(i: number, r: number | null, advance: boolean): void {
    const answer = this.session.answerFor(this.pos);
    const ranks = setRank(ranksOf(answer, this.n), i, r, this.allowTies);
    this.localError = null;
    if (advance && ranks[i] !== null) {
      const nextOpen = ranks.findIndex((v, j) => v === null && j > i);
      const anyOpen = ranks.indexOf(null);
      this.focus = nextOpen >= 0 ? nextOpen : anyOpen >= 0 ? anyOpen : i;
    }
    this.session.setDraft(this.pos, { ...answer, [VIEW_KEY]: ranks as unknown as Answer[string] });
  }

  /** Move response `from` just before response `to` in the ranking order (null: to the end). */
  private reorder(from: number, to: number | null): void {
    const answer = this.session.answerFor(this.pos);
    const order = orderOf(ranksOf(answer, this.n)).filter((i) => i !== from);
    const at = to === null ? order.length : order.indexOf(to);
    order.splice(at < 0 ? order.length : at, 0, from);
    this.localError = null;
    this.session.setDraft(this.pos, { ...answer, [VIEW_KEY]: ranksFromOrder(order, this.n) as unknown as Answer[string] });
  }

  private renderBar(ranks: Ranks): void {
    const chips = orderOf(ranks).map((i) => {
      const chip = h("li", {
        class: `rw-rank-chip${ranks[i] === null ? " rw-rank-open" : ""}`, draggable: "true",
        "data-index": i, tabindex: "-1",
        "aria-label": `Response ${LETTERS[i]}: ${ranks[i] === null ? "no rank" : `rank ${ranks[i]}`}`,
      }, h("span", { class: "rw-rank-chip-rank" }, ranks[i] === null ? "–" : String(ranks[i])),
      h("span", { class: "rw-rank-chip-letter" }, LETTERS[i] ?? "?"));
      chip.addEventListener("click", () => { this.focus = i; this.update(); });
      chip.addEventListener("dragstart", (e) => {
        this.dragging = i;
        const dt = (e as DragEvent).dataTransfer;
        if (dt) { dt.effectAllowed = "move"; dt.setData("text/plain", LETTERS[i] ?? ""); }
        chip.classList.add("rw-rank-dragging");
      });
      chip.addEventListener("dragend", () => { this.dragging = null; chip.classList.remove("rw-rank-dragging"); });
      chip.addEventListener("dragover", (e) => { if (this.dragging !== null) e.preventDefault(); });
      chip.addEventListener("drop", (e) => {
        e.preventDefault();
        const from = this.dragging;
        this.dragging = null;
        // a drag leaves focus nowhere: keep the keys (Enter to submit) working
        this.el.closest<HTMLElement>(".rw-root")?.focus({ preventScroll: true });
        if (from === null || from === i) return;
        // dropped on the right half of a chip: after it
        const rect = chip.getBoundingClientRect();
        const after = rect.width > 0 && (e as MouseEvent).clientX > rect.left + rect.width / 2;
        const order = orderOf(ranks);
        const target = after ? order[order.indexOf(i) + 1] ?? null : i;
        this.reorder(from, target === from ? null : target);
      });
      return chip;
    });
    this.bar.replaceChildren(...chips);
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
    const responses = item.blocks.filter((b) => b.role === "content");
    const models = Array.isArray(item.extra?.models) ? item.extra.models as Array<string | null> : null;
    const n = responses.length;
    const cards = responses.map((block, i) => {
      const letter = LETTERS[i] ?? "?";
      const buttons = Array.from({ length: n }, (_, j) => h("button", {
        type: "button", class: "rw-opt rw-rank-btn", "data-rank": j + 1, "aria-pressed": "false",
        "aria-label": `Response ${letter}: rank ${j + 1} (focus it, then key ${j + 1})`,
        onclick: () => { this.focus = i; this.rank(i, j + 1, false); },
      }, String(j + 1)));
      const model = models?.[i];
      const card = h("section", { class: "rw-rank-card", "data-index": i, "aria-label": `Response ${letter}` },
        h("div", { class: "rw-rank-head" },
          h("span", { class: "rw-rank-letter" }, letter),
          h("span", { class: "rw-rank-badge", "aria-hidden": "true" }, "–"),
          model ? h("span", { class: "rw-rank-model", dir: "auto" }, model) : null,
          h("span", { class: "rw-spacer" }),
          h("span", { class: "rw-rank-buttons", role: "radiogroup", "aria-label": `Rank of response ${letter}` },
            ...buttons)),
        h("div", { class: "rw-rank-scroll" }, renderBlock({ ...block, label: "" }, ctx)));
      card.addEventListener("mousedown", () => { if (this.focus !== i) { this.focus = i; this.update(); } });
      return card;
    });
    const node = h("div", { class: "rw-rank-item" },
      context.length ? h("div", { class: "rw-rank-context" }, context.map((b) => renderBlock(b, ctx))) : null,
      h("div", { class: "rw-rank-cards" }, cards));
    this.built.set(node, { cards });
    return node;
  }
}
