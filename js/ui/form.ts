// The rubric form: one control per field, each with its key shown on it.
// Built once per view and updated in place: typing in a text box never loses focus, and
// moving to the next item only resets the controls.
// Validation here only mirrors the kernel's for instant feedback; the kernel decides.

import type {
  Answer, AnswerValue, ChoiceField, Condition, Field, MultiChoiceField, RubricSpec, ScaleField,
} from "../protocol";
import { h, kbd } from "./dom";
import { SpanList } from "./spans_list";

export type KeyAction =
  | { field: string; kind: "set"; value: string | number }
  | { field: string; kind: "toggle"; value: string }
  | { field: string; kind: "flag" }
  | { field: string; kind: "focus" }
  /** mark the selected text with a label of a spans field */
  | { field: string; kind: "span"; value: string };

export function holds(cond: Condition | null, answer: Answer): boolean {
  if (!cond) return true;
  return Object.entries(cond).every(([name, allowed]) => {
    const value = answer[name];
    if (Array.isArray(value)) return value.some((v) => allowed.includes(v as string));
    return value !== null && value !== undefined && allowed.includes(value as string);
  });
}

export function isEmpty(field: Field, value: AnswerValue | undefined): boolean {
  if (value === null || value === undefined || value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  if (field.type === "flag") return value === false;
  return false;
}

/** Fields shown for this answer (show_if), in rubric order. */
export function visibleFields(rubric: RubricSpec, answer: Answer): Field[] {
  const shown: Field[] = [];
  const seen: Answer = {};
  for (const f of rubric.fields) {
    if (holds(f.show_if, seen)) {
      shown.push(f);
      seen[f.name] = answer[f.name] ?? null;
    } else {
      seen[f.name] = null;
    }
  }
  return shown;
}

/** The first problem the kernel would report, or null: mirrors Rubric.validate. */
export function firstProblem(rubric: RubricSpec, answer: Answer): { field: string; message: string } | null {
  for (const f of visibleFields(rubric, answer)) {
    const value = answer[f.name];
    const required = f.required || (f.required_if !== null && holds(f.required_if, answer));
    if (required && isEmpty(f, value)) {
      return { field: f.name, message: `${f.label} is required` };
    }
    if (f.type === "text" && typeof value === "string") {
      const n = value.trim().length;
      if (f.max_length !== null && n > f.max_length) {
        return { field: f.name, message: `${f.label}: at most ${f.max_length} characters (${n})` };
      }
      if (f.min_length !== null && n > 0 && n < f.min_length) {
        return { field: f.name, message: `${f.label}: at least ${f.min_length} characters (${n})` };
      }
    }
    if (f.type === "multichoice" && Array.isArray(value)) {
      if (f.min !== null && value.length > 0 && value.length < f.min) {
        return { field: f.name, message: `${f.label}: pick at least ${f.min}` };
      }
      if (f.max !== null && value.length > f.max) {
        return { field: f.name, message: `${f.label}: pick at most ${f.max}` };
      }
    }
  }
  return null;
}

/** The answer as the kernel should get it: hidden fields dropped. */
export function cleanAnswer(rubric: RubricSpec, answer: Answer): Answer {
  const out: Answer = {};
  for (const f of visibleFields(rubric, answer)) {
    const v = answer[f.name];
    if (v !== undefined && v !== null && v !== "") out[f.name] = v;
  }
  return out;
}

export function keyMap(rubric: RubricSpec): Map<string, KeyAction> {
  const map = new Map<string, KeyAction>();
  for (const f of rubric.fields) {
    if (f.type === "choice" || f.type === "multichoice") {
      for (const o of f.options) {
        if (o.key) map.set(o.key, { field: f.name, kind: f.type === "choice" ? "set" : "toggle", value: o.value });
      }
    } else if (f.type === "scale") {
      for (const [point, key] of Object.entries(f.keys ?? {})) {
        map.set(key, { field: f.name, kind: "set", value: Number(point) });
      }
    } else if (f.type === "flag" && f.key) {
      map.set(f.key, { field: f.name, kind: "flag" });
    } else if ((f.type === "text" || f.type === "number") && f.key) {
      map.set(f.key, { field: f.name, kind: "focus" });
    } else if (f.type === "spans") {
      for (const l of f.labels) if (l.key) map.set(l.key, { field: f.name, kind: "span", value: l.value });
    }
  }
  return map;
}

/** Apply a key action to an answer; returns the new answer (focus actions return null). */
export function applyAction(action: KeyAction, answer: Answer): Answer | null {
  const next = { ...answer };
  if (action.kind === "set") {
    next[action.field] = answer[action.field] === action.value ? null : action.value;
  } else if (action.kind === "toggle") {
    const cur = Array.isArray(answer[action.field]) ? [...(answer[action.field] as string[])] : [];
    const i = cur.indexOf(action.value);
    if (i >= 0) cur.splice(i, 1);
    else cur.push(action.value);
    next[action.field] = cur;
  } else if (action.kind === "flag") {
    next[action.field] = !answer[action.field];
  } else {
    return null;
  }
  return next;
}

export class RubricForm {
  readonly el: HTMLElement;
  private rows = new Map<string, HTMLElement>();
  private inputs = new Map<string, HTMLInputElement | HTMLTextAreaElement>();
  /** the spans controls, by field: the view binds them to its span controller */
  readonly spanLists = new Map<string, SpanList>();
  private answer: Answer = {};

  constructor(
    private rubric: RubricSpec,
    private onChange: (answer: Answer) => void,
    private onGuideline?: (section: string) => void,
  ) {
    this.el = h("div", { class: "rw-form", role: "group", "aria-label": "Rubric" });
    for (const f of rubric.fields) {
      const row = this.fieldRow(f);
      this.rows.set(f.name, row);
      this.el.append(row);
    }
  }

  /** Show a model's labels beside the fields ("Model: violating"). */
  setSuggestion(suggestion: Answer | null): void {
    for (const f of this.rubric.fields) {
      const badge = this.rows.get(f.name)?.querySelector<HTMLElement>(".rw-suggest");
      if (!badge) continue;
      const v = suggestion?.[f.name];
      const shown = v === null || v === undefined ? "" : Array.isArray(v) ? v.join(", ") : String(v);
      badge.textContent = shown ? `Model: ${shown}` : "";
      badge.hidden = !shown;
    }
  }

  focusField(name: string): void {
    const input = this.inputs.get(name);
    const spans = this.spanLists.get(name);
    if (input) input.focus();
    else if (spans) spans.el.querySelector<HTMLElement>("li, button")?.focus();
    else this.rows.get(name)?.querySelector<HTMLElement>("button")?.focus();
  }

  /** A new item: every text box shows this answer, even the focused one. */
  reset(answer: Answer): void {
    for (const [name, input] of this.inputs) {
      const value = answer[name];
      const text = value === null || value === undefined ? "" : String(value);
      if (input.value !== text) input.value = text;
    }
    this.update(answer, null);
  }

  /** Reflect an answer (and an error) without rebuilding the controls. */
  update(answer: Answer, error: { field: string | null; message: string } | null): void {
    this.answer = answer;
    const visible = new Set(visibleFields(this.rubric, answer).map((f) => f.name));
    for (const f of this.rubric.fields) {
      const row = this.rows.get(f.name)!;
      row.hidden = !visible.has(f.name);
      const value = answer[f.name];
      const required = f.required || (f.required_if !== null && holds(f.required_if, answer));
      row.classList.toggle("rw-required", required);
      for (const btn of row.querySelectorAll<HTMLButtonElement>("button[data-value]")) {
        const v = btn.dataset.value!;
        let on: boolean;
        if (f.type === "flag") on = value === true;
        else if (Array.isArray(value)) on = (value as unknown[]).includes(v);
        else on = value !== null && value !== undefined && String(value) === v;
        btn.setAttribute("aria-pressed", String(on));
      }
      const input = this.inputs.get(f.name);
      if (input && document.activeElement !== input) {
        input.value = value === null || value === undefined ? "" : String(value);
      }
      this.spanLists.get(f.name)?.render(value);
      const counter = row.querySelector<HTMLElement>(".rw-counter");
      if (counter && f.type === "text") {
        const n = typeof value === "string" ? value.trim().length : 0;
        counter.textContent = f.max_length ? `${n}/${f.max_length}` : "";
        counter.classList.toggle("rw-over", f.max_length !== null && n > f.max_length);
      }
      const err = row.querySelector<HTMLElement>(".rw-field-error")!;
      const mine = error && error.field === f.name ? error.message : "";
      err.textContent = mine;
      row.classList.toggle("rw-invalid", Boolean(mine));
    }
  }

  private set(name: string, value: AnswerValue): void {
    this.answer = { ...this.answer, [name]: value };
    this.onChange(this.answer);
  }

  private fieldRow(f: Field): HTMLElement {
    const id = `rw-${Math.random().toString(36).slice(2)}`;
    const label = h("div", { class: "rw-field-label", id }, f.label,
      h("span", { class: "rw-req-mark", "aria-hidden": "true" }, " *"),
      h("span", { class: "rw-suggest", hidden: true }));
    const help = f.help || f.guideline
      ? h("div", { class: "rw-help" }, f.help ?? "",
          f.guideline && this.onGuideline
            ? h("button", { class: "rw-link", type: "button", onclick: () => this.onGuideline!(f.guideline!) },
                " Guidelines ↗")
            : null)
      : null;
    const control = this.control(f, id);
    return h("div", { class: `rw-field rw-field-${f.type}`, "data-field": f.name },
      label, control, help, h("div", { class: "rw-field-error", role: "alert" }));
  }

  private control(f: Field, labelId: string): HTMLElement {
    switch (f.type) {
      case "choice":
      case "multichoice":
        return this.options(f, labelId);
      case "scale":
        return this.scale(f, labelId);
      case "flag":
        return h("div", { class: "rw-options" },
          h("button", {
            type: "button", class: "rw-opt rw-flag", "data-value": "true", "aria-pressed": "false",
            "aria-label": `${f.label}${f.key ? ` (key ${f.key})` : ""}`,
            onclick: () => this.set(f.name, !this.answer[f.name]),
          }, kbd(f.key), f.label));
      case "number": {
        const input = h("input", {
          type: "number", class: "rw-input", "aria-labelledby": labelId,
          min: f.min ?? undefined, max: f.max ?? undefined, step: f.step ?? (f.integer ? 1 : "any"),
        });
        input.addEventListener("input", () => {
          const v = input.value === "" ? null : Number(input.value);
          this.set(f.name, v === null || Number.isNaN(v) ? null : v);
        });
        this.inputs.set(f.name, input);
        return h("div", { class: "rw-text-row" }, kbd(f.key), input);
      }
      case "text": {
        const input = f.multiline
          ? h("textarea", { class: "rw-input", rows: 2, "aria-labelledby": labelId, dir: "auto",
              placeholder: f.placeholder ?? (f.key ? `Press ${f.key} to type; Ctrl+Enter submits` : "") })
          : h("input", { type: "text", class: "rw-input", "aria-labelledby": labelId, dir: "auto",
              placeholder: f.placeholder ?? "" });
        input.addEventListener("input", () => this.set(f.name, input.value));
        this.inputs.set(f.name, input);
        return h("div", { class: "rw-text-row" }, kbd(f.key), input, h("span", { class: "rw-counter" }));
      }
      case "spans": {
        const list = new SpanList(f, (spans) => this.set(f.name, spans));
        this.spanLists.set(f.name, list);
        return list.el;
      }
      default:
        return h("div", { class: "rw-unsupported" }, `field type ${(f as Field).type} is not shown here`);
    }
  }

  private options(f: ChoiceField | MultiChoiceField, labelId: string): HTMLElement {
    const wrap = h("div", {
      class: "rw-options", role: f.type === "choice" ? "radiogroup" : "group", "aria-labelledby": labelId,
    });
    for (const o of f.options) {
      wrap.append(h("button", {
        type: "button", class: "rw-opt", "data-value": o.value, "aria-pressed": "false",
        title: o.description ?? undefined,
        "aria-label": `${o.label}${o.key ? ` (key ${o.key})` : ""}`,
        onclick: () => {
          const next = applyAction(
            f.type === "choice" ? { field: f.name, kind: "set", value: o.value }
              : { field: f.name, kind: "toggle", value: o.value }, this.answer);
          if (next) this.set(f.name, next[f.name] ?? null);
        },
      }, kbd(o.key), h("span", { class: "rw-opt-label", dir: "auto" }, o.label),
      o.description ? h("span", { class: "rw-opt-desc", dir: "auto" }, o.description) : null));
    }
    return wrap;
  }

  private scale(f: ScaleField, labelId: string): HTMLElement {
    const wrap = h("div", { class: "rw-options rw-scale", role: "radiogroup", "aria-labelledby": labelId });
    for (let p = f.min; p <= f.max; p++) {
      const key = f.keys?.[String(p)] ?? null;
      const label = f.labels?.[String(p)];
      wrap.append(h("button", {
        type: "button", class: "rw-opt rw-point", "data-value": String(p), "aria-pressed": "false",
        "aria-label": `${p}${label ? ` ${label}` : ""}${key ? ` (key ${key})` : ""}`,
        onclick: () => this.set(f.name, this.answer[f.name] === p ? null : p),
      }, kbd(key && key !== String(p) ? key : null), h("span", { class: "rw-point-num" }, String(p)),
      label ? h("span", { class: "rw-point-label" }, label) : null));
    }
    return wrap;
  }
}
