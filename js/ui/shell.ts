// The frame every rater view shares: header (progress, position, save state), the
// kind-specific body, navigation, the key help overlay, the "all done" screen and the
// static summary shown when no kernel answers.
//
// Keys: the shell owns Enter (submit), Backspace/← (back), → (forward), s (skip), ?
// (help), Escape. The body gets every other key first. While focus is inside the widget
// no plain key reaches JupyterLab (so "d d" can never delete a cell); shortcuts with
// Ctrl/Cmd/Alt pass through.

import type { Item } from "../protocol";
import { warmKatex } from "../render/katex_lazy";
import type { Session } from "../session";
import { h, kbd } from "./dom";
import { GuidelinesPanel } from "./guidelines";
import { WellbeingUI } from "./wellbeing";

/** What a body may ask of the view it sits in. */
export interface ViewContext {
  readonly viewId: string;
  /** open the guidelines panel, scrolled to a section (a heading slug) */
  openGuideline(section?: string): void;
}

export interface Body {
  readonly el: HTMLElement;
  /** Show the item at pos (undefined while it loads). Called when the cursor moves. */
  show(item: Item | undefined, pos: number): void;
  /** Session state changed for the same item (answer, error, save state). */
  update(): void;
  /** A key not handled by the shell; return true when used. */
  handleKey(e: KeyboardEvent): boolean;
  /** Submit what is on screen: false (and an inline message) when the mirror check fails. */
  submit(): boolean;
  /** Lines for the help overlay: [key, what it does]. */
  help(): Array<[string, string]>;
  /** Called before the view goes away. */
  dispose?(): void;
}

let viewCounter = 0;

export class Shell {
  readonly root: HTMLElement;
  readonly viewId = `v${++viewCounter}`;
  private header: HTMLElement;
  private bar: HTMLElement;
  private barDone: HTMLElement;
  private barSkipped: HTMLElement;
  private counts: HTMLElement;
  private where: HTMLElement;
  private saved: HTMLElement;
  private banner: HTMLElement;
  private main: HTMLElement;
  private doneScreen: HTMLElement;
  private helpEl: HTMLElement;
  private shownPos: number | null = null;
  private shownItem: Item | undefined;
  private unsubscribe: () => void;
  private kernelTimer: ReturnType<typeof setTimeout> | null = null;
  private guide: GuidelinesPanel | null = null;
  private shownRevealed = false;
  private noKernel = false;
  private wellbeing: WellbeingUI;
  private shownBlur: boolean | null = null;

  constructor(readonly session: Session, readonly body: Body, kind: string) {
    const guidelines = session.rubric?.guidelines;
    if (guidelines) this.guide = new GuidelinesPanel(guidelines, () => this.toggleGuidelines(false));
    this.bar = h("div", { class: "rw-bar", role: "progressbar", "aria-label": "Progress" },
      (this.barDone = h("div", { class: "rw-bar-done" })),
      (this.barSkipped = h("div", { class: "rw-bar-skipped" })));
    this.counts = h("span", { class: "rw-counts" });
    this.where = h("span", { class: "rw-where" });
    this.saved = h("span", { class: "rw-saved", role: "status", "aria-live": "polite" });
    this.header = h("div", { class: "rw-header" },
      this.where, this.bar, this.counts, this.saved,
      this.guide ? h("button", { type: "button", class: "rw-btn rw-small", "aria-label": "Guidelines (g)",
        onclick: () => this.toggleGuidelines() }, kbd("g"), "Guidelines") : null,
      h("button", { type: "button", class: "rw-icon-btn", "aria-label": "Keyboard shortcuts (?)",
        title: "Keyboard shortcuts (?)", onclick: () => this.toggleHelp() }, "?"));
    this.banner = h("div", { class: "rw-banner", role: "alert", hidden: true });
    this.doneScreen = h("div", { class: "rw-done", hidden: true });
    this.helpEl = h("div", { class: "rw-help-overlay", hidden: true, role: "dialog", "aria-label": "Keyboard shortcuts" });
    const nav = h("div", { class: "rw-nav" },
      h("button", { type: "button", class: "rw-btn", onclick: () => this.session.back(), "aria-label": "Back (Backspace)" },
        kbd("Backspace"), "Back"),
      h("button", { type: "button", class: "rw-btn", onclick: () => this.session.skip(this.viewId), "aria-label": "Skip (s)" },
        kbd("s"), "Skip"),
      h("span", { class: "rw-spacer" }),
      h("button", { type: "button", class: "rw-btn rw-primary", onclick: () => this.submit(), "aria-label": "Submit (Enter)" },
        kbd("Enter"), "Submit"));
    this.main = h("div", { class: "rw-main" }, body.el, nav);
    const layout = h("div", { class: "rw-layout" },
      h("div", { class: "rw-primary-col" }, this.banner, this.main, this.doneScreen), this.guide?.el);
    this.root = h("div", {
      class: `rw-root rw-kind-${kind}`, tabindex: "0", "aria-label": "Rater widget",
      "data-view": this.viewId,
    });
    this.wellbeing = new WellbeingUI(session, this.root);
    this.header.insertBefore(this.wellbeing.timerEl, this.counts.nextSibling);
    this.header.append(this.wellbeing.settingsEl);
    const stage = h("div", { class: "rw-stage" }, layout, this.wellbeing.overlay);
    this.root.append(this.header, this.wellbeing.reminderEl, stage, this.helpEl);

    this.root.addEventListener("keydown", (e) => this.onKey(e));
    // clicking anywhere that is not a control focuses the widget, so its keys work
    this.root.addEventListener("mousedown", (e) => {
      const t = e.target as HTMLElement;
      if (!t.closest("button, input, textarea, select, a, [contenteditable]")) {
        queueMicrotask(() => {
          if (!this.root.contains(document.activeElement) || document.activeElement === document.body) {
            this.root.focus({ preventScroll: true });
          }
        });
      }
    });
    this.unsubscribe = session.subscribe(() => this.render());
    this.render();
    session.hello(this.viewId);
    // no kernel (a saved notebook opened without one): say so instead of spinning
    this.kernelTimer = setTimeout(() => {
      this.noKernel = true;
      if (this.root.isConnected) this.render();
    }, 4000);
  }

  dispose(): void {
    this.unsubscribe();
    this.wellbeing.dispose();
    if (this.kernelTimer) clearTimeout(this.kernelTimer);
    this.body.dispose?.();
  }

  submit(): void {
    if (this.session.cursor === null || this.session.cursor >= this.session.total) return;
    const focused = this.root.contains(document.activeElement);
    // the next item replaces the controls: keep the keyboard in the widget, not on <body>
    if (this.body.submit() && focused && document.activeElement !== this.root) {
      this.root.focus({ preventScroll: true });
    }
  }

  private render(): void {
    if (this.session.cursor === null && this.noKernel) {
      this.renderStatic();
      return;
    }
    const s = this.session;
    const p = s.progress;
    const pct = (n: number) => (p.total ? `${(100 * n) / p.total}%` : "0%");
    this.barDone.style.width = pct(p.done);
    this.barSkipped.style.width = pct(p.skipped);
    this.bar.setAttribute("aria-valuenow", String(p.done));
    this.bar.setAttribute("aria-valuemax", String(p.total));
    this.counts.textContent = `${p.done} done · ${p.skipped} skipped · ${p.total} total`;

    const cursor = s.cursor;
    const item = cursor === null ? undefined : s.cache.get(cursor);
    this.where.textContent = cursor === null ? "Connecting…"
      : cursor >= p.total ? "Finished"
      : `Item ${cursor + 1} of ${p.total}${item ? ` · id ${item.id}` : ""}${
        item?.status === "done" ? " · answered" : item?.status === "skipped" ? " · skipped" : ""}`;

    const last = s.last;
    const pending = s.pendingCount;
    this.saved.className = `rw-saved rw-saved-${last?.state ?? "none"}`;
    this.saved.title = last ? `item ${last.id}` : "";
    this.saved.textContent = !last ? ""
      : last.state === "saving" ? "Saving…"
      : last.state === "error" ? "Not saved ✗"
      : pending > 0 ? `Saving ${pending}…` : "Saved ✓";

    const err = s.error;
    this.banner.textContent = err ? `Not saved: ${err.message}` : "";
    this.banner.hidden = !err;

    const lock = s.lock;
    const locked = cursor !== null && lock !== null && cursor >= lock.after && cursor < p.total;
    const finished = cursor !== null && cursor >= p.total;
    this.main.hidden = finished || locked;
    this.doneScreen.hidden = !(finished || locked);
    if (locked && lock) {
      this.where.textContent = lock.failed ? "Locked" : "Screening";
      this.doneScreen.replaceChildren(
        h("div", { class: "rw-done-title" }, lock.failed ? "Screening quiz not passed" : "Screening quiz first"),
        h("div", {}, lock.message),
        h("button", { type: "button", class: "rw-btn", onclick: () => s.back() }, kbd("Backspace"), "Back"));
    } else if (finished) {
      this.doneScreen.replaceChildren(
        h("div", { class: "rw-done-title" }, `All ${p.total} items done`),
        h("div", {}, `${p.done} answered, ${p.skipped} skipped. ${pending ? `${pending} still saving…` : "Every answer is saved."}`),
        h("button", { type: "button", class: "rw-btn", onclick: () => s.back() }, kbd("Backspace"), "Back to the last item"));
    }
    const revealed = item ? s.revealed.has(item.id) : false;
    const blur = s.prefs.blur_media;
    if (cursor !== null && !finished
        && (cursor !== this.shownPos || item !== this.shownItem || revealed !== this.shownRevealed
            || blur !== this.shownBlur)) {
      this.shownPos = cursor;
      this.shownItem = item;
      this.shownRevealed = revealed;
      this.shownBlur = blur;
      this.body.show(item, cursor);
      // KaTeX is evaluated on first use: do it while the rater reads this item
      if (item) warmKatex();
    }
    this.body.update();
    this.wellbeing.update();
    // hidden content is inert: not readable, not focusable, not clickable
    this.main.inert = this.wellbeing.hiding;
    this.main.setAttribute("aria-hidden", String(this.wellbeing.hiding));
  }

  private renderStatic(): void {
    const r = this.session.rubric;
    const p = this.session.progress;
    this.where.textContent = "No live kernel";
    this.main.hidden = true;
    this.doneScreen.hidden = false;
    this.doneScreen.replaceChildren(
      h("div", { class: "rw-done-title" }, "This rater needs a running kernel"),
      h("div", {}, `${p.done} done, ${p.skipped} skipped of ${p.total}. Rubric: `,
        (r?.fields ?? []).map((f) => `${f.label} (${f.type})`).join(", "), "."),
      h("div", { class: "rw-muted" }, "Run the notebook's cells to continue rating."));
  }

  openGuideline(section?: string): void {
    this.guide?.show(section);
  }

  private toggleGuidelines(force?: boolean): void {
    if (!this.guide) return;
    const show = force ?? !this.guide.open;
    if (show) this.guide.show();
    else {
      this.guide.hide();
      this.root.focus({ preventScroll: true });
    }
  }

  private toggleHelp(force?: boolean): void {
    const show = force ?? this.helpEl.hidden;
    if (show) {
      const rows: Array<[string, string]> = [
        ...this.body.help(),
        ["Enter", "submit and go to the next item (Ctrl+Enter inside a text box)"],
        ["Backspace / ←", "back to the previous item"],
        ["→", "next item without submitting"],
        ["s", "skip this item"],
        ["r", "reveal (or hide again) sensitive content"],
        ["h", "step away: hide all content at once (again to come back)"],
        ...(this.guide ? [["g", "show or hide the guidelines"] as [string, string]] : []),
        ["Esc", "leave a text box / close this help"],
        ["?", "show or hide this help"],
      ];
      this.helpEl.replaceChildren(
        h("div", { class: "rw-help-title" }, "Keyboard shortcuts"),
        h("table", {}, rows.map(([k, what]) => h("tr", {}, h("td", {}, h("kbd", { class: "rw-kbd" }, k)), h("td", {}, what)))),
        h("button", { type: "button", class: "rw-btn", onclick: () => this.toggleHelp(false) }, "Close"));
    }
    this.helpEl.hidden = !show;
  }

  private onKey(e: KeyboardEvent): void {
    const target = e.target as HTMLElement;
    const typing = target.matches("textarea, input, select, [contenteditable]");
    if (e.ctrlKey || e.metaKey || e.altKey) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
        this.submit();
        this.stop(e);
      }
      return; // browser and JupyterLab shortcuts keep working
    }
    if (typing) {
      if (e.key === "Escape") {
        this.root.focus({ preventScroll: true });
        this.stop(e);
      } else if (e.key === "Enter" && target.tagName === "INPUT") {
        this.submit();
        this.stop(e);
      } else {
        e.stopPropagation(); // typing stays in the box
      }
      return;
    }
    let handled = true;
    if (e.key === "h") {
      this.session.toggleStepAway();
      this.stop(e);
      return;
    }
    if (this.wellbeing.hiding && e.key !== "?") {
      // on a break or stepped away: no rating keys, and nothing reaches JupyterLab
      this.stop(e);
      return;
    }
    if (!this.helpEl.hidden && (e.key === "Escape" || e.key === "?")) this.toggleHelp(false);
    else if (this.body.handleKey(e)) { /* the body used it */ }
    else if (e.key === "Enter") this.submit();
    else if (e.key === "Backspace" || e.key === "ArrowLeft") this.session.back();
    else if (e.key === "ArrowRight") this.session.forward();
    else if (e.key === "s") this.session.skip(this.viewId);
    else if (e.key === "?") this.toggleHelp();
    else if (e.key === "r") this.session.toggleReveal();
    else if (e.key === "g" && this.guide) this.toggleGuidelines();
    else if (e.key === "Escape") this.session.error = null;
    else if (e.key === "Tab") handled = false; // focus moves between controls as usual
    else handled = false;
    if (handled) e.preventDefault();
    if (e.key !== "Tab") e.stopPropagation(); // no plain key reaches JupyterLab
    if (handled && e.key === "Escape") this.render();
  }

  private stop(e: KeyboardEvent): void {
    e.preventDefault();
    e.stopPropagation();
  }
}
