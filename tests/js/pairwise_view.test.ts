// The PairwiseRater view against a mock model: left/right keys, criteria focus, tie and
// both-bad, mirror checks, diff highlight, synced scrolling, blind headers.
import { beforeEach, describe, expect, it } from "vitest";
import widget from "../../js/index";
import type { Block, Item, RubricSpec } from "../../js/protocol";
import { diffWords, tokenize } from "../../js/views/pairwise_diff";
import { pointValue } from "../../js/views/pairwise";
import { MockModel } from "./mock_model";

const POINTS7 = ["Left much better", "Left better", "Left slightly better", "About the same",
  "Right slightly better", "Right better", "Right much better"];

const rubric: RubricSpec = {
  hash: "h", guidelines: null,
  fields: [{
    type: "text", name: "rationale", label: "Rationale", required: false, show_if: null,
    required_if: null, help: null, guideline: null, min_length: null, max_length: null,
    multiline: true, placeholder: null, key: "a",
  }],
};

function block(name: string, value: Block["value"], role: Block["role"] = "content", format: Block["format"] = "markdown"): Block {
  return { name, label: name === "prompt" ? "prompt" : name === "left" ? "Left" : "Right", format, value, role, language: null };
}

function pair(pos: number, left: Block["value"] = `left ${pos}`, right: Block["value"] = `right ${pos}`, extra: Partial<Item> = {}): Item {
  return {
    pos, id: String(100 + pos), status: "new", answer: null, extra: {}, sensitive: false, warning: null,
    suggestion: null,
    blocks: [block("prompt", `prompt ${pos}`, "context"), block("left", left), block("right", right)],
    ...extra,
  };
}

function key(el: Element, k: string, opts: KeyboardEventInit = {}) {
  const e = new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...opts });
  el.dispatchEvent(e);
  return e;
}

function setup(config: Record<string, unknown> = {}, items: Item[] = [pair(0), pair(1), pair(2)]) {
  document.body.innerHTML = "";
  const m = new MockModel({
    _kind: "pairwise",
    _uid: `uid-${Math.random().toString(36).slice(2)}`,
    _rubric: rubric,
    _config: { lookahead: 2, lookbehind: 1, criteria: [{ name: "overall", label: "Overall" }], scale: 7,
      points: POINTS7, blind: true, ...config },
    _progress: { done: 0, skipped: 0, total: items.length },
  });
  const el = document.createElement("div");
  document.body.append(el);
  widget.render({ model: m as any, el });
  m.receive({ type: "items", items });
  m.receive({ type: "cursor", pos: 0 });
  return { m, root: el.querySelector(".rw-root") as HTMLElement };
}

const pressed = (root: HTMLElement, criterion = "overall") =>
  [...root.querySelectorAll(`[data-criterion="${criterion}"] button[aria-pressed="true"]`)].map((b) => (b as HTMLElement).dataset.value);

let m: MockModel;
let root: HTMLElement;

describe("PairwiseRater view", () => {
  beforeEach(() => ({ m, root } = setup()));

  it("shows the prompt and the two responses as Left and Right, nothing else", () => {
    const panes = root.querySelectorAll(".rw-pair-pane");
    expect([...panes].map((p) => p.querySelector(".rw-pair-side")!.textContent)).toEqual(["Left", "Right"]);
    expect(panes[0]!.textContent).toContain("left 0");
    expect(panes[1]!.textContent).toContain("right 0");
    expect(root.querySelector(".rw-pair-context")!.textContent).toContain("prompt 0");
    expect(root.querySelector(".rw-pair-model")).toBeNull(); // blind: no model names
    const labels = [...root.querySelectorAll(".rw-pref-label")].map((x) => x.textContent);
    expect(labels).toEqual(POINTS7);
  });

  it("key 1 is left much better, 7 right much better; Enter sends on-screen values", () => {
    key(root, "1");
    expect(pressed(root)).toEqual(["3"]);
    key(root, "Enter");
    expect(m.lastSent("submit")).toMatchObject({ item: "100", pos: 0, answer: { left_preference: { overall: 3 } } });
    key(root, "7");
    key(root, "Enter");
    expect(m.lastSent("submit")).toMatchObject({ item: "101", answer: { left_preference: { overall: -3 } } });
    expect(pointValue(1, 3)).toBe(1);
    expect(pointValue(3, 3)).toBe(-1);
    expect(pointValue(5, 9)).toBe(0);
  });

  it("t is a tie, x both bad; the same key again clears", () => {
    key(root, "t");
    expect(pressed(root)).toEqual(["0"]);
    key(root, "x");
    expect(pressed(root)).toEqual(["both_bad"]);
    key(root, "x");
    expect(pressed(root)).toEqual([]);
    key(root, "8"); // not a point on a 7-point scale
    expect(pressed(root)).toEqual([]);
    key(root, "x");
    key(root, "Enter");
    expect(m.lastSent("submit").answer).toEqual({ left_preference: { overall: "both_bad" } });
  });

  it("shows the next pair at once, without waiting for the kernel", () => {
    const form = root.querySelector(".rw-form");
    expect(form).not.toBeNull();
    key(root, "2");
    key(root, "Enter");
    expect(root.querySelector(".rw-pair-left")!.textContent).toContain("left 1");
    expect(root.querySelector(".rw-saved")!.textContent).toBe("Saving…");
    expect(pressed(root)).toEqual([]);
    expect(root.querySelector(".rw-form")).toBe(form); // the same form, reset
  });

  it("refuses to submit without a preference and says which criterion", () => {
    key(root, "Enter");
    expect(m.lastSent("submit")).toBeUndefined();
    expect(root.querySelector('[data-criterion="overall"] .rw-field-error')!.textContent).toContain("Choose a preference for Overall");
  });

  it("a rationale can be typed and goes with the answer", () => {
    key(root, "a");
    const box = root.querySelector("textarea")!;
    expect(document.activeElement).toBe(box);
    box.value = "left is correct";
    box.dispatchEvent(new Event("input", { bubbles: true }));
    key(box, "1"); // typing: not a rating key
    expect(pressed(root)).toEqual([]);
    key(box, "Escape");
    key(root, "3");
    key(root, "Enter");
    expect(m.lastSent("submit").answer).toEqual({ rationale: "left is correct", left_preference: { overall: 1 } });
  });

  it("a kernel error on the criterion brings the rater back with the choice intact", () => {
    key(root, "2");
    key(root, "Enter");
    m.receive({ type: "error", seq: 1, item: "100", pos: 0, message: "preference must be an integer", field: "overall" });
    expect(root.querySelector(".rw-where")!.textContent).toContain("Item 1 of 3");
    expect(pressed(root)).toEqual(["2"]);
    expect(root.querySelector('[data-criterion="overall"] .rw-field-error')!.textContent).toBe("preference must be an integer");
  });

  it("a stored answer comes back pressed", () => {
    ({ m, root } = setup({}, [pair(0, "l", "r", { status: "done", answer: { left_preference: { overall: -2 } } as any })]));
    expect(pressed(root)).toEqual(["-2"]);
  });

  it("d shows a word diff of the plain text, with content kept literal", () => {
    ({ m, root } = setup({}, [pair(0, "the cat sat <img src=x onerror=alert(1)>", "the dog sat")]));
    key(root, "d");
    const left = root.querySelector(".rw-pair-left .rw-diff")!;
    const right = root.querySelector(".rw-pair-right .rw-diff")!;
    expect([...left.querySelectorAll("mark")].map((x) => x.textContent)).toEqual(["cat", "<img src=x onerror=alert(1)>"]);
    expect([...right.querySelectorAll("mark")].map((x) => x.textContent)).toEqual(["dog"]);
    expect(left.textContent).toBe("the cat sat <img src=x onerror=alert(1)>");
    expect(root.querySelector(".rw-pair-left img")).toBeNull();
    key(root, "d");
    expect(root.querySelector(".rw-diff")).toBeNull();
    expect(root.querySelector(".rw-pair-left .rw-markdown, .rw-pair-left .rw-content")).not.toBeNull();
  });

  it("scrolling one response scrolls the other to the same place", () => {
    const [left, right] = [...root.querySelectorAll<HTMLElement>(".rw-pair-scroll")];
    for (const [el, height] of [[left!, 1100], [right!, 2100]] as const) {
      Object.defineProperty(el, "scrollHeight", { configurable: true, value: height });
      Object.defineProperty(el, "clientHeight", { configurable: true, value: 100 });
    }
    left!.scrollTop = 500; // halfway
    left!.dispatchEvent(new Event("scroll"));
    expect(right!.scrollTop).toBe(1000);
    // turned off, they scroll on their own
    (root.querySelector('[aria-label="Scroll both responses together"]') as HTMLElement).click();
    left!.scrollTop = 0;
    left!.dispatchEvent(new Event("scroll"));
    expect(right!.scrollTop).toBe(1000);
  });

  it("chat responses render as conversations", () => {
    const chat = [{ role: "user", content: "hi" }, { role: "assistant", content: "**hello**" }];
    ({ m, root } = setup({}, [pair(0, chat, [{ role: "assistant", content: "hey" }])]));
    const left = root.querySelector(".rw-pair-left")!;
    expect(left.querySelectorAll(".rw-msg")).toHaveLength(2);
    expect(left.querySelector(".rw-msg--assistant strong")!.textContent).toBe("hello");
  });

  it("not blind: each side names its model", () => {
    ({ m, root } = setup({ blind: false }, [pair(0, "l", "r", { extra: { models: { left: "ember", right: "cobalt" } } })]));
    expect([...root.querySelectorAll(".rw-pair-model")].map((x) => x.textContent)).toEqual(["ember", "cobalt"]);
  });

  it("? lists the pairwise keys", () => {
    key(root, "?");
    const help = root.querySelector(".rw-help-overlay")!.textContent!;
    expect(help).toContain("Left much better … Right much better");
    expect(help).toContain("both bad");
  });
});

describe("PairwiseRater view with several criteria", () => {
  beforeEach(() => ({ m, root } = setup({
    criteria: [{ name: "helpful", label: "Helpful" }, { name: "safe", label: "Safe" }], scale: 3,
    points: ["Left better", "About the same", "Right better"],
  })));

  it("a choice moves to the next criterion; arrows and Tab move between them", () => {
    const focused = () => root.querySelector(".rw-pair-focused")!.getAttribute("data-criterion");
    expect(focused()).toBe("helpful");
    key(root, "1");
    expect(focused()).toBe("safe");
    key(root, "ArrowUp");
    expect(focused()).toBe("helpful");
    key(root, "Tab");
    expect(focused()).toBe("safe");
    const tabOut = key(root, "Tab"); // past the last criterion, Tab moves focus as usual
    expect(tabOut.defaultPrevented).toBe(false);
    key(root, "ArrowDown");
    key(root, "3");
    key(root, "Enter");
    expect(m.lastSent("submit").answer).toEqual({ left_preference: { helpful: 1, safe: -1 } });
  });

  it("a missing criterion is named and focused", () => {
    key(root, "t");
    key(root, "Enter");
    expect(m.lastSent("submit")).toBeUndefined();
    expect(root.querySelector('[data-criterion="safe"] .rw-field-error')!.textContent).toContain("Safe");
    expect(root.querySelector(".rw-pair-focused")!.getAttribute("data-criterion")).toBe("safe");
  });

  it("clicking a point focuses its criterion and does not skip ahead", () => {
    (root.querySelector('[data-criterion="safe"] button[data-value="0"]') as HTMLElement).click();
    expect(pressed(root, "safe")).toEqual(["0"]);
    expect(root.querySelector(".rw-pair-focused")!.getAttribute("data-criterion")).toBe("safe");
  });
});

describe("word diff", () => {
  it("tokens rebuild the text and unchanged texts have no marks", () => {
    const text = "a  b\n\tc";
    expect(tokenize(text).join("")).toBe(text);
    const same = diffWords("one two", "one two");
    expect(same.left.every((p) => p.op === "same")).toBe(true);
  });

  it("marks inserted and removed words on their own side", () => {
    const d = diffWords("alpha beta gamma", "alpha gamma delta");
    expect(d.left.filter((p) => p.op === "changed").map((p) => p.text)).toEqual(["beta"]);
    expect(d.right.filter((p) => p.op === "changed").map((p) => p.text)).toEqual(["delta"]);
  });

  it("finds one changed word in long prose (lines, then sentences, then words)", () => {
    const para = (i: number) => Array.from({ length: 40 }, (_, s) => `Sentence ${s} of part ${i} says something.`).join(" ");
    const a = Array.from({ length: 30 }, (_, i) => para(i)).join("\n\n");
    const b = a.replace("Sentence 7 of part 12 says", "Sentence 7 of part 12 claims");
    const d = diffWords(a, b);
    expect(d.exact).toBe(true);
    expect(d.left.filter((p) => p.op === "changed").map((p) => p.text)).toEqual(["says"]);
    expect(d.right.filter((p) => p.op === "changed").map((p) => p.text)).toEqual(["claims"]);
    expect(d.right.map((p) => p.text).join("")).toBe(b);
  });

  it("marks a run too long to diff as changed as a whole", () => {
    const a = Array.from({ length: 3000 }, (_, i) => `word${i}`).join(" ");
    const b = Array.from({ length: 3000 }, (_, i) => `other${i}`).join(" ");
    const d = diffWords(a, b);
    expect(d.exact).toBe(false);
    expect(d.left.map((p) => p.text).join("")).toBe(a);
  });
});
