// Sensitive content stays blurred until the rater reveals it (the r key or the button);
// a content warning labels it. The blur is on the content box only, and nothing about
// it depends on the content itself.

import type { Item } from "../protocol";
import { h, kbd } from "./dom";

/** Wrap rendered content; revealed content is shown as is. */
export function sensitiveBox(content: HTMLElement, item: Item, revealed: boolean, onReveal: () => void): HTMLElement {
  if (!item.sensitive || revealed) return content;
  const cover = h("div", { class: "rw-cover", role: "group", "aria-label": "Hidden sensitive content" },
    h("div", { class: "rw-cover-title" }, item.warning ? `Content warning: ${item.warning}` : "Sensitive content"),
    h("button", { type: "button", class: "rw-btn", onclick: onReveal }, kbd("r"), "Reveal"));
  const blurred = h("div", { class: "rw-blurred", "aria-hidden": "true", inert: true }, content);
  return h("div", { class: "rw-sensitive" }, blurred, cover);
}

/** A small warning label shown above revealed content. */
export function warningLabel(item: Item): HTMLElement | null {
  if (!item.warning) return null;
  return h("div", { class: "rw-warning", role: "note" }, `⚠ ${item.warning}`);
}
