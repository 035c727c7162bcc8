// A small markdown-it plugin for TeX math, rendered by KaTeX to MathML.
//
// Written here rather than taken from markdown-it-katex / -texmath: those are
// unmaintained or pull in KaTeX's HTML output (which needs its CSS and fonts),
// and none implements the currency rule below together with the \( \) and
// \[ \] delimiters that model outputs use. KaTeX's output is only a string
// inside the markdown HTML: it passes through DOMPurify like everything else.
//
// Delimiters: $…$ and \(…\) inline; $$…$$ and \[…\] display (as a block when
// they open a line, or inside a paragraph). Currency is not math: an opening $
// must be followed by a non-space, and the first unescaped $ after it closes
// only if preceded by a non-space and not followed by a digit ("$5 and $10").

import type { MarkdownIt, StateBlock, StateInline } from "markdown-it";

import { getKatex } from "./katex_lazy";

type RuleInline = (state: StateInline, silent: boolean) => boolean;
type RuleBlock = (state: StateBlock, startLine: number, endLine: number, silent: boolean) => boolean;

const DOLLAR = 0x24;
const BACKSLASH = 0x5c;

/** KaTeX limits: a huge \rule or an exponential macro must not hang the tab. */
const KATEX_OPTIONS = {
  output: "mathml",
  throwOnError: false,
  trust: false,
  strict: "ignore",
  maxSize: 20,
  maxExpand: 1000,
} as const;

/**
 * TeX to a MathML string (KaTeX). Errors render as KaTeX's red error span,
 * never throw.
 *
 * Example: `texToMathml("x^2", false)` -> `'<span class="katex"><math …>'`.
 */
export function texToMathml(tex: string, display: boolean): string {
  const key = (display ? "D" : "I") + tex;
  let html = cache.get(key);
  if (html === undefined) {
    html = compact(renderTex(tex, display));
    if (cache.size >= CACHE_SIZE) cache.clear();
    cache.set(key, html);
  }
  return html;
}

// Traces repeat the same formulas; KaTeX output depends only on (tex, display).
const CACHE_SIZE = 2000;
const cache = new Map<string, string>();

function renderTex(tex: string, display: boolean): string {
  try {
    // a fresh macros object per call: \gdef in one formula must not leak into the next
    return getKatex().renderToString(tex, { ...KATEX_OPTIONS, displayMode: display, macros: {} });
  } catch {
    return `<code class="math-error">${escapeHtml(tex)}</code>`;
  }
}

/**
 * KaTeX wraps every formula as span.katex > math > semantics > mrow, with the
 * TeX source in an <annotation>: nodes that MathML never shows. The source
 * moves to the `alttext` attribute (KaTeX has already escaped it, quotes
 * included) and the wrappers go (<math> lays out its children as an mrow),
 * which makes long math-heavy items markedly cheaper to sanitize and lay out.
 */
function compact(html: string): string {
  const m = /^<span class="katex"><math xmlns="http:\/\/www\.w3\.org\/1998\/Math\/MathML"( display="block")?><semantics>([\s\S]*)<annotation encoding="application\/x-tex">([^<]*)<\/annotation><\/semantics><\/math><\/span>$/.exec(html);
  if (m === null) return html;
  // semantics has exactly one child; when it is an mrow, <math> can stand in for it
  const body = m[2]!.startsWith("<mrow>") && m[2]!.endsWith("</mrow>") ? m[2]!.slice(6, -7) : m[2]!;
  return `<math class="katex" alttext="${m[3]}"${m[1] ?? ""}>${body}</math>`;
}

/**
 * Install the math rules and renderers on a markdown-it instance.
 *
 * Example: `new MarkdownIt().use(mathPlugin).render("$x$")`.
 */
export function mathPlugin(md: MarkdownIt): void {
  md.inline.ruler.before("escape", "math_inline", mathInline);
  md.block.ruler.before("fence", "math_block", mathBlock, {
    alt: ["paragraph", "reference", "blockquote", "list"],
  });
  md.renderer.rules["math_inline"] = (tokens, idx) => texToMathml(tokens[idx]!.content, false);
  md.renderer.rules["math_inline_display"] = (tokens, idx) => texToMathml(tokens[idx]!.content, true);
  md.renderer.rules["math_block"] = (tokens, idx, _opts, _env, slf) => {
    const token = tokens[idx]!;
    return `<div class="math-display"${slf.renderAttrs(token)}>${texToMathml(token.content, true)}</div>\n`;
  };
}

// A failed search for a closing delimiter stays failed for every later
// opener in the same inline source: remembering it keeps a text full of
// unmatched "\(" or "$$" linear instead of quadratic.
let missSrc = "";
let missFrom: Record<string, number> = {};

function findClose(src: string, close: string, from: number, max: number): number {
  if (src !== missSrc) {
    missSrc = src;
    missFrom = {};
  }
  const known = missFrom[close];
  if (known !== undefined && from >= known) return -1;
  const at = src.indexOf(close, from);
  if (at < 0) {
    missFrom[close] = Math.min(known ?? Infinity, from);
    return -1;
  }
  // beyond posMax (inside a link label, say) is a miss here but not for later, wider scans
  return at + close.length > max ? -1 : at;
}

const mathInline: RuleInline = (state, silent) => {
  const { src, pos } = state;
  const max = state.posMax;
  const ch = src.charCodeAt(pos);
  let open: string;
  let close: string;
  if (ch === BACKSLASH) {
    const next = src[pos + 1];
    if (next !== "(" && next !== "[") return false;
    open = `\\${next}`;
    close = next === "(" ? "\\)" : "\\]";
  } else if (ch === DOLLAR) {
    open = src.charCodeAt(pos + 1) === DOLLAR ? "$$" : "$";
    close = open;
  } else {
    return false;
  }
  const start = pos + open.length;
  let end: number;
  if (open === "$") {
    if (start >= max || isSpace(src.charCodeAt(start))) return false;
    end = start;
    for (;;) {
      end = findClose(src, "$", end, max);
      if (end < 0) return false;
      if (!isEscaped(src, end)) break;
      end += 1;
    }
    if (isSpace(src.charCodeAt(end - 1)) || isDigit(src.charCodeAt(end + 1))) return false;
  } else {
    end = findClose(src, close, start, max);
    if (end < 0) return false;
  }
  const tex = src.slice(start, end);
  if (tex.trim() === "") return false;
  if (!silent) {
    const display = open === "$$" || open === "\\[";
    const token = state.push(display ? "math_inline_display" : "math_inline", "math", 0);
    token.content = tex;
    token.markup = open;
  }
  state.pos = end + close.length;
  return true;
};

// The same idea for display blocks: without it, every line of a long
// paragraph that starts with "\[" (or "$$") rescans the rest of the document
// for a closing line, when markdown-it asks whether it ends the paragraph.
let blockMissSrc = "";
let blockMissFrom: Record<string, number> = {};

const mathBlock: RuleBlock = (state, startLine, endLine, silent) => {
  // four spaces of indent make an indented code block, not math
  if (state.sCount[startLine]! - state.blkIndent >= 4) return false;
  const lineStart = state.bMarks[startLine]! + state.tShift[startLine]!;
  const lineEnd = state.eMarks[startLine]!;
  const open = state.src.slice(lineStart, lineStart + 2);
  if (open !== "$$" && open !== "\\[") return false;
  const close = open === "$$" ? "$$" : "\\]";
  const first = state.src.slice(lineStart + 2, lineEnd).trimEnd();
  let tex: string;
  let last = startLine;
  const closeAt = first.indexOf(close);
  if (closeAt >= 0) {
    // one line: "$$ x $$" — anything after the close belongs to a paragraph instead
    if (closeAt !== first.length - close.length) return false;
    tex = first.slice(0, closeAt);
  } else {
    // no closing line from an earlier start means none from this one either
    const missKey = `${close}:${endLine}`;
    if (state.src !== blockMissSrc) {
      blockMissSrc = state.src;
      blockMissFrom = {};
    }
    const missFrom = blockMissFrom[missKey];
    if (missFrom !== undefined && startLine >= missFrom) return false;
    const lines = [first];
    let found = false;
    let stopped = false;
    for (last = startLine + 1; last < endLine; last++) {
      const from = state.bMarks[last]! + state.tShift[last]!;
      const to = state.eMarks[last]!;
      if (from < to && state.sCount[last]! < state.blkIndent) {
        stopped = true;
        break;
      }
      const line = state.src.slice(from, to).trimEnd();
      const at = line.indexOf(close);
      if (at >= 0) {
        if (at !== line.length - close.length) return false;
        lines.push(line.slice(0, at));
        found = true;
        break;
      }
      lines.push(line);
    }
    if (!found) {
      if (!stopped) blockMissFrom[missKey] = Math.min(missFrom ?? Infinity, startLine);
      return false;
    }
    tex = lines.join("\n");
  }
  if (tex.trim() === "") return false;
  if (silent) return true;
  state.line = last + 1;
  const token = state.push("math_block", "math", 0);
  token.block = true;
  token.content = tex;
  token.markup = open;
  token.map = [startLine, state.line];
  return true;
};

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

function isEscaped(src: string, at: number): boolean {
  let n = 0;
  while (at - n - 1 >= 0 && src.charCodeAt(at - n - 1) === BACKSLASH) n++;
  return n % 2 === 1;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
