// The map between a rendered content box and its source string: which source range
// every rendered character (and every formula) came from, and back.
//
// Span offsets are Python string indices (code points) into the ORIGINAL source. Plain
// text and code render as one text node, so DOM offsets are source offsets (in UTF-16
// units). Markdown is traced back through spans_source.ts: the expected rendered text,
// each unit with its source range, is aligned with the DOM's text nodes in order; math
// elements are atomic and matched by their TeX. What does not align stays unmapped, and
// a selection that starts or ends there is refused with a message: never a wrong offset.

import { expectedMarkdown, type Piece } from "./spans_source";

/** One rendered unit: a UTF-16 unit of a text node, or a whole formula element. */
export interface Unit {
  node: Node;
  /** offset in the text node; -1 for an element (a formula) */
  offset: number;
  /** the source range (UTF-16 units) it came from; -1 when unmapped */
  start: number;
  end: number;
  /** the rendered character ("\uFFFC" for a formula) */
  ch: string;
}

export type Mapped = { start: number; end: number; text: string } | { error: string };

const MATH_CHAR = "\uFFFC";
/** How far ahead the aligner looks for the DOM text after a mismatch (sanitizer drops). */
const RESYNC_WINDOW = 4000;
const RESYNC_PROBE = 24;
/** Units looked at on each side when snapping a selection end to a whole character. */
const GRAPHEME_WINDOW = 64;

/** Code-point offsets (Python) <-> UTF-16 offsets (JS) of one string. */
export class CodePoints {
  /** code points before each UTF-16 offset (0..length) */
  private cp: Int32Array;
  /** UTF-16 offset of each code point (0..count) */
  private u16: Int32Array;

  constructor(readonly text: string) {
    this.cp = new Int32Array(text.length + 1);
    const u16: number[] = [];
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      this.cp[i] = n;
      const c = text.charCodeAt(i);
      const pair = c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
      u16.push(i);
      if (pair) {
        this.cp[i + 1] = n + 1; // inside a pair: never a span boundary (the map snaps)
        i++;
      }
      n++;
    }
    this.cp[text.length] = n;
    u16.push(text.length);
    this.u16 = Int32Array.from(u16);
  }

  get length(): number { return this.u16.length - 1; }

  /** Python offset of a UTF-16 offset. */
  toCodePoint(u: number): number { return this.cp[Math.max(0, Math.min(u, this.text.length))]!; }

  /** UTF-16 offset of a Python offset. */
  toUtf16(cp: number): number { return this.u16[Math.max(0, Math.min(cp, this.length))]!; }
}

type DomItem = { kind: "text"; node: Text } | { kind: "math"; el: Element; tex: string | null };

/** Text nodes and formulas of a content box, in document order (placeholders skipped). */
function domItems(box: Element): DomItem[] {
  const out: DomItem[] = [];
  const visit = (node: Node): void => {
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.nodeType === 3) {
        out.push({ kind: "text", node: c as Text });
      } else if (c.nodeType === 1) {
        const el = c as Element;
        const cls = el.classList;
        if (el.localName === "math" || cls.contains("katex-error") || cls.contains("math-error")) {
          out.push({ kind: "math", el, tex: el.getAttribute("alttext") ?? el.textContent });
        } else if (!cls.contains("rw-remote-placeholder") && !cls.contains("rw-error-placeholder")) {
          visit(el);
        }
      }
    }
  };
  visit(box);
  return out;
}

const SPACE = /\s/;

/** Does `text` follow pieces[j...] (emphasis markers in between may vanish)? */
function matchesAt(pieces: Piece[], j: number, text: string): boolean {
  let k = j;
  for (let p = 0; p < text.length; p++) {
    let piece = pieces[k];
    while (piece && piece.kind === "char" && piece.delim && piece.ch !== text[p]) piece = pieces[++k];
    if (!piece || piece.kind !== "char" || piece.ch !== text[p]) return false;
    k++;
  }
  return true;
}

/** The one place ahead of j where `text` aligns, or -1 (none, or more than one). */
function resync(pieces: Piece[], j: number, text: string): number {
  const probe = text.slice(0, RESYNC_PROBE);
  let found = -1;
  const stop = Math.min(pieces.length, j + RESYNC_WINDOW);
  for (let k = j + 1; k < stop; k++) {
    const p = pieces[k]!;
    if (p.kind !== "char" || p.ch !== probe[0] || !matchesAt(pieces, k, probe)) continue;
    if (found >= 0) return -1; // ambiguous: better unmapped than wrong
    found = k;
  }
  return found;
}

/** KaTeX keeps the TeX of a formula, up to the white space around it. */
function sameTex(expected: string, shown: string | null): boolean {
  if (shown === null) return true;
  const norm = (t: string) => t.replace(/\s+/g, " ").trim();
  return norm(expected) === norm(shown);
}

/** Align the DOM with the expected pieces: one Unit per DOM character or formula. */
function align(items: DomItem[], pieces: Piece[], source: string): Unit[] {
  const units: Unit[] = [];
  let j = 0;
  let rawAt = -1; // inside a raw HTML piece: where the next text may start in the source
  for (const item of items) {
    if (item.kind === "math") {
      let k = j;
      while (k < pieces.length) {
        const p = pieces[k]!;
        if (p.kind === "char" && (p.delim || SPACE.test(p.ch))) k++;
        else break;
      }
      let p: Piece | undefined = pieces[k];
      if (!(p && p.kind === "math" && sameTex(p.tex, item.tex))) {
        // a formula further on (the sanitizer dropped something before it)
        k = -1;
        for (let q = j; q < Math.min(pieces.length, j + RESYNC_WINDOW); q++) {
          const c = pieces[q]!;
          if (c.kind === "math" && sameTex(c.tex, item.tex)) { k = q; break; }
        }
        p = k >= 0 ? pieces[k] : undefined;
      }
      if (p && p.kind === "math") {
        units.push({ node: item.el, offset: -1, start: p.start, end: p.end, ch: MATH_CHAR });
        j = k + 1;
        rawAt = -1;
      } else {
        units.push({ node: item.el, offset: -1, start: -1, end: -1, ch: MATH_CHAR });
      }
      continue;
    }
    const node = item.node;
    const data = node.data;
    let p = 0;
    while (p < data.length) {
      const piece = pieces[j];
      if (piece && piece.kind === "raw") {
        if (rawAt < piece.start) rawAt = piece.start;
        const rest = data.slice(p);
        // the text of raw HTML appears in it verbatim (entities aside); the white space
        // around it may be the renderer's
        const core = rest.trim();
        const lead = rest.length - rest.trimStart().length;
        const at = core ? source.indexOf(core, rawAt) : -1;
        if (at >= 0 && at + core.length <= piece.end) {
          const again = source.indexOf(core, at + 1);
          const unique = again < 0 || again + core.length > piece.end;
          for (let q = 0; q < rest.length; q++) {
            const c = q - lead;
            const ok = unique && c >= 0 && c < core.length;
            units.push({ node, offset: p + q, start: ok ? at + c : -1, end: ok ? at + c + 1 : -1, ch: rest[q]! });
          }
          if (unique) rawAt = at + core.length;
          p = data.length;
          continue;
        }
        if (rest.trim() !== "" && matchesAt(pieces, j + 1, rest.trimStart().slice(0, RESYNC_PROBE))) {
          j++; // the text after the raw block
          rawAt = -1;
          continue;
        }
        for (let q = p; q < data.length; q++) units.push({ node, offset: q, start: -1, end: -1, ch: data[q]! });
        p = data.length;
        continue;
      }
      const ch = data[p]!;
      if (piece && piece.kind === "char") {
        if (piece.ch === ch) {
          units.push({ node, offset: p, start: piece.start, end: piece.end, ch });
          j++;
          p++;
          continue;
        }
        if (piece.delim) {
          j++;
          continue;
        }
      }
      // white space the renderer put between blocks stays unmapped; anything else means
      // the sanitizer dropped something: find where this text continues
      const rest = data.slice(p);
      const k = rest.trim() === "" ? -1 : resync(pieces, j, rest);
      if (k >= 0) {
        j = k;
        continue;
      }
      units.push({ node, offset: p, start: -1, end: -1, ch });
      p++;
    }
  }
  return units;
}

/** One UTF-16 unit per source character: text and code show the source as it is. */
function literalPieces(source: string): Piece[] {
  const out: Piece[] = new Array(source.length);
  for (let i = 0; i < source.length; i++) out[i] = { kind: "char", ch: source[i]!, start: i, end: i + 1, delim: false };
  return out;
}

/**
 * The map of one rendered content box (`div.rw-content`) to its source string.
 *
 * Example: `const map = TextMap.build(box, "**hi** there", "markdown");
 * map.fromRange(getSelection().getRangeAt(0))` -> `{start: 2, end: 4, text: "hi"}`.
 */
export class TextMap {
  readonly points: CodePoints;
  private words: Array<[number, number]> | null = null;
  private rendered: string | null = null;
  private monotonic: boolean;

  private constructor(readonly box: HTMLElement, readonly source: string, readonly units: Unit[]) {
    this.points = new CodePoints(source);
    let last = -1;
    this.monotonic = true;
    for (const u of units) {
      if (u.start < 0) continue;
      if (u.start < last) { this.monotonic = false; break; }
      last = u.start;
    }
  }

  /** Map a box rendered from `source` as "markdown", "text" or "code". */
  static build(box: HTMLElement, source: string, format: string): TextMap {
    const pieces = format === "markdown" ? expectedMarkdown(source) : literalPieces(source);
    return new TextMap(box, source, align(domItems(box), pieces, source));
  }

  /** The rendered text, one character per unit (formulas as U+FFFC). */
  get text(): string {
    if (this.rendered === null) this.rendered = this.units.map((u) => u.ch).join("");
    return this.rendered;
  }

  get mappedCount(): number { return this.units.filter((u) => u.start >= 0).length; }

  /** The boundary before the first non-space unit (Home). */
  get textStart(): number {
    const i = this.units.findIndex((u) => !SPACE.test(u.ch));
    return i < 0 ? 0 : i;
  }

  /** The boundary after the last non-space unit (End). */
  get textEnd(): number {
    for (let i = this.units.length - 1; i >= 0; i--) if (!SPACE.test(this.units[i]!.ch)) return i + 1;
    return 0;
  }

  // ------------------------------------------------------------ DOM <-> units

  /** The DOM point before unit i (i === length: after the last unit). */
  point(i: number): [Node, number] {
    if (i >= this.units.length) {
      const last = this.units[this.units.length - 1];
      if (!last) return [this.box, 0];
      return last.offset < 0 ? afterNode(last.node) : [last.node, last.offset + 1];
    }
    const u = this.units[i]!;
    return u.offset < 0 ? beforeNode(u.node) : [u.node, u.offset];
  }

  /** A DOM range over units [a, b). */
  domRange(a: number, b: number): Range {
    const range = this.box.ownerDocument.createRange();
    const [sn, so] = this.point(a);
    range.setStart(sn, so);
    if (b > a) {
      const u = this.units[b - 1]!;
      const [en, eo] = u.offset < 0 ? afterNode(u.node) : [u.node, u.offset + 1];
      range.setEnd(en, eo);
    }
    return range;
  }

  /** The boundary (0..length) at or after a DOM point. */
  boundaryAt(node: Node, offset: number): number {
    const range = this.box.ownerDocument.createRange();
    range.setStart(node, offset);
    let lo = 0;
    let hi = this.units.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const [n, o] = this.point(mid);
      // the unit starts before the point: the boundary is later
      if (range.comparePoint(n, o) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Units [a, b) that a DOM range covers (a formula counts when touched), or null. */
  coverage(range: Range): [number, number] | null {
    if (!this.units.length) return null;
    const startOf = (i: number) => { const [n, o] = this.point(i); return range.comparePoint(n, o); };
    const endOf = (i: number) => {
      const u = this.units[i]!;
      const [n, o] = u.offset < 0 ? afterNode(u.node) : [u.node, u.offset + 1];
      return range.comparePoint(n, o);
    };
    const covered = (i: number) => {
      const u = this.units[i]!;
      return u.offset < 0 ? range.intersectsNode(u.node) : startOf(i) === 0 && endOf(i) === 0;
    };
    // first unit ending at or after the range start, last starting at or before its end
    let lo = 0;
    let hi = this.units.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (endOf(m) < 0) lo = m + 1; else hi = m; }
    let first = lo;
    lo = first;
    hi = this.units.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (startOf(m) <= 0) lo = m + 1; else hi = m; }
    let last = lo - 1;
    while (first <= last && !covered(first)) first++;
    while (last >= first && !covered(last)) last--;
    return first <= last ? [first, last + 1] : null;
  }

  // ------------------------------------------------------------ selection -> offsets

  /** Source offsets (code points) of a DOM selection range, or why there are none. */
  fromRange(range: Range): Mapped {
    const cov = this.coverage(range);
    if (!cov) return { error: "The selection is not in this text." };
    return this.fromUnits(cov[0], cov[1]);
  }

  /**
   * Source offsets of units [a, b): white space at the ends is left out, the ends snap
   * to whole characters (an emoji with its modifiers, a letter with its accents), and
   * both ends must trace back to the source.
   */
  fromUnits(a: number, b: number): Mapped {
    while (a < b && SPACE.test(this.units[a]!.ch)) a++;
    while (b > a && SPACE.test(this.units[b - 1]!.ch)) b--;
    if (a >= b) return { error: "The selection holds only white space." };
    a = this.snap(a, false);
    b = this.snap(b, true);
    const first = this.units[a]!;
    const last = this.units[b - 1]!;
    if (first.start < 0 || last.end < 0) {
      const where = first.start < 0 ? "starts" : "ends";
      return {
        error: `The selection ${where} in text that cannot be traced to its exact place in the `
          + "source (raw HTML or a part the sanitizer changed); start or end it on plain text nearby.",
      };
    }
    if (last.end <= first.start) {
      return { error: "The selection cannot be traced to one stretch of the source; select it again." };
    }
    const start = this.points.toCodePoint(first.start);
    const end = this.points.toCodePoint(last.end);
    return { start, end, text: this.source.slice(first.start, last.end) };
  }

  // ------------------------------------------------------------ offsets -> DOM

  /** Units [a, b) showing source code points [start, end), or null when none does. */
  unitsOf(start: number, end: number): [number, number] | null {
    const s = this.points.toUtf16(start);
    const e = this.points.toUtf16(end);
    const hit = (u: Unit) => u.start >= 0 && u.start < e && u.end > s;
    let first = -1;
    let last = -1;
    if (this.monotonic) {
      let lo = 0;
      let hi = this.units.length;
      while (lo < hi) {
        const m = (lo + hi) >> 1;
        const u = this.units[m]!;
        // unmapped units carry no position: compare by the next mapped one's
        const ref = u.start >= 0 ? u.end : this.nextMappedEnd(m);
        if (ref <= s) lo = m + 1;
        else hi = m;
      }
      for (let i = lo; i < this.units.length; i++) {
        const u = this.units[i]!;
        if (u.start >= e) break;
        if (hit(u)) { if (first < 0) first = i; last = i; }
      }
    } else {
      this.units.forEach((u, i) => { if (hit(u)) { if (first < 0) first = i; last = i; } });
    }
    return first < 0 ? null : [first, last + 1];
  }

  /** A DOM range showing source code points [start, end), or null. */
  toRange(start: number, end: number): Range | null {
    const u = this.unitsOf(start, end);
    return u ? this.domRange(u[0], u[1]) : null;
  }

  private nextMappedEnd(i: number): number {
    for (let k = i + 1; k < this.units.length; k++) if (this.units[k]!.start >= 0) return this.units[k]!.end;
    return Number.MAX_SAFE_INTEGER;
  }

  // ------------------------------------------------------------ words, for the keyboard

  /** Word-like stretches [a, b) of the rendered text (a formula is one word). */
  wordList(): Array<[number, number]> {
    if (this.words) return this.words;
    const out: Array<[number, number]> = [];
    const Seg = (Intl as { Segmenter?: typeof Intl.Segmenter }).Segmenter;
    const text = this.text;
    if (Seg) {
      for (const s of new Seg(undefined, { granularity: "word" }).segment(text)) {
        if (s.isWordLike || s.segment === MATH_CHAR) out.push([s.index, s.index + s.segment.length]);
        else if (/[^\s\p{P}]/u.test(s.segment)) out.push([s.index, s.index + s.segment.length]);
      }
    } else {
      for (const m of text.matchAll(/[\p{L}\p{N}\p{M}_']+|\uFFFC|[^\s\p{P}]/gu)) out.push([m.index!, m.index! + m[0].length]);
    }
    this.words = out;
    return out;
  }

  /** The end of the first word ending after boundary i (or the end). */
  nextWordEnd(i: number): number {
    return this.wordList().find(([, e]) => e > i)?.[1] ?? this.units.length;
  }

  /** The start of the last word starting before boundary i (or 0). */
  prevWordStart(i: number): number {
    const w = this.wordList();
    for (let k = w.length - 1; k >= 0; k--) if (w[k]![0] < i) return w[k]![0];
    return 0;
  }

  /** The start of the first word starting after boundary i (or the end). */
  nextWordStart(i: number): number {
    return this.wordList().find(([a]) => a > i)?.[0] ?? this.units.length;
  }

  /** The word at or after boundary i, for showing the caret. */
  wordAt(i: number): [number, number] | null {
    return this.wordList().find(([, e]) => e > i) ?? null;
  }

  /**
   * The grapheme boundary at or before (at or after, `forward`) boundary i: segmenting
   * only a window around it keeps a mark on a 100k-character item instant.
   */
  private snap(i: number, forward: boolean): number {
    const n = this.units.length;
    if (i <= 0 || i >= n) return Math.max(0, Math.min(i, n));
    // a grapheme never spans two DOM nodes or a formula
    if (this.units[i]!.node !== this.units[i - 1]!.node) return i;
    const lo = Math.max(0, i - GRAPHEME_WINDOW);
    const hi = Math.min(n, i + GRAPHEME_WINDOW);
    const text = this.text.slice(lo, hi);
    const cuts = [lo, hi];
    const Seg = (Intl as { Segmenter?: typeof Intl.Segmenter }).Segmenter;
    if (Seg) {
      for (const s of new Seg(undefined, { granularity: "grapheme" }).segment(text)) cuts.push(lo + s.index);
    } else {
      for (let k = 0; k < text.length; k++) if ((text.charCodeAt(k) & 0xfc00) !== 0xdc00) cuts.push(lo + k);
    }
    if (forward) return Math.min(...cuts.filter((c) => c >= i));
    return Math.max(...cuts.filter((c) => c <= i));
  }

}

function beforeNode(node: Node): [Node, number] {
  const parent = node.parentNode!;
  return [parent, Array.prototype.indexOf.call(parent.childNodes, node)];
}

function afterNode(node: Node): [Node, number] {
  const [p, i] = beforeNode(node);
  return [p, i + 1];
}
