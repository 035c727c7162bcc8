// ItemRater's body: the item's blocks (context first) and the rubric form.

import type { Answer, Item } from "../protocol";
import { renderBlock } from "../render/index";
import type { Session } from "../session";
import type { Body, ViewContext } from "../ui/shell";
import { h } from "../ui/dom";
import { othersTable, type OtherAnswer } from "../ui/others";
import { sensitiveBox, warningLabel } from "../ui/sensitive";
import { RubricForm, applyAction, cleanAnswer, firstProblem, keyMap, type KeyAction } from "../ui/form";
import { ContentCache } from "./content_cache";

export class ItemBody implements Body {
  readonly el: HTMLElement;
  private content: HTMLElement;
  private formHost: HTMLElement;
  private form: RubricForm | null = null;
  private keys: Map<string, KeyAction>;
  private pos = -1;
  private localError: { field: string | null; message: string } | null = null;
  private rendered: ContentCache;

  constructor(private session: Session, private view?: ViewContext) {
    this.content = h("div", { class: "rw-item-content", "aria-label": "Item" });
    this.formHost = h("div", { class: "rw-form-host" });
    this.el = h("div", { class: "rw-body rw-item-body" }, this.content, this.formHost);
    this.keys = keyMap(session.rubric);
    this.rendered = new ContentCache((item, allowRemote) => this.renderItem(item, allowRemote));
  }

  show(item: Item | undefined, pos: number): void {
    this.pos = pos;
    this.localError = null;
    if (!item) {
      this.content.replaceChildren(h("div", { class: "rw-loading" }, "Loading…"));
      this.formHost.replaceChildren();
      this.form = null;
      return;
    }
    const revealed = this.session.revealed.has(item.id);
    const node = this.rendered.get(item);
    const blurMedia = this.session.prefs.blur_media && !revealed;
    this.content.classList.toggle("rw-media-hidden", blurMedia);
    this.content.replaceChildren(...[
      warningLabel(item),
      sensitiveBox(node, item, revealed, () => this.session.toggleReveal()),
    ].filter((n): n is HTMLElement => n !== null));
    this.content.scrollTop = 0;
    const suggest = this.session.config.suggestion as { mode: string } | null;
    if (suggest?.mode === "prefill" && item.suggestion && !item.answer && !this.session.drafts.has(pos)) {
      this.session.drafts.set(pos, { ...item.suggestion });
    }
    this.form = new RubricForm(this.session.rubric, (a) => {
      this.localError = null;
      this.session.setDraft(this.pos, a);
    },
      (section) => this.view?.openGuideline(section));
    const others = item.extra.others as OtherAnswer[] | undefined;
    this.formHost.replaceChildren(
      ...(others ? [othersTable(this.session.rubric, others)] : []), this.form.el);
    // render what comes next while the rater reads this one
    this.rendered.prefetch(this.session, pos);
  }

  update(): void {
    if (!this.form) return;
    const err = this.session.error && this.session.error.pos === this.pos
      ? { field: this.session.error.field, message: this.session.error.message }
      : this.localError;
    this.form.update(this.session.answerFor(this.pos), err);
    this.form.setSuggestion(this.session.cache.get(this.pos)?.suggestion ?? null);
    this.rendered.prefetch(this.session, this.pos);
  }

  handleKey(e: KeyboardEvent): boolean {
    const action = this.keys.get(e.key);
    if (!action || !this.form) return false;
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
    const rubric = this.session.rubric;
    const answer: Answer = cleanAnswer(rubric, this.session.answerFor(this.pos));
    const problem = firstProblem(rubric, answer);
    if (problem) {
      this.localError = problem;
      this.update();
      this.form?.focusField(problem.field);
      return false;
    }
    return this.session.submit(answer);
  }

  help(): Array<[string, string]> {
    const rows: Array<[string, string]> = [];
    for (const [key, a] of this.keys) {
      const what = a.kind === "focus" ? `type in ${a.field}`
        : a.kind === "flag" ? `toggle ${a.field}`
        : `${a.field}: ${a.value}`;
      rows.push([key, what]);
    }
    return rows;
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
