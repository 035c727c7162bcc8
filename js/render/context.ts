// The options every render call takes, and the document it builds in.

/**
 * How to render one item's content.
 *
 * Example: `renderMarkdown(src, { allowRemote: false, onAllowRemote: () => rerender() })`.
 */
export interface RenderContext {
  /** remote http(s) loads (images, etc.) allowed for this item; default false */
  allowRemote: boolean;
  /** called when the rater clicks "load remote images" on a placeholder; the caller re-renders with allowRemote=true */
  onAllowRemote?: () => void;
  /** document to create nodes in (tests) */
  doc?: Document;
}

/**
 * The document to build nodes in: the context's, else the page's.
 *
 * Example: `docOf({ allowRemote: false }).createElement("div")`.
 */
export function docOf(ctx: RenderContext): Document {
  return ctx.doc ?? document;
}

/**
 * A content container: every piece of rendered content sits in one, so its
 * direction follows the content and its CSS (render.css, `.rw-content`)
 * keeps it from drawing outside its box.
 *
 * Example: `contentBox(document, "div", "rw-text")` -> `<div class="rw-content rw-text" dir="auto">`.
 */
export function contentBox(doc: Document, tag: string, kind: string): HTMLElement {
  const el = doc.createElement(tag);
  el.className = `rw-content ${kind}`;
  el.setAttribute("dir", "auto");
  return el;
}
