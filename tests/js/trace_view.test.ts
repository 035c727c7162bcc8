// The TraceRater view against a mock model: steps, j/k, number keys, f, notes, the mirror
// check before submit, windowed rendering of long traces.
import { beforeEach, describe, expect, it } from "vitest";
import widget from "../../js/index";
import type { Item, RubricSpec } from "../../js/protocol";
import { MockModel } from "./mock_model";

const rubric: RubricSpec = {
  hash: "t1",
  guidelines: null,
  fields: [
    {
      type: "choice", name: "answer_correct", label: "Answer correct", required: true,
      show_if: null, required_if: null, help: null, guideline: null,
      options: [
        { value: "yes", label: "yes", key: "y", description: null },
        { value: "no", label: "no", key: "o", description: null },
      ],
    },
    {
      type: "text", name: "comment", label: "Comment", required: false, show_if: null,
      required_if: null, help: null, guideline: null, min_length: null, max_length: null,
      multiline: true, placeholder: null, key: "c",
    },
  ],
};

const config = {
  lookahead: 2, lookbehind: 1, study: "s", annotator: "ana",
  step_labels: [
    { value: -1, name: "wrong", description: "incorrect", key: "1" },
    { value: 0, name: "neutral", description: "neutral or unhelpful", key: "2" },
    { value: 1, name: "good", description: "correct and useful", key: "3" },
  ],
  lowest: -1, require_all_steps: true, question: "problem", answer: "final_answer",
  step_format: "markdown", max_note: 5000,
};

function traceItem(pos: number, steps: Array<{ text: string; kind?: string; meta?: any }>, extra: Partial<Item> = {}): Item {
  return {
    pos, id: String(100 + pos), status: "new", answer: null, sensitive: false, warning: null, suggestion: null,
    blocks: [
      { name: "problem", label: "Question", format: "markdown", value: `Problem ${pos}: what is $3 \\cdot 4 - 5$?`, role: "context", language: null },
      { name: "final_answer", label: "Final answer", format: "markdown", value: "8", role: "content", language: null },
    ],
    extra: {
      steps: steps.map((s) => ({ kind: "reasoning", ...s })), n_steps: steps.length, answer: "8",
      context: [], warnings: [], truncated: false, format: "steps",
    },
    ...extra,
  };
}

const FOUR = [
  { text: "Three boxes of **four** is $3 \\cdot 4 = 12$." },
  { text: "Take away five: `12 - 5 = 8`." },
  { text: "get_weather({})", kind: "tool_call", meta: { name: "calculator", arguments: { expr: "12-5" }, id: "c1" } },
  { text: "7", kind: "tool_result", meta: { name: "calculator", tool_call_id: "c1", is_error: false } },
];

function key(el: Element, k: string, opts: KeyboardEventInit = {}) {
  const e = new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...opts });
  el.dispatchEvent(e);
  return e;
}

let m: MockModel;
let el: HTMLElement;
let root: HTMLElement;

function mount(items: Item[], total = items.length, cfg: Record<string, unknown> = {}) {
  document.body.innerHTML = "";
  m = new MockModel({
    // a fresh widget each time: sessions are per widget (its _uid)
    _kind: "trace", _uid: `trace-${Math.random().toString(36).slice(2)}`, _rubric: rubric,
    _config: { ...config, ...cfg },
    _progress: { done: 0, skipped: 0, total },
  });
  el = document.createElement("div");
  document.body.append(el);
  widget.render({ model: m as any, el });
  m.receive({ type: "items", items });
  m.receive({ type: "cursor", pos: 0 });
  root = el.querySelector(".rw-root")!;
}

const steps = () => [...root.querySelectorAll<HTMLElement>(".rw-step")];
const focused = () => steps().findIndex((s) => s.classList.contains("rw-focused"));
const summary = () => root.querySelector(".rw-trace-summary")!.textContent;
const pressed = (i: number) => steps()[i]!.querySelector('.rw-step-opt[aria-pressed="true"]')?.getAttribute("data-value") ?? null;

beforeEach(() => mount([traceItem(0, FOUR), traceItem(1, [{ text: "only step" }])]));

describe("TraceRater view", () => {
  it("shows the question, the steps with keyed rating buttons, the answer, then the rubric", () => {
    const body = root.querySelector(".rw-trace")!;
    const order = [...body.children].map((c) => c.className.split(" ")[0]);
    expect(order).toEqual(["rw-trace-question", "rw-trace-legend", "rw-steps", "rw-trace-status", "rw-trace-answer", "rw-form-host"]);
    expect(root.querySelector(".rw-trace-question")!.textContent).toContain("Problem 0");
    expect(root.querySelector(".rw-trace-question math, .rw-trace-question .katex")).not.toBeNull();
    expect(steps()).toHaveLength(4);
    expect(steps()[0]!.querySelector(".rw-step-num")!.textContent).toBe("Step 1");
    const buttons = [...steps()[0]!.querySelectorAll(".rw-step-opt")].map((b) => b.textContent);
    expect(buttons).toEqual(["1wrong", "2neutral", "3good"]);
    expect(steps()[0]!.querySelector("strong")!.textContent).toBe("four");
    expect(steps()[1]!.querySelector("code")!.textContent).toBe("12 - 5 = 8");
    expect(root.querySelector(".rw-trace-answer")!.textContent).toContain("Final answer");
    expect(summary()).toBe("0 of 4 steps rated · first error: none");
    expect(focused()).toBe(0);
  });

  it("tool calls and results look distinct and show the tool", () => {
    const [, , call, result] = steps();
    expect(call!.classList.contains("rw-step--tool_call")).toBe(true);
    expect(call!.querySelector(".rw-step-kind")!.textContent).toBe("tool call · calculator");
    expect(call!.querySelector("pre code")!.textContent).toBe('{\n  "expr": "12-5"\n}');
    expect(result!.classList.contains("rw-step--tool_result")).toBe(true);
    expect(result!.querySelector(".rw-step-kind")!.textContent).toBe("tool result · calculator");
    expect(result!.querySelector("pre code")!.textContent).toBe("7");
  });

  it("j and k move the focused step and stop at the ends", () => {
    key(root, "k");
    expect(focused()).toBe(0);
    key(root, "j");
    key(root, "j");
    expect(focused()).toBe(2);
    expect(steps()[2]!.getAttribute("aria-current")).toBe("step");
    key(root, "j");
    key(root, "j");
    expect(focused()).toBe(3);
    key(root, "k");
    expect(focused()).toBe(2);
  });

  it("number keys rate the focused step and move on; the same key again clears it", () => {
    key(root, "3");
    expect(pressed(0)).toBe("1");
    expect(focused()).toBe(1);
    key(root, "2");
    expect(pressed(1)).toBe("0");
    expect(summary()).toBe("2 of 4 steps rated · first error: none");
    key(root, "k");
    key(root, "2");
    expect(pressed(1)).toBeNull();
    expect(focused()).toBe(1); // clearing does not move on
    expect(summary()).toBe("1 of 4 steps rated · first error: none");
  });

  it("f marks the focused step as the first error with the lowest rating", () => {
    key(root, "j");
    key(root, "j");
    key(root, "f");
    expect(pressed(2)).toBe("-1");
    expect(focused()).toBe(2);
    expect((steps()[2]!.querySelector(".rw-step-first") as HTMLElement).hidden).toBe(false);
    expect(summary()).toBe("1 of 4 steps rated · first error: step 3");
    // an earlier wrong step becomes the first error, and f later says so
    key(root, "k");
    key(root, "1");
    expect(summary()).toContain("first error: step 2");
    expect((steps()[2]!.querySelector(".rw-step-first") as HTMLElement).hidden).toBe(true);
    key(root, "j");
    key(root, "f");
    expect(summary()).toContain("step 2 is rated wrong earlier, so it stays the first error");
  });

  it("Enter refuses while a step is unrated, names it and focuses it; then submits everything", () => {
    key(root, "3");
    key(root, "3");
    key(root, "y");
    key(root, "Enter");
    expect(m.lastSent("submit")).toBeUndefined();
    expect(root.querySelector(".rw-trace-error")!.textContent).toBe("Step 3 is not rated (2 steps left): every step needs a rating");
    expect(focused()).toBe(2);
    expect(steps()[2]!.classList.contains("rw-step-missing")).toBe(true);
    key(root, "f");
    key(root, "j");
    key(root, "2");
    expect(root.querySelector(".rw-trace-error")!.textContent).toBe("");
    key(root, "Enter");
    expect(m.lastSent("submit")).toMatchObject({
      item: "100", pos: 0,
      answer: { answer_correct: "yes", step_ratings: [1, 1, -1, 0], first_error_step: 2, n_steps: 4, step_notes: null },
    });
    expect(root.querySelector(".rw-where")!.textContent).toContain("Item 2 of 2");
    expect(steps()).toHaveLength(1);
  });

  it("the rubric is still checked, and its keys never take digits", () => {
    for (const k of ["3", "3", "3", "3"]) key(root, k);
    key(root, "Enter");
    expect(m.lastSent("submit")).toBeUndefined();
    expect(root.querySelector('[data-field="answer_correct"] .rw-field-error')!.textContent).toBe("Answer correct is required");
    key(root, "o");
    expect(root.querySelector('[data-field="answer_correct"] button[data-value="no"]')!.getAttribute("aria-pressed")).toBe("true");
    key(root, "Enter");
    expect(m.lastSent("submit").answer).toMatchObject({ answer_correct: "no", step_ratings: [1, 1, 1, 1], first_error_step: null });
  });

  it("n opens a note on the focused step; Escape leaves it and the note is submitted", () => {
    key(root, "j");
    key(root, "n");
    const box = steps()[1]!.querySelector("textarea")!;
    expect(document.activeElement).toBe(box);
    key(box, "1"); // typing, not rating
    box.value = "12 - 5 is 7, not 8";
    box.dispatchEvent(new Event("input", { bubbles: true }));
    expect(pressed(1)).toBeNull();
    key(box, "Escape");
    expect(document.activeElement).toBe(root);
    for (const k of ["k", "3", "f", "j", "3", "3", "y"]) key(root, k);
    key(root, "Enter");
    expect(m.lastSent("submit").answer).toMatchObject({
      step_ratings: [1, -1, 1, 1], first_error_step: 1, step_notes: [null, "12 - 5 is 7, not 8", null, null],
    });
  });

  it("clicking a rating button rates that step and focuses it (keys go on from there)", () => {
    (steps()[3]!.querySelector('.rw-step-opt[data-value="0"]') as HTMLButtonElement).click();
    expect(pressed(3)).toBe("0");
    expect(focused()).toBe(3);
    expect(pressed(0)).toBeNull();
  });

  it("keys never reach JupyterLab", () => {
    let leaked = 0;
    document.body.addEventListener("keydown", () => (leaked += 1));
    for (const k of ["j", "k", "1", "f", "n"]) key(root, k);
    key(root, "Escape");
    key(root, "d");
    expect(leaked).toBe(0);
  });

  it("a stored answer comes back; one for another number of steps is ignored", () => {
    const done = traceItem(0, FOUR, {
      status: "done",
      answer: { answer_correct: "no", step_ratings: [1, -1, 0, 0], first_error_step: 1, n_steps: 4, step_notes: null },
    });
    mount([done, traceItem(1, [{ text: "a" }], { status: "done", answer: { step_ratings: [1, 1] } })]);
    expect([0, 1, 2, 3].map(pressed)).toEqual(["1", "-1", "0", "0"]);
    expect(summary()).toBe("4 of 4 steps rated · first error: step 2");
    key(root, "ArrowRight");
    m.receive({ type: "cursor", pos: 1 });
    expect(summary()).toBe("0 of 1 step rated · first error: none");
  });

  it("a kernel error about the steps shows under the steps", () => {
    for (const k of ["3", "3", "3", "3", "y", "Enter"]) key(root, k);
    m.receive({ type: "error", seq: 1, item: "100", pos: 0, message: "field 'step_ratings': got 4 ratings but the trace has 3 steps: there is no step 4", field: "step_ratings" });
    expect(root.querySelector(".rw-where")!.textContent).toContain("Item 1 of 2");
    expect(root.querySelector(".rw-trace-error")!.textContent).toContain("there is no step 4");
    expect(root.querySelector(".rw-banner")!.textContent).toContain("there is no step 4");
  });

  it("untrusted step content is sanitized", () => {
    mount([traceItem(0, [{ text: '<img src=x onerror="window.pwned=1"> <script>window.pwned=2</script> ok' }])]);
    const step = steps()[0]!;
    expect(step.querySelector("script")).toBeNull();
    expect(step.querySelector("img[onerror]")).toBeNull();
    expect((window as any).pwned).toBeUndefined();
  });

  it("a trace without steps can still be judged as a whole", () => {
    mount([traceItem(0, [], { extra: { steps: [], n_steps: 0, answer: null, context: [], warnings: ["the trace is empty"], truncated: false, format: "empty" } })]);
    expect(root.querySelector(".rw-trace-empty")!.textContent).toContain("No steps");
    expect(root.querySelector(".rw-trace-warnings")!.textContent).toContain("the trace is empty");
    key(root, "j");
    key(root, "1");
    key(root, "y");
    key(root, "Enter");
    expect(m.lastSent("submit").answer).toMatchObject({ step_ratings: [], n_steps: 0, first_error_step: null });
  });

  it("a 500-step trace renders only the steps near the focus, and more as j moves on", () => {
    const many = Array.from({ length: 500 }, (_, i) => ({ text: `Step text ${i}: $x_{${i}} = ${i}^2$ and **more** words` }));
    mount([traceItem(0, many)]);
    expect(steps()).toHaveLength(500);
    const rendered = () => root.querySelectorAll(".rw-step-body:not(.rw-step-placeholder)").length;
    expect(rendered()).toBeLessThan(40);
    for (let i = 0; i < 60; i++) key(root, "3");
    expect(focused()).toBe(60);
    expect(steps()[62]!.querySelector(".rw-step-body")!.textContent).toContain("Step text 62");
    expect(rendered()).toBeLessThan(100);
    expect(summary()).toBe("60 of 500 steps rated · first error: none");
  });

  it("require_all_steps=False lets unrated steps through as null", () => {
    mount([traceItem(0, FOUR)], 1, { require_all_steps: false });
    key(root, "1");
    key(root, "y");
    key(root, "Enter");
    expect(m.lastSent("submit").answer).toMatchObject({ step_ratings: [-1, null, null, null], first_error_step: 0 });
  });

  it("custom step labels map to keys 1..n in order", () => {
    mount([traceItem(0, FOUR)], 1, {
      step_labels: [
        { value: 2, name: "great", description: null, key: "1" },
        { value: 1, name: "ok", description: null, key: "2" },
        { value: 0, name: "bad", description: null, key: "3" },
      ],
      lowest: 0,
    });
    expect([...steps()[0]!.querySelectorAll(".rw-step-opt")].map((b) => b.textContent)).toEqual(["1great", "2ok", "3bad"]);
    key(root, "1");
    key(root, "f");
    expect(summary()).toBe("2 of 4 steps rated · first error: step 2");
    expect(pressed(1)).toBe("0");
  });

  it("review and adjudication show every annotator's step ratings and first error", () => {
    mount([traceItem(0, FOUR, { extra: { ...traceItem(0, FOUR).extra, others: [
      { annotator: "ana", kind: "answer", answer: { step_ratings: [1, -1, -1, 0], first_error_step: 1, answer_correct: "no" } },
      { annotator: "bo", kind: "answer", answer: { step_ratings: [1, 1, -1, 0], first_error_step: 2, answer_correct: "no" } },
    ] } })]);
    const table = root.querySelector(".rw-others-table")!;
    const rows = [...table.querySelectorAll("tbody tr")].map((r) => [...r.children].map((c) => c.textContent));
    expect(rows).toEqual([["ana", "1", "1, -1, -1, 0", "no", "—"], ["bo", "2", "1, 1, -1, 0", "no", "—"]]);
    const differs = [...table.querySelectorAll("th.rw-differs")].map((c) => c.textContent);
    expect(differs).toEqual(["First error (from 0)", "Step ratings"]);
  });

  it("? lists the step keys", () => {
    key(root, "?");
    const help = root.querySelector(".rw-help-overlay")!.textContent!;
    expect(help).toContain("next / previous step");
    expect(help).toContain("rate the step wrong (-1)");
    expect(help).toContain("write a note on the step");
    expect(help).toContain("answer_correct: yes");
  });
});

describe("sensitive traces", () => {
  it("stay blurred with their warning until r reveals them; step keys wait for that", () => {
    mount([traceItem(0, FOUR, { sensitive: true, warning: "self-harm method" }), traceItem(1, [{ text: "x" }])]);
    expect(root.querySelector(".rw-cover")!.textContent).toContain("Content warning: self-harm method");
    expect(root.querySelector(".rw-blurred .rw-trace")).not.toBeNull();
    key(root, "1");
    expect(pressed(0)).toBeNull();
    key(root, "r");
    expect(root.querySelector(".rw-cover")).toBeNull();
    expect(root.querySelector(".rw-warning")!.textContent).toContain("self-harm method");
    key(root, "1");
    expect(pressed(0)).toBe("-1");
  });
});
