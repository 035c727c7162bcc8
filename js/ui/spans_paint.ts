// Painting marked spans over rendered content with the CSS Custom Highlight API.
//
// Highlights style text ranges without touching the DOM, so the sanitized content is
// never modified (no wrapper elements, nothing content could interfere with). Each
// label's spans are one Highlight with a translucent background in the label's colour,
// so overlapping spans of different labels blend visibly, and wherever two or more spans
// overlap a double underline marks it. Suggestions are dashed underlines; the focused
// span in the list and the keyboard caret have highlights of their own.
//
// Browsers without the API (older Firefox, jsdom) get no painting: the list under the
// item still shows every span with its text.

import type { SpanLabel } from "../protocol";

/** A span to paint: its DOM range and what it is. */
export interface PaintRange {
  range: Range;
  field: number;
  label: number;
  suggested: boolean;
}

interface HighlightCtor { new (...ranges: Range[]): HighlightLike }
interface HighlightLike { priority: number; add(r: Range): void }
interface Registry { set(name: string, h: HighlightLike): void; delete(name: string): boolean }

function api(): { Highlight: HighlightCtor; registry: Registry } | null {
  const H = (globalThis as { Highlight?: HighlightCtor }).Highlight;
  const css = (globalThis as { CSS?: { highlights?: Registry } }).CSS;
  return H && css?.highlights ? { Highlight: H, registry: css.highlights } : null;
}

let painters = 0;

/** Owns the highlight names of one view (names are page-wide, so each view has a prefix). */
export class SpanPainter {
  readonly prefix = `rw-sp${++painters}`;
  readonly style: HTMLStyleElement;
  private names = new Set<string>();

  /** `fields`: each spans field's labels, in rubric order (field index = position here). */
  constructor(fields: SpanLabel[][]) {
    this.style = document.createElement("style");
    const p = this.prefix;
    const rules: string[] = [];
    fields.forEach((labels, f) => labels.forEach((l, i) => {
      const c = safeColor(l.color);
      rules.push(
        `::highlight(${p}-${f}-${i}) { background-color: color-mix(in srgb, ${c} 45%, transparent); }`,
        `::highlight(${p}-${f}-${i}-s) { text-decoration: underline dashed ${c}; text-decoration-thickness: 2px; `
          + `background-color: color-mix(in srgb, ${c} 12%, transparent); }`,
      );
    }));
    rules.push(
      `::highlight(${p}-overlap) { text-decoration: underline double currentColor; }`,
      `::highlight(${p}-focus) { background-color: color-mix(in srgb, var(--rw-accent, #1976d2) 45%, transparent); `
        + "text-decoration: underline solid currentColor; text-decoration-thickness: 2px; }",
      `::highlight(${p}-caret) { text-decoration: underline solid var(--rw-accent, #1976d2); text-decoration-thickness: 3px; }`,
    );
    this.style.textContent = rules.join("\n");
  }

  /** Whether this browser paints highlights at all. */
  static get supported(): boolean { return api() !== null; }

  /** Replace everything painted with these spans, the focused one and the caret. */
  paint(spans: PaintRange[], focus: Range | null, caret: Range | null): void {
    const a = api();
    if (!a) return;
    this.clear();
    const groups = new Map<string, Range[]>();
    for (const s of spans) {
      const name = `${this.prefix}-${s.field}-${s.label}${s.suggested ? "-s" : ""}`;
      if (!groups.has(name)) groups.set(name, []);
      groups.get(name)!.push(s.range);
    }
    const set = (name: string, ranges: Range[], priority: number) => {
      if (!ranges.length) return;
      const h = new a.Highlight(...ranges);
      h.priority = priority;
      a.registry.set(name, h);
      this.names.add(name);
    };
    for (const [name, ranges] of groups) set(name, ranges, name.endsWith("-s") ? 1 : 2);
    set(`${this.prefix}-overlap`, overlaps(spans.filter((s) => !s.suggested).map((s) => s.range)), 3);
    if (focus) set(`${this.prefix}-focus`, [focus], 4);
    if (caret) set(`${this.prefix}-caret`, [caret], 5);
  }

  clear(): void {
    const a = api();
    if (!a) return;
    for (const name of this.names) a.registry.delete(name);
    this.names.clear();
  }

  dispose(): void {
    this.clear();
    this.style.remove();
  }
}

/** Ranges where at least two of the given ranges overlap. */
export function overlaps(ranges: Range[]): Range[] {
  const out: Range[] = [];
  const sorted = [...ranges].sort((x, y) => x.compareBoundaryPoints(Range.START_TO_START, y));
  for (let i = 0; i < sorted.length; i++) {
    for (let k = i + 1; k < sorted.length; k++) {
      const a = sorted[i]!;
      const b = sorted[k]!;
      // b starts at or after a; they overlap when b starts before a ends
      if (b.compareBoundaryPoints(Range.END_TO_START, a) >= 0) break; // (b's start vs a's end)
      const r = a.cloneRange();
      r.setStart(b.startContainer, b.startOffset);
      if (b.compareBoundaryPoints(Range.END_TO_END, a) < 0) r.setEnd(b.endContainer, b.endOffset);
      if (!r.collapsed) out.push(r);
    }
  }
  return out;
}

/** Only #RRGGBB colours reach the stylesheet (the rubric checks it; so do we). */
function safeColor(c: string): string {
  return /^#[0-9A-Fa-f]{6}$/.test(c) ? c : "#888888";
}
