// The step part of a TraceRater answer: what the item carries, how ratings, notes and the
// first error are read from and written into an answer, and the mirror of the kernel's
// check (rater_widgets/widgets/_trace_steps.py), so a rater learns at once which step
// still needs a rating. The kernel decides; this only saves a round trip.

import type { Answer, Item } from "../protocol";

export type StepKind = "reasoning" | "tool_call" | "tool_result";

export interface TraceStep {
  text: string;
  kind: StepKind;
  /** code-point offsets of the step in the trace column value (string traces only) */
  start?: number;
  end?: number;
  /** tool steps only: tool name, arguments (parsed JSON when possible), ids, error flag */
  meta?: { name?: string | null; arguments?: unknown; id?: string | null;
           tool_call_id?: string | null; is_error?: boolean };
}

/** Item.extra of a TraceRater item: the kernel's parse of the trace. */
export interface TraceExtra {
  steps: TraceStep[];
  n_steps: number;
  /** the answer the trace itself states (e.g. after </think>), if any */
  answer: string | null;
  /** user/system turns of a chat trace: not steps, shown above them */
  context: Array<{ role: string; content: string }>;
  warnings: string[];
  truncated: boolean;
  format: string;
}

/** One rating a step can get, with its key (1..9 in order). */
export interface StepLabel { value: number; name: string; description: string | null; key: string; }

export interface TraceConfig {
  labels: StepLabel[];
  lowest: number;
  requireAll: boolean;
  question: string | null;
  answer: string | null;
  stepFormat: "markdown" | "text";
  maxNote: number;
}

export type Ratings = Array<number | null>;
export type Notes = Array<string | null>;

/** The trace settings from the synced `_config`, with safe defaults. */
export function traceConfig(config: Record<string, any>): TraceConfig {
  const labels = Array.isArray(config.step_labels) ? (config.step_labels as StepLabel[]) : [
    { value: -1, name: "wrong", description: null, key: "1" },
    { value: 0, name: "neutral", description: null, key: "2" },
    { value: 1, name: "good", description: null, key: "3" },
  ];
  return {
    labels,
    lowest: typeof config.lowest === "number" ? config.lowest : Math.min(...labels.map((l) => l.value)),
    requireAll: config.require_all_steps !== false,
    question: typeof config.question === "string" ? config.question : null,
    answer: typeof config.answer === "string" ? config.answer : null,
    stepFormat: config.step_format === "text" ? "text" : "markdown",
    maxNote: typeof config.max_note === "number" ? config.max_note : 5000,
  };
}

/** The parsed trace of an item (an empty one when the payload is missing or malformed). */
export function traceOf(item: Item): TraceExtra {
  const e = (item.extra ?? {}) as Partial<TraceExtra>;
  const steps = Array.isArray(e.steps) ? e.steps.filter((s) => s && typeof s.text === "string") : [];
  return {
    steps,
    n_steps: steps.length,
    answer: typeof e.answer === "string" ? e.answer : null,
    context: Array.isArray(e.context) ? e.context : [],
    warnings: Array.isArray(e.warnings) ? e.warnings.map(String) : [],
    truncated: e.truncated === true,
    format: typeof e.format === "string" ? e.format : "",
  };
}

/** Ratings in an answer, one per step; a stored list of another length is ignored. */
export function ratingsOf(answer: Answer, n: number): Ratings {
  const raw = answer.step_ratings as unknown;
  if (Array.isArray(raw) && raw.length === n) {
    return raw.map((r) => (typeof r === "number" ? r : null));
  }
  return new Array<number | null>(n).fill(null);
}

export function notesOf(answer: Answer, n: number): Notes {
  const raw = answer.step_notes as unknown;
  if (Array.isArray(raw) && raw.length === n) {
    return raw.map((t) => (typeof t === "string" && t ? t : null));
  }
  return new Array<string | null>(n).fill(null);
}

/** The first error is the first step rated with the lowest label (null when none). */
export function firstErrorOf(ratings: Ratings, lowest: number): number | null {
  const i = ratings.indexOf(lowest);
  return i < 0 ? null : i;
}

/** The answer with new step ratings and notes; the first error follows the ratings. */
export function withSteps(answer: Answer, ratings: Ratings, notes: Notes, lowest: number): Answer {
  const anyNote = notes.some((t) => t !== null && t.trim() !== "");
  return {
    ...answer,
    step_ratings: ratings,
    step_notes: anyNote ? notes.map((t) => (t && t.trim() ? t : null)) : null,
    first_error_step: firstErrorOf(ratings, lowest),
  };
}

/** "3 of 5 steps rated · first error: step 2" (steps counted from 1 on screen). */
export function summaryText(ratings: Ratings, lowest: number): string {
  const n = ratings.length;
  if (n === 0) return "This trace has no steps: judge it as a whole below.";
  const rated = ratings.filter((r) => r !== null).length;
  const first = firstErrorOf(ratings, lowest);
  return `${rated} of ${n} step${n === 1 ? "" : "s"} rated · first error: ${first === null ? "none" : `step ${first + 1}`}`;
}

/** The first step problem the kernel would report, or null (mirrors check_step_answer). */
export function stepProblem(ratings: Ratings, notes: Notes, cfg: TraceConfig): { step: number; message: string } | null {
  if (cfg.requireAll) {
    const i = ratings.indexOf(null);
    if (i >= 0) {
      const left = ratings.filter((r) => r === null).length;
      return { step: i, message: `Step ${i + 1} is not rated (${left} step${left === 1 ? "" : "s"} left): every step needs a rating` };
    }
  }
  for (let i = 0; i < notes.length; i++) {
    const t = notes[i]?.trim() ?? "";
    if (t.length > cfg.maxNote) {
      return { step: i, message: `Step ${i + 1}: the note has ${t.length} characters; at most ${cfg.maxNote}` };
    }
  }
  return null;
}
