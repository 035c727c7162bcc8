// Word-level diff of two responses' plain TEXT, for PairwiseRater's diff highlight.
//
// The diff works on the source text (markdown shown literally, a chat as "role: content"
// lines), not on rendered HTML: that keeps it exact and safe. The result is rendered with
// text nodes only (renderText's content box, spans built with textContent), so nothing
// in a response can become markup. Long, very different texts fall back to a line diff,
// then to "no diff" with a note: the DP table is bounded so the tab never freezes.

import type { Block, ChatMessage } from "../protocol";
import { renderText, type RenderContext } from "../render/index";

export type Op = "same" | "changed";
export interface Piece { text: string; op: Op; }
export interface DiffResult { left: Piece[]; right: Piece[]; exact: boolean; }

/** Largest LCS table (cells) we fill: ~16 MB of Uint32. */
const MAX_CELLS = 4_000_000;

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
      ? !keep[i] && i > 0 && !keep[i - 1] && i + 1 < tokens.length && !keep[i + 1]
      : !keep[i];
    const op: Op = changed ? "changed" : "same";
    const last = out[out.length - 1];
    if (last && last.op === op) last.text += text;
    else out.push({ text, op });
  });
  return out;
}

/**
 * Word diff of two texts: for each side, runs of text marked "same" or "changed".
 *
 * Example: `diffWords("the cat sat", "the dog sat").left` ->
 * `[{text: "the ", op: "same"}, {text: "cat", op: "changed"}, {text: " sat", op: "same"}]`.
 */
export function diffWords(a: string, b: string): DiffResult {
  const ta = tokenize(a);
  const tb = tokenize(b);
  const words = lcsMarks(ta, tb);
  if (words) return { left: pieces(ta, words[0]), right: pieces(tb, words[1]), exact: true };
  const la = lines(a);
  const lb = lines(b);
  const byLine = lcsMarks(la, lb);
  if (byLine) return { left: pieces(la, byLine[0]), right: pieces(lb, byLine[1]), exact: false };
  return { left: [{ text: a, op: "same" }], right: [{ text: b, op: "same" }], exact: false };
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
