// The wire protocol between a rater widget's frontend and its kernel.
// Mirrored, field for field, by rater_widgets/protocol.py: change both or neither.
//
// Item content only ever travels in custom messages ("items"), never in synced
// traits, so a notebook saved with widget state holds no item text.

export const PROTOCOL_VERSION = 1;

/** Keys the widget frame itself uses; rubric option keys never take these. */
export const RESERVED_KEYS = [
  "Enter", "Backspace", "ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown",
  "Escape", "Tab", " ", "?", "s", "r", "g", "h", "j", "k", "f", "t", "x",
] as const;

/**
 * Keys a rubric with a spans field uses besides its label keys: v starts keyboard
 * selection in the content, y / x accept / reject the focused suggested span, Delete
 * removes the focused span. Only rubrics with spans reserve them.
 */
export const SPAN_KEYS = ["v", "y", "x", "Delete"] as const;

// ---------------------------------------------------------------- rubric (synced trait `_rubric`)

export type Condition = Record<string, Array<string | number | boolean>>;

export interface OptionSpec {
  value: string;
  label: string;
  key: string | null;
  description: string | null;
}

interface FieldBase {
  name: string;
  label: string;
  required: boolean;
  show_if: Condition | null;
  required_if: Condition | null;
  help: string | null;
  /** id of a guidelines section (a heading slug) the help links to */
  guideline: string | null;
}

export interface ChoiceField extends FieldBase { type: "choice"; options: OptionSpec[]; }
export interface MultiChoiceField extends FieldBase {
  type: "multichoice"; options: OptionSpec[]; min: number | null; max: number | null;
}
export interface ScaleField extends FieldBase {
  type: "scale"; min: number; max: number;
  /** labels for some points, e.g. {"1": "Strongly disagree", "5": "Strongly agree"} */
  labels: Record<string, string>;
  keys: Record<string, string>;
}
export interface TextField extends FieldBase {
  type: "text"; min_length: number | null; max_length: number | null;
  multiline: boolean; placeholder: string | null; key: string | null;
}
export interface FlagField extends FieldBase { type: "flag"; key: string | null; }
export interface NumberField extends FieldBase {
  type: "number"; min: number | null; max: number | null; step: number | null;
  integer: boolean; key: string | null;
}
export interface SpanLabel { value: string; key: string | null; color: string; description: string | null; }
export interface SpansField extends FieldBase {
  type: "spans"; labels: SpanLabel[];
  /** the content column the spans index into (null: the main content column; in a trace, the step) */
  source: string | null;
  /** the column of suggested spans (they reach the view in Item.extra.spans) */
  suggestions: string | null;
}

export type Field =
  | ChoiceField | MultiChoiceField | ScaleField | TextField | FlagField | NumberField | SpansField;

export interface RubricSpec {
  fields: Field[];
  guidelines: string | null;
  hash: string;
}

/**
 * A marked stretch of text. start/end are code-point offsets (Python string indices) into
 * the source text, end exclusive; `step` only in a TraceRater (offsets into that step's
 * text). The view sends start, end, label (and step); the kernel checks them and adds text.
 */
export interface Span { start: number; end: number; label: string; text?: string; step?: number; }
/** A field's value; widgets own richer ones (per-criterion maps, rank lists, step lists). */
export type AnswerValue =
  | string | number | boolean | null | Span[]
  | Array<string | number | boolean | null>
  | { [key: string]: AnswerValue };
export type Answer = Record<string, AnswerValue>;

// ---------------------------------------------------------------- items (custom messages only)

export type BlockFormat = "text" | "markdown" | "html" | "image" | "chat" | "code";

export interface ChatMessage { role: string; content: string; name?: string | null; }

export interface Block {
  /** the source column, or a synthetic name such as "question" */
  name: string;
  label: string;
  format: BlockFormat;
  /** text for text/markdown/html/code; a data: URL for image; messages for chat */
  value: string | ChatMessage[];
  /** "context" blocks are shown smaller, above the main content */
  role: "content" | "context";
  language?: string | null;
}

export type ItemStatus = "new" | "done" | "skipped";

export interface Item {
  pos: number;
  id: string;
  blocks: Block[];
  answer: Answer | null;
  status: ItemStatus;
  /** widget-specific payload: trace steps, pairwise sides, ranking choices */
  extra: Record<string, unknown>;
  sensitive: boolean;
  warning: string | null;
  /** a model's labels (suggestion=), present only when the rubric shows them */
  suggestion: Answer | null;
}

export interface Progress { done: number; skipped: number; total: number; }

// ---------------------------------------------------------------- frontend -> kernel

export interface ClientInfo { session: string; view: string; }

/** A view's first message; `booted`: the widget's `_boot` (first items, cursor) was applied,
 * so `need` lists only what is still missing. */
export interface HelloMsg { type: "hello"; client: ClientInfo; need: number[]; booted: boolean; }
export interface SubmitMsg {
  type: "submit"; seq: number; item: string; pos: number; answer: Answer; ms: number;
  need: number[]; client: ClientInfo;
}
export interface SkipMsg {
  type: "skip"; seq: number; item: string; pos: number; ms: number; need: number[];
  client: ClientInfo;
}
/** The rater moved (back, forward, back to a failed item): the kernel's cursor follows. */
export interface GotoMsg { type: "goto"; seq: number; pos: number; need: number[]; }
/** Items only: the cursor stays where it is (the kernel moved it, or settings changed). */
export interface FetchMsg { type: "fetch"; need: number[]; }
/** The rater changed a viewing preference; the kernel keeps it for next time. */
export interface PrefsMsg { type: "prefs"; prefs: Partial<Record<(typeof PREFS)[number], boolean>>; }
export type ClientMsg = HelloMsg | SubmitMsg | SkipMsg | GotoMsg | FetchMsg | PrefsMsg;

/** Preferences a rater may set. */
export const PREFS = ["grayscale", "blur_media"] as const;

// ---------------------------------------------------------------- kernel -> frontend

export interface ItemsMsg { type: "items"; items: Item[]; }
export interface AckMsg {
  type: "ack"; seq: number; item: string; pos: number; answer: Answer | null;
  /** with reveal_after, the model's suggestion, shown once the rater has answered */
  suggestion: Answer | null;
}
export interface ErrorMsg {
  type: "error"; seq: number | null; item: string | null; pos: number | null;
  message: string; field: string | null;
}
/** The kernel moved the cursor (w.submit / w.goto from Python, or the reply to hello). */
export interface CursorMsg { type: "cursor"; pos: number; }
/** Items changed under the frontend (a Python-side submit, a new queue): drop them from the cache. */
export interface InvalidateMsg { type: "invalidate"; pos: number[] | null; }
/** The exposure limit was reached: hide all content until `until` (epoch ms). */
export interface BreakMsg { type: "break"; until: number; reason: string; }
export type KernelMsg = ItemsMsg | AckMsg | ErrorMsg | CursorMsg | InvalidateMsg | BreakMsg;
