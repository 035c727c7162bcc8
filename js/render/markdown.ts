// Markdown -> sanitized DOM. markdown-it parses (raw HTML allowed, since
// content embeds it), KaTeX renders math, and the whole HTML string then goes
// through the one sanitizer.

import MarkdownIt from "markdown-it";
import type { MarkdownIt as Parser } from "markdown-it";

import { contentBox, docOf, type RenderContext } from "./context";
import { mathPlugin } from "./math";
import { sanitizeHtml } from "./sanitize";

/**
 * A markdown-it parser with the renderer's settings. Span marking (js/ui/spans_source.ts)
 * makes its recording parser here too, so both always parse alike.
 */
export function newParser(): Parser {
  const parser = new MarkdownIt({
    html: true,
    linkify: true,
    // typographer would change quotes and dashes, so rendered text would no
    // longer match the source that span offsets index into
    typographer: false,
  });
  // only URLs written with a scheme become links: fuzzy matching turns "setup.py" into http://setup.py
  parser.linkify.set({ fuzzyLink: false, fuzzyEmail: false });
  parser.use(mathPlugin);
  return parser;
}

const md = newParser();

// Code is shown literally: no highlighter, the language only as a class.
md.renderer.rules.fence = (tokens, idx, _opts, _env, slf) => {
  const token = tokens[idx]!;
  const lang = (token.info.trim().split(/\s+/)[0] ?? "").replace(/[^\w+#.-]/g, "");
  const cls = lang ? ` class="language-${lang}"` : "";
  return `<pre${slf.renderAttrs(token)}><code${cls}>${md.utils.escapeHtml(token.content)}</code></pre>\n`;
};

// Each block element carries its source line range (`data-rw-map="start,end"`,
// 0-based, end exclusive) so span selection can map rendered text back to
// offsets in the source. It is a hint only: content could forge it, so span
// code must still check `source[start:end]` against the selected text.
//
// Text blocks also get dir="auto": each paragraph, heading, list item or cell
// takes its direction from its own first strong character, so an Arabic
// paragraph in an English answer reads right to left (code keeps the
// container's direction).
const OWN_DIRECTION = new Set(["paragraph_open", "heading_open", "list_item_open", "blockquote_open", "th_open", "td_open"]);
md.core.ruler.push("rw_source_map", (state) => {
  for (const token of state.tokens) {
    if (token.map && token.nesting !== -1 && token.type !== "html_block") {
      token.attrSet("data-rw-map", `${token.map[0]},${token.map[1]}`);
    }
    if (OWN_DIRECTION.has(token.type)) token.attrSet("dir", "auto");
  }
  return true;
});

/**
 * Markdown source to an (unsanitized) HTML string. Only for feeding the
 * sanitizer: never assign the result to innerHTML.
 *
 * Example: `markdownToHtml("# Hi")` -> `'<h1 data-rw-map="0,1">Hi</h1>\n'`.
 */
export function markdownToHtml(src: string): string {
  return md.render(src);
}

/**
 * Render untrusted markdown (with fenced code, tables, `$…$`/`$$…$$` math and
 * embedded HTML) into a sanitized `div.rw-md`.
 *
 * Example: `cell.append(renderMarkdown("**bold** and $x^2$", { allowRemote: false }))`.
 */
export function renderMarkdown(src: string, ctx: RenderContext): HTMLElement {
  const box = contentBox(docOf(ctx), "div", "rw-md");
  box.append(sanitizeHtml(markdownToHtml(String(src ?? "")), ctx));
  return box;
}
