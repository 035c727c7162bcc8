// The guidelines side panel: the rubric's markdown (through the one renderer), headings
// with stable ids so a field's help can link to its section, and a search box that
// highlights matches and jumps between them.

import { renderMarkdown } from "../render/index";
import { h, kbd } from "./dom";

export function slug(text: string): string {
  return text.toLowerCase().trim().replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-+|-+$/g, "");
}

export class GuidelinesPanel {
  readonly el: HTMLElement;
  private body: HTMLElement;
  private search: HTMLInputElement;
  private count: HTMLElement;
  private marks: HTMLElement[] = [];
  private current = -1;

  constructor(markdown: string, onClose: () => void) {
    this.search = h("input", {
      type: "search", class: "rw-input rw-guide-search", placeholder: "Search the guidelines",
      "aria-label": "Search the guidelines",
    });
    this.count = h("span", { class: "rw-guide-count", "aria-live": "polite" });
    this.body = h("div", { class: "rw-guide-body" });
    this.body.append(renderMarkdown(markdown, { allowRemote: false }));
    for (const heading of this.body.querySelectorAll<HTMLElement>("h1, h2, h3, h4, h5, h6")) {
      heading.dataset.section = slug(heading.textContent ?? "");
    }
    this.search.addEventListener("input", () => this.find(this.search.value));
    this.search.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        this.step(e.shiftKey ? -1 : 1);
        e.preventDefault();
        e.stopPropagation();
      }
    });
    this.el = h("aside", { class: "rw-guidelines", "aria-label": "Guidelines", hidden: true },
      h("div", { class: "rw-guide-head" },
        h("span", { class: "rw-guide-title" }, "Guidelines"), kbd("g"),
        h("span", { class: "rw-spacer" }),
        h("button", { type: "button", class: "rw-icon-btn", "aria-label": "Close guidelines", onclick: onClose }, "×")),
      h("div", { class: "rw-guide-tools" }, this.search, this.count),
      this.body);
  }

  get open(): boolean { return !this.el.hidden; }

  show(section?: string): void {
    this.el.hidden = false;
    if (section) {
      const target = [...this.body.querySelectorAll<HTMLElement>("[data-section]")]
        .find((el) => el.dataset.section === section);
      if (target) {
        this.body.scrollTop = target.offsetTop - this.body.offsetTop;
        target.classList.add("rw-guide-flash");
        setTimeout(() => target.classList.remove("rw-guide-flash"), 1200);
      }
    }
  }

  hide(): void { this.el.hidden = true; }

  focusSearch(): void { this.search.focus(); }

  /** Wrap every match in <mark> (text nodes only: the sanitized DOM stays as it is). */
  find(query: string): number {
    for (const m of this.marks) m.replaceWith(...m.childNodes);
    this.body.normalize();
    this.marks = [];
    this.current = -1;
    const q = query.trim().toLowerCase();
    if (q.length < 2) {
      this.count.textContent = "";
      return 0;
    }
    const walker = document.createTreeWalker(this.body, NodeFilter.SHOW_TEXT);
    const hits: Text[] = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if ((n.textContent ?? "").toLowerCase().includes(q)) hits.push(n as Text);
    }
    for (const node of hits) {
      let rest: Text = node;
      for (;;) {
        const i = (rest.textContent ?? "").toLowerCase().indexOf(q);
        if (i < 0) break;
        const match = rest.splitText(i);
        rest = match.splitText(q.length);
        const mark = h("mark", { class: "rw-guide-hit" });
        match.replaceWith(mark);
        mark.append(match);
        this.marks.push(mark);
      }
    }
    this.count.textContent = this.marks.length ? `${this.marks.length} found` : "no match";
    if (this.marks.length) this.step(1);
    return this.marks.length;
  }

  private step(dir: number): void {
    if (!this.marks.length) return;
    this.marks[this.current]?.classList.remove("rw-guide-current");
    this.current = (this.current + dir + this.marks.length) % this.marks.length;
    const mark = this.marks[this.current]!;
    mark.classList.add("rw-guide-current");
    this.count.textContent = `${this.current + 1} of ${this.marks.length}`;
    this.body.scrollTop = mark.offsetTop - this.body.offsetTop - 40;
  }
}
