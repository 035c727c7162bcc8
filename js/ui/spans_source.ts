// Where each character of rendered markdown comes from in its source string.
//
// Span offsets index the ORIGINAL source, never the rendered HTML, so a selection in
// rendered markdown must be traced back. The DOM alone cannot say where "bold" in
// <strong>bold</strong> sat in "**bold**" (and content could forge any hint we put in
// it), so this module parses the source itself, with the same markdown-it settings as
// the renderer, and records during inline parsing which source range produced every
// rendered character: text 1:1, an entity or an escape as one atomic range ("&amp;" ->
// "&"), soft and hard breaks, code spans, math as one atomic piece located by its TeX.
// Block tokens carry line ranges; inline content is located in those lines.
//
// The result is the expected rendered text, in order, each piece with its source range
// (UTF-16 offsets into the original string); spans_map.ts aligns it with the DOM. Any
// disagreement there leaves characters unmapped: a selection touching them gets a clear
// message, never a wrong offset.

import type { MarkdownIt, StateInline, Token } from "markdown-it";

import { newParser } from "../render/markdown";

/** One piece of the expected rendered text. Offsets: UTF-16 units into the original source. */
export type Piece =
  /** one rendered UTF-16 unit; `delim`: an emphasis marker that may render as a tag instead */
  | { kind: "char"; ch: string; start: number; end: number; delim: boolean }
  /** a formula (rendered as one MathML element) and its TeX */
  | { kind: "math"; tex: string; start: number; end: number }
  /** raw HTML (an html_block): rendered text is whatever the sanitizer kept of it */
  | { kind: "raw"; start: number; end: number };

type InlineState = StateInline;
type InlineRule = (state: InlineState, silent: boolean) => boolean;

interface TextEntry { kind: "text"; text: string; starts: number[]; ends: number[] }
interface TokenEntry {
  kind: "token"; token: Token; rule: string | null; start: number; end: number;
  type: string; content: string; markup: string;
}
type Entry = TextEntry | TokenEntry;

interface Recording { states: Array<{ out: Token[]; entries: Entry[] }> }

/**
 * An inline parser state that also records, for every character of pending text, the
 * source range it came from, and every token pushed (in push order = render order).
 */
function recordingState(Base: MarkdownIt["inline"]["State"]): MarkdownIt["inline"]["State"] {
  class Recorder extends (Base as unknown as new (...args: any[]) => any) {
    rwEntries: Entry[] = [];
    rwStarts: number[] = [];
    rwEnds: number[] = [];
    constructor(src: string, md: MarkdownIt, env: any, out: Token[]) {
      super(src, md, env, out);
      const rec = env?.__rwSpans as Recording | undefined;
      rec?.states.push({ out, entries: this.rwEntries });
    }
    /** Characters the tokenizer appended without a rule (one per loop turn) or trimmed. */
    rwSync(): void {
      const extra = this.pending.length - this.rwStarts.length;
      if (extra > 0) {
        for (let k = extra; k > 0; k--) {
          this.rwStarts.push(this.pos - k);
          this.rwEnds.push(this.pos - k + 1);
        }
      } else if (extra < 0) {
        // newline and linkify trim the end of the pending text
        this.rwStarts.length = this.pending.length;
        this.rwEnds.length = this.pending.length;
      }
    }
    pushPending(): Token {
      this.rwSync();
      this.rwEntries.push({ kind: "text", text: this.pending, starts: this.rwStarts, ends: this.rwEnds });
      this.rwStarts = [];
      this.rwEnds = [];
      return super.pushPending();
    }
    push(type: string, tag: string, nesting: number): Token {
      const token = super.push(type, tag, nesting) as Token;
      this.rwEntries.push({ kind: "token", token, rule: null, start: -1, end: -1, type, content: "", markup: "" });
      return token;
    }
  }
  return Recorder as unknown as MarkdownIt["inline"]["State"];
}

function wrapRule(name: string, fn: InlineRule): InlineRule {
  return (state, silent) => {
    const st = state as InlineState & {
      rwEntries?: Entry[]; rwStarts: number[]; rwEnds: number[]; rwSync(): void;
    };
    if (silent || !st.rwEntries) return fn(state, silent);
    st.rwSync();
    const pos0 = state.pos;
    const n0 = st.rwEntries.length;
    const ok = fn(state, silent);
    if (!ok) return ok;
    const added = state.pending.length - st.rwStarts.length;
    if (added > 0) {
      const consumed = state.src.slice(pos0, state.pos);
      const oneToOne = consumed.length === added && state.pending.endsWith(consumed);
      for (let k = 0; k < added; k++) {
        st.rwStarts.push(oneToOne ? pos0 + k : pos0);
        st.rwEnds.push(oneToOne ? pos0 + k + 1 : state.pos);
      }
    }
    for (let i = n0; i < st.rwEntries.length; i++) {
      const e = st.rwEntries[i]!;
      if (e.kind !== "token" || e.rule !== null) continue;
      // the first rule to return owns the token (a link's label tokens belong to theirs)
      e.rule = name;
      e.start = pos0;
      e.end = state.pos;
      e.type = e.token.type;
      e.content = e.token.content;
      e.markup = e.token.markup;
    }
    return ok;
  };
}

let parser: MarkdownIt | null = null;

/**
 * The recording parser: the renderer's settings (js/render/markdown.ts: html, linkify
 * with scheme links only, no typographer, the math plugin), every inline rule wrapped.
 */
function recordingParser(): MarkdownIt {
  if (parser) return parser;
  const md = newParser();
  md.inline.State = recordingState(md.inline.State);
  const rules = (md.inline.ruler as unknown as { __rules__: Array<{ name: string; fn: InlineRule }> }).__rules__;
  for (const r of [...rules]) md.inline.ruler.at(r.name, wrapRule(r.name, r.fn) as never);
  parser = md;
  return md;
}

// ------------------------------------------------------------ source lines

interface Normalized {
  /** the source as markdown-it reads it: \r\n and \r become \n, NUL becomes U+FFFD */
  text: string;
  /** original UTF-16 offset of each normalized unit (and of the end) */
  orig: Int32Array;
  lineStarts: number[];
}

function normalize(source: string): Normalized {
  const orig = new Int32Array(source.length + 1);
  let text = "";
  let n = 0;
  let last = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 13) {
      text += source.slice(last, i) + "\n";
      orig[n++] = i;
      if (source.charCodeAt(i + 1) === 10) i++;
      last = i + 1;
      continue;
    }
    if (c === 0) {
      text += source.slice(last, i) + "\uFFFD";
      orig[n++] = i;
      last = i + 1;
      continue;
    }
    orig[n++] = i;
  }
  text += source.slice(last);
  orig[n] = source.length;
  const lineStarts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) lineStarts.push(i + 1);
  return { text, orig: orig.subarray(0, n + 1), lineStarts };
}

function lineText(norm: Normalized, line: number): string | null {
  const start = norm.lineStarts[line];
  if (start === undefined) return null;
  const next = norm.lineStarts[line + 1];
  return norm.text.slice(start, next === undefined ? norm.text.length : next - 1);
}

type LineMode = "suffix" | "cell";

/**
 * Normalized-source offset of every character of block content (an inline token's
 * content, a fence's body), -1 where it cannot be placed. Content line k sits in source
 * line `first + k`: as its suffix (markdown-it strips indentation, list and quote
 * markers, and trims the block's ends), or for table cells left to right on the row.
 */
function locateLines(
  content: string, first: number, norm: Normalized, mode: LineMode, cursors: Map<number, number>,
): Int32Array {
  const out = new Int32Array(content.length).fill(-1);
  const parts = content.split("\n");
  let c = 0;
  parts.forEach((part, k) => {
    const line = first + k;
    const text = lineText(norm, line);
    if (text !== null) {
      let col = -1;
      if (mode === "cell") {
        col = text.indexOf(part, cursors.get(line) ?? 0);
        if (col >= 0) cursors.set(line, col + part.length);
      } else if (text.endsWith(part)) {
        col = text.length - part.length;
      } else {
        const trimmed = text.replace(/[ \t\f\v]+$/, "");
        if (trimmed.endsWith(part)) col = trimmed.length - part.length;
        else if (text.trimEnd().endsWith(part)) col = text.trimEnd().length - part.length;
        else col = text.lastIndexOf(part); // a heading's closing #s
      }
      const start = norm.lineStarts[line]!;
      if (col >= 0) {
        for (let j = 0; j < part.length; j++) out[c + j] = start + col + j;
        if (k < parts.length - 1) out[c + part.length] = start + text.length; // the \n
      }
    }
    c += part.length + 1;
  });
  return out;
}

// ------------------------------------------------------------ expected pieces

class Emitter {
  readonly pieces: Piece[] = [];
  constructor(private norm: Normalized) {}

  /**
   * A rendered unit from normalized range [a, b). An unplaced one (a < 0) still takes
   * its place in the sequence, with offsets -1, so the DOM stays aligned around it.
   */
  char(ch: string, a: number, b: number, delim = false): void {
    const ok = a >= 0 && b > a;
    this.pieces.push({
      kind: "char", ch, delim, start: ok ? this.norm.orig[a]! : -1, end: ok ? this.norm.orig[b]! : -1,
    });
  }

  math(tex: string, a: number, b: number): void {
    const ok = a >= 0 && b > a;
    this.pieces.push({ kind: "math", tex, start: ok ? this.norm.orig[a]! : -1, end: ok ? this.norm.orig[b]! : -1 });
  }

  raw(a: number, b: number): void {
    if (b > a) this.pieces.push({ kind: "raw", start: this.norm.orig[a]!, end: this.norm.orig[b]! });
  }
}

/** Normalized range of content range [s, e), or [-1, -1] when an end is unplaced. */
function span(at: Int32Array, s: number, e: number): [number, number] {
  const a = at[s] ?? -1;
  const last = at[e - 1] ?? -1;
  if (a < 0 || last < 0 || last < a) return [-1, -1];
  return [a, last + 1];
}

function emitInline(entries: Entry[], at: Int32Array, out: Emitter, src: string): void {
  for (const e of entries) {
    if (e.kind === "text") {
      for (let k = 0; k < e.text.length; k++) {
        const [a, b] = span(at, e.starts[k]!, e.ends[k]!);
        out.char(e.text[k]!, a, b);
      }
      continue;
    }
    if (e.rule === null) continue;
    switch (e.type) {
      case "text": {
        const delim = e.rule === "emphasis" || e.rule === "strikethrough";
        // where the content sits in what the rule consumed (linkify: it ends there,
        // including the scheme already read as text; autolink: inside <...>)
        let from = -1;
        if (!delim) {
          if (src.slice(e.end - e.content.length, e.end) === e.content) from = e.end - e.content.length;
          else {
            const inner = src.slice(e.start, e.end).indexOf(e.content);
            if (inner >= 0) from = e.start + inner;
          }
        }
        for (let k = 0; k < e.content.length; k++) {
          const [a, b] = from >= 0 ? span(at, from + k, from + k + 1) : span(at, e.start, e.end);
          out.char(e.content[k]!, a, b, delim);
        }
        break;
      }
      case "text_special": { // an entity or an escape: all of it, whatever it renders as
        const [a, b] = span(at, e.start, e.end);
        for (let k = 0; k < e.content.length; k++) out.char(e.content[k]!, a, b);
        break;
      }
      case "code_inline": {
        const innerStart = e.start + e.markup.length;
        const inner = src.slice(innerStart, e.end - e.markup.length);
        const off = inner.length === e.content.length + 2 ? 1 : 0; // "` a `" drops one space each side
        for (let k = 0; k < e.content.length; k++) {
          const [a, b] = span(at, innerStart + off + k, innerStart + off + k + 1);
          out.char(e.content[k]!, a, b);
        }
        break;
      }
      case "math_inline":
      case "math_inline_display": {
        const [a, b] = span(at, e.start, e.end);
        out.math(e.content, a, b);
        break;
      }
      case "softbreak":
      case "hardbreak": { // rendered as "\n" (after a <br> for a hard break)
        const [a, b] = span(at, e.start, e.end);
        out.char("\n", a, b);
        break;
      }
      default: // tags, images (alt text is an attribute), raw inline HTML: no text of their own
        break;
    }
  }
}

/**
 * The text rendered markdown shows, in order, each unit with the source range it came
 * from. `source` is the string the renderer got (the column value).
 *
 * Example: `expectedMarkdown("**hi** &amp;")` -> pieces h(2-3), i(3-4), " "(6-7), &(7-12),
 * plus the four `*` as skippable delimiters.
 */
export function expectedMarkdown(source: string): Piece[] {
  const md = recordingParser();
  const norm = normalize(source);
  const rec: Recording = { states: [] };
  const tokens = md.parse(norm.text, { __rwSpans: rec });
  const byOut = new Map(rec.states.map((s) => [s.out, s.entries]));
  const out = new Emitter(norm);
  const cursors = new Map<number, number>();
  let row: [number, number] | null = null; // table cells have no line map: their row's
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === "tr_open") row = t.map;
    if (t.type === "inline") {
      const entries = t.children ? byOut.get(t.children) : undefined;
      const parent = tokens[i - 1]?.type ?? "";
      const cell = parent === "td_open" || parent === "th_open";
      const map = t.map ?? (cell ? row : null);
      if (!entries || !map) continue;
      emitInline(entries, locateLines(t.content, map[0], norm, cell ? "cell" : "suffix", cursors), out, t.content);
    } else if ((t.type === "fence" || t.type === "code_block") && t.map) {
      const first = t.type === "fence" ? t.map[0] + 1 : t.map[0];
      const body = t.content.endsWith("\n") ? t.content.slice(0, -1) : t.content;
      const at = locateLines(body, first, norm, "suffix", cursors);
      for (let k = 0; k < body.length; k++) out.char(body[k]!, at[k]!, at[k]! < 0 ? -1 : at[k]! + 1);
      if (t.content.endsWith("\n") && body.length && at[body.length - 1]! >= 0) {
        const nl = at[body.length - 1]! + 1;
        if (norm.text[nl] === "\n") out.char("\n", nl, nl + 1);
      }
    } else if (t.type === "math_block" && t.map) {
      out.math(t.content, norm.lineStarts[t.map[0]]!, lineEndOf(norm, t.map[1] - 1));
    } else if (t.type === "html_block" && t.map) {
      out.raw(norm.lineStarts[t.map[0]]!, lineEndOf(norm, t.map[1] - 1));
    }
  }
  return out.pieces;
}

function lineEndOf(norm: Normalized, line: number): number {
  const next = norm.lineStarts[line + 1];
  return next === undefined ? norm.text.length : next - 1;
}
