// Word-level diff of two responses' plain TEXT, for PairwiseRater's diff highlight.
//
// The diff works on the source text (markdown shown literally, a chat as "role: content"
// lines), not on rendered HTML: that keeps it exact and safe. The result is rendered with
// text nodes only (renderText's content box, spans built with textContent), so nothing
// in a response can become markup. The diff goes coarse to fine (lines, then sentences
// in changed runs of lines, then words in changed runs of sentences), and every LCS
// table is bounded, so the tab never freezes: a changed run too long to diff word by
// word is marked as a whole and the result says it is not exact.

import type { Block, ChatMessage } from "../protocol";
import { renderText, type RenderContext } from "../render/index";

export type Op = "same" | "changed";
export interface Piece { text: string; op: Op; }
export interface DiffResult { left: Piece[]; right: Piece[]; exact: boolean; }

/** Largest LCS table (cells) we fill at one level: 10 MB of Uint32, ~50 ms at worst. */
const MAX_CELLS = 2_500_000;

/** The text a block shows, for diffing: the string, or a chat as "role: content" paragraphs. */
export function plainText(block: Block | undefined): string {
  if (!block) return "";
  const value = block.value;
  if (Array.isArray(value)) {
    return (value as ChatMessage[])
      .map((m) => `${String(m?.role ?? "")}: ${typeof m?.content === "string" ? m.content : JSON.stringify(m?.content ?? "")}`)
      .join("\n\n");
  }
  return typeof value === "string" ? value : String(value ?? "");
}

/** Words and the white space between them, in order (joined they give the text back). */
export function tokenize(text: string): string[] {
  return text.match(/\s+|[^\s]+/g) ?? [];
}

function lines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function sentences(text: string): string[] {
  return text.match(/[^.!?\n]+(?:[.!?]+|\n|$)\s*|[.!?\n]+\s*/g) ?? [];
}

/** Which tokens of a and b are in their longest common subsequence (null: table too big). */
function lcsMarks(a: string[], b: string[]): [boolean[], boolean[]] | null {
  // common prefix and suffix cost nothing and shrink the table
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) { endA--; endB--; }
  const inA = new Array<boolean>(a.length).fill(true);
  const inB = new Array<boolean>(b.length).fill(true);
  const n = endA - start;
  const m = endB - start;
  if (n === 0 || m === 0) {
    for (let i = start; i < endA; i++) inA[i] = false;
    for (let j = start; j < endB; j++) inB[j] = false;
    return [inA, inB];
  }
  if ((n + 1) * (m + 1) > MAX_CELLS) return null;
  const w = m + 1;
  const table = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i * w + j] = a[start + i] === b[start + j]
        ? table[(i + 1) * w + j + 1]! + 1
        : Math.max(table[(i + 1) * w + j]!, table[i * w + j + 1]!);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[start + i] === b[start + j]) { i++; j++; }
    else if (table[(i + 1) * w + j]! >= table[i * w + j + 1]!) { inA[start + i] = false; i++; }
    else { inB[start + j] = false; j++; }
  }
  for (; i < n; i++) inA[start + i] = false;
  for (; j < m; j++) inB[start + j] = false;
  return [inA, inB];
}

function pieces(tokens: string[], keep: boolean[]): Piece[] {
  const out: Piece[] = [];
  const space = (i: number) => /^\s+$/.test(tokens[i] ?? "");
  tokens.forEach((text, i) => {
    // white space is never "changed" on its own; between two changed words it joins
    // them into one marked run
    const changed = space(i)
      ? i > 0 && !keep[i - 1] && i + 1 < tokens.length && !keep[i + 1]
      : !keep[i];
    const op: Op = changed ? "changed" : "same";
    const last = out[out.length - 1];
    if (last && last.op === op) last.text += text;
    else out.push({ text, op });
  });
  return out;
}

interface Marked { ta: string[]; ka: boolean[]; tb: string[]; kb: boolean[]; exact: boolean; }

/** LCS over the words only: white space is neither compared nor counted. */
function wordMarks(a: string[], b: string[]): [boolean[], boolean[]] | null {
  const ia = a.flatMap((t, i) => (/^\s+$/.test(t) ? [] : [i]));
  const ib = b.flatMap((t, j) => (/^\s+$/.test(t) ? [] : [j]));
  const marks = lcsMarks(ia.map((i) => a[i]!), ib.map((j) => b[j]!));
  if (!marks) return null;
  const ka = new Array<boolean>(a.length).fill(true);
  const kb = new Array<boolean>(b.length).fill(true);
  ia.forEach((i, k) => { ka[i] = marks[0][k]!; });
  ib.forEach((j, k) => { kb[j] = marks[1][k]!; });
  return [ka, kb];
}

const LEVELS = [lines, sentences];

/**
 * Diff coarse to fine: lines, then sentences within changed runs of lines, then words
 * within changed runs of sentences. Each level's table stays small for real responses;
 * a run too large even so is marked changed as a whole (and the result is not exact).
 */
function diffLevel(a: string, b: string, level: number, out: Marked): void {
  const push = (ta: string[], ka: boolean[], tb: string[], kb: boolean[]) => {
    out.ta.push(...ta); out.ka.push(...ka); out.tb.push(...tb); out.kb.push(...kb);
  };
  const split = LEVELS[level];
  if (!split) {
    const ta = tokenize(a);
    const tb = tokenize(b);
    const marks = wordMarks(ta, tb);
    if (!marks) out.exact = false;
    push(ta, marks?.[0] ?? ta.map(() => false), tb, marks?.[1] ?? tb.map(() => false));
    return;
  }
  const ua = split(a);
  const ub = split(b);
  const marks = lcsMarks(ua, ub);
  if (!marks) {
    out.exact = false;
    const ta = tokenize(a);
    const tb = tokenize(b);
    push(ta, ta.map(() => false), tb, tb.map(() => false));
    return;
  }
  const [ka, kb] = marks;
  let i = 0;
  let j = 0;
  while (i < ua.length || j < ub.length) {
    if (i < ua.length && j < ub.length && ka[i] && kb[j]) {
      const t = tokenize(ua[i]!);
      const same = t.map(() => true);
      push(t, same, [...t], [...same]);
      i++; j++;
      continue;
    }
    let hunkA = "";
    let hunkB = "";
    while (i < ua.length && !ka[i]) hunkA += ua[i++];
    while (j < ub.length && !kb[j]) hunkB += ub[j++];
    diffLevel(hunkA, hunkB, level + 1, out);
  }
}

/**
 * Word diff of two texts: for each side, runs of text marked "same" or "changed".
 *
 * Example: `diffWords("the cat sat", "the dog sat").left` ->
 * `[{text: "the ", op: "same"}, {text: "cat", op: "changed"}, {text: " sat", op: "same"}]`.
 */
export function diffWords(a: string, b: string): DiffResult {
  const out: Marked = { ta: [], ka: [], tb: [], kb: [], exact: true };
  diffLevel(a, b, 0, out);
  return { left: pieces(out.ta, out.ka), right: pieces(out.tb, out.kb), exact: out.exact };
}

/** One side of a diff as literal text with the changed runs marked (text nodes only). */
export function renderDiffSide(parts: Piece[], side: "left" | "right", ctx: RenderContext): HTMLElement {
  const box = renderText("", ctx);
  box.classList.add("rw-diff");
  const doc = box.ownerDocument;
  for (const p of parts) {
    if (p.op === "same") {
      box.append(doc.createTextNode(p.text));
    } else {
      const mark = doc.createElement("mark");
      mark.className = `rw-diff-changed rw-diff-${side}`;
      mark.textContent = p.text;
      box.append(mark);
    }
  }
  return box;
}
