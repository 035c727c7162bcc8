// Adjudication and review: every annotator's latest answer to the item, side by side,
// so the lead sees where they differ. Values are set as text, never as markup.

import type { Answer, AnswerValue, RubricSpec } from "../protocol";
import { h } from "./dom";

export interface OtherAnswer { annotator: string; kind: string; answer: Answer | null; }

function show(value: AnswerValue | undefined): string {
  if (value === null || value === undefined) return "—";
  if (Array.isArray(value)) return value.length ? value.map(item).join(", ") : "none";
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** One list entry: a span as `label: "text"`, anything else as text. */
function item(v: unknown): string {
  if (v && typeof v === "object") {
    const span = v as { label?: unknown; text?: unknown; step?: unknown };
    if (typeof span.label === "string" && typeof span.text === "string") {
      const where = typeof span.step === "number" ? ` (step ${span.step + 1})` : "";
      return `${span.label}: “${span.text}”${where}`;
    }
    return JSON.stringify(v);
  }
  return String(v);
}

export function othersTable(rubric: RubricSpec, others: OtherAnswer[]): HTMLElement {
  const fields = rubric.fields;
  const differs = new Set(fields.filter((f) => {
    const seen = new Set(others.filter((o) => o.answer).map((o) => show(o.answer?.[f.name])));
    return seen.size > 1;
  }).map((f) => f.name));
  return h("div", { class: "rw-others" },
    h("div", { class: "rw-others-title" }, `Answers from ${others.length} annotator${others.length === 1 ? "" : "s"}`),
    h("table", { class: "rw-others-table" },
      h("thead", {}, h("tr", {}, h("th", {}, "annotator"),
        fields.map((f) => h("th", { class: differs.has(f.name) ? "rw-differs" : "" }, f.label)))),
      h("tbody", {}, others.map((o) => h("tr", {},
        h("td", {}, o.annotator),
        o.kind === "skip"
          ? h("td", { colspan: fields.length, class: "rw-muted" }, "skipped")
          : fields.map((f) => h("td", { class: differs.has(f.name) ? "rw-differs" : "", dir: "auto" },
              show(o.answer?.[f.name]))))))));
}
