// The one renderer for untrusted content. Everything an item, a chat message
// or a trace step shows goes through these functions; nothing else in the
// frontend sets innerHTML from content. Styles: render.css (imported by the
// widget entry).

import type { Block, ChatMessage } from "../protocol";
import { renderChat } from "./chat";
import { contentBox, docOf, type RenderContext } from "./context";
import { renderMarkdown } from "./markdown";
import { errorPlaceholder, remotePlaceholder } from "./placeholder";
import { classifyMedia } from "./policy";
import { sanitizeHtml } from "./sanitize";

export type { RenderContext } from "./context";
export { renderChat } from "./chat";
export { renderMarkdown } from "./markdown";
export { sanitizeHtml } from "./sanitize";
export { isSafeDataImage } from "./policy";

const FORMATS = new Set(["text", "markdown", "html", "image", "chat", "code"]);

/**
 * Literal text: no markdown, no HTML; white space kept, direction from the
 * content. The text sits in one text node, so DOM offsets equal source offsets
 * (in UTF-16 units).
 *
 * Example: `renderText("<b>not bold</b>", ctx).textContent` -> `"<b>not bold</b>"`.
 */
export function renderText(src: string, ctx: RenderContext): HTMLElement {
  const box = contentBox(docOf(ctx), "div", "rw-text");
  box.textContent = String(src ?? "");
  return box;
}

/**
 * Literal code in `<pre><code>`, the language (if any) as a `language-x` class.
 *
 * Example: `renderCode("print(1)", "python", ctx)`.
 */
export function renderCode(src: string, language: string | null | undefined, ctx: RenderContext): HTMLElement {
  const doc = docOf(ctx);
  const pre = contentBox(doc, "pre", "rw-code");
  const code = doc.createElement("code");
  const lang = (language ?? "").replace(/[^\w+#.-]/g, "");
  if (lang) code.className = `language-${lang}`;
  code.textContent = String(src ?? "");
  pre.append(code);
  return pre;
}

/**
 * Sanitized HTML in a content container.
 *
 * Example: `renderHtml("<p>hi</p>", ctx)`.
 */
export function renderHtml(src: string, ctx: RenderContext): HTMLElement {
  const box = contentBox(docOf(ctx), "div", "rw-html");
  box.append(sanitizeHtml(String(src ?? ""), ctx));
  return box;
}

/**
 * An image block: a data:image URL (png, jpeg, gif, webp, svg+xml) is shown
 * with the label as alt text; an http(s) URL follows the remote policy
 * (placeholder until allowed); anything else shows an error note.
 *
 * Example: `renderImage("data:image/png;base64,iVBOR...", "chart", ctx)`.
 */
export function renderImage(value: string, label: string, ctx: RenderContext): HTMLElement {
  const doc = docOf(ctx);
  const source = classifyMedia(typeof value === "string" ? value : "", "img");
  if (source.kind === "blocked") {
    return errorPlaceholder(
      `Image${label ? ` "${label}"` : ""} cannot be shown: only data:image URLs (png, jpeg, gif, webp, svg) and http(s) URLs are displayed.`,
      ctx,
    );
  }
  const box = contentBox(doc, "div", "rw-image");
  if (source.kind === "remote" && !ctx.allowRemote) {
    box.append(remotePlaceholder({ host: source.host, kind: "image", alt: label }, ctx));
    return box;
  }
  const img = doc.createElement("img");
  img.alt = label;
  img.setAttribute("referrerpolicy", "no-referrer");
  img.src = source.src;
  box.append(img);
  return box;
}

/**
 * One labelled content block (a column of an item): the label, then the value
 * rendered according to `block.format`.
 *
 * Example: `view.append(renderBlock({name: "response", label: "Response", format: "markdown",
 * value: "**hi**", role: "content"}, { allowRemote: false }))`.
 */
export function renderBlock(block: Block, ctx: RenderContext): HTMLElement {
  const doc = docOf(ctx);
  const format = FORMATS.has(block.format) ? block.format : "text";
  const role = block.role === "context" ? "context" : "content";
  const section = doc.createElement("section");
  section.className = `rw-block rw-block--${format} rw-block--${role}`;
  section.setAttribute("data-rw-block", String(block.name ?? ""));
  const label = typeof block.label === "string" ? block.label : "";
  if (label) {
    const head = doc.createElement("div");
    head.className = "rw-block-label";
    head.setAttribute("dir", "auto");
    head.textContent = label;
    section.append(head);
    // a labelled group, not a landmark: an item has several blocks
    section.setAttribute("role", "group");
    section.setAttribute("aria-label", label);
  }
  section.append(renderValue(format, block, label, ctx));
  return section;
}

function renderValue(format: string, block: Block, label: string, ctx: RenderContext): HTMLElement {
  const value = block.value;
  if (format === "chat" || Array.isArray(value)) {
    return Array.isArray(value) ? renderChat(value as ChatMessage[], ctx) : renderText(String(value ?? ""), ctx);
  }
  const text = typeof value === "string" ? value : String(value ?? "");
  switch (format) {
    case "markdown":
      return renderMarkdown(text, ctx);
    case "html":
      return renderHtml(text, ctx);
    case "image":
      return renderImage(text, label, ctx);
    case "code":
      return renderCode(text, block.language, ctx);
    default:
      return renderText(text, ctx);
  }
}
