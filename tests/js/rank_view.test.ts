// The RankRater view against a mock model: focus with arrows, ranks with digits, ties,
// drag and drop in the ranking bar, mirror checks.
import { beforeEach, describe, expect, it } from "vitest";
import widget from "../../js/index";
import type { Block, Item, RubricSpec } from "../../js/protocol";
import { orderOf, ranksFromOrder, setRank } from "../../js/views/rank";
import { MockModel } from "./mock_model";

const rubric: RubricSpec = { hash: "h", guidelines: null, fields: [] };

function item(pos: number, n = 3, extra: Partial<Item> = {}): Item {
  const blocks: Block[] = [{ name: "prompt", label: "prompt", format: "text", value: `prompt ${pos}`, role: "context", language: null }];
  for (let i = 0; i < n; i++) {
    const letter = "ABCDEFGHI"[i]!;
    blocks.push({ name: letter, label: `Response ${letter}`, format: "markdown", value: `answer ${letter}${pos}`, role: "content", language: null });
  }
  return { pos, id: String(100 + pos), status: "new", answer: null, extra: { n }, sensitive: false, warning: null, suggestion: null, blocks, ...extra };
}

function key(el: Element, k: string) {
  const e = new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true });
  el.dispatchEvent(e);
  return e;
}

function setup(config: Record<string, unknown> = {}, items: Item[] = [item(0), item(1)]) {
  document.body.innerHTML = "";
  const m = new MockModel({
    _kind: "rank", _uid: `uid-${Math.random().toString(36).slice(2)}`, _rubric: rubric,
    _config: { lookahead: 2, lookbehind: 1, allow_ties: true, blind: true, ...config },
    _progress: { done: 0, skipped: 0, total: items.length },
  });
  const el = document.createElement("div");
  document.body.append(el);
  widget.render({ model: m as any, el });
  m.receive({ type: "items", items });
  m.receive({ type: "cursor", pos: 0 });
  return { m, root: el.querySelector(".rw-root") as HTMLElement };
}

const badges = (root: HTMLElement) => [...root.querySelectorAll(".rw-rank-badge")].map((b) => b.textContent);
const focused = (root: HTMLElement) => root.querySelector(".rw-rank-focused")!.getAttribute("data-index");
const chips = (root: HTMLElement) => [...root.querySelectorAll(".rw-rank-chip")].map((c) => c.textContent);

let m: MockModel;
let root: HTMLElement;

describe("RankRater view", () => {
  beforeEach(() => ({ m, root } = setup()));

  it("shows the responses as A, B, C with rank buttons", () => {
    const cards = root.querySelectorAll(".rw-rank-card");
    expect(cards).toHaveLength(3);
    expect([...cards].map((c) => c.querySelector(".rw-rank-letter")!.textContent)).toEqual(["A", "B", "C"]);
    expect(cards[1]!.textContent).toContain("answer B0");
    expect(cards[0]!.querySelectorAll("button[data-rank]")).toHaveLength(3);
    expect(root.querySelector(".rw-rank-context")!.textContent).toContain("prompt 0");
    expect(badges(root)).toEqual(["–", "–", "–"]);
  });

  it("digits rank the focused response and move on; Enter sends on-screen ranks", () => {
    expect(focused(root)).toBe("0");
    key(root, "2"); // A second
    expect(focused(root)).toBe("1");
    key(root, "1"); // B best
    key(root, "3"); // C third
    expect(badges(root)).toEqual(["#2", "#1", "#3"]);
    expect(chips(root)).toEqual(["1B", "2A", "3C"]);
    key(root, "Enter");
    expect(m.lastSent("submit")).toMatchObject({ item: "100", answer: { shown_ranks: [2, 1, 3] } });
    expect(root.querySelector(".rw-where")!.textContent).toContain("Item 2 of 2"); // no wait for the kernel
  });

  it("arrows move the focus; 0 and the same digit clear; ties are allowed", () => {
    key(root, "ArrowDown");
    key(root, "ArrowDown");
    expect(focused(root)).toBe("2");
    key(root, "1");
    key(root, "ArrowUp");
    key(root, "ArrowUp");
    key(root, "1"); // A also first: a tie
    expect(badges(root)).toEqual(["#1", "–", "#1"]);
    key(root, "ArrowDown");
    key(root, "ArrowDown");
    key(root, "0");
    expect(badges(root)).toEqual(["#1", "–", "–"]);
    key(root, "ArrowUp");
    key(root, "ArrowUp");
    key(root, "1");
    expect(badges(root)).toEqual(["–", "–", "–"]);
    key(root, "9"); // no such rank: nothing happens, nothing leaks
    expect(badges(root)).toEqual(["–", "–", "–"]);
  });

  it("refuses to submit until every response has a rank", () => {
    key(root, "1");
    key(root, "Enter");
    expect(m.lastSent("submit")).toBeUndefined();
    expect(root.querySelector(".rw-rank-bar-row .rw-field-error")!.textContent).toBe("Rank every response: B, C have no rank yet");
    expect(focused(root)).toBe("1");
  });

  it("dragging a chip reorders the ranking", () => {
    key(root, "1");
    key(root, "2");
    key(root, "3");
    const chip = (letter: string) => [...root.querySelectorAll(".rw-rank-chip")].find((c) => c.textContent!.endsWith(letter))!;
    chip("C").dispatchEvent(new Event("dragstart", { bubbles: true }));
    const over = new Event("dragover", { bubbles: true, cancelable: true });
    chip("A").dispatchEvent(over);
    expect(over.defaultPrevented).toBe(true); // a drop target
    chip("A").dispatchEvent(new Event("drop", { bubbles: true, cancelable: true }));
    expect(chips(root)).toEqual(["1C", "2A", "3B"]);
    expect(badges(root)).toEqual(["#2", "#3", "#1"]);
    key(root, "Enter");
    expect(m.lastSent("submit").answer).toEqual({ shown_ranks: [2, 3, 1] });
  });

  it("a stored ranking comes back; a kernel error keeps the draft", () => {
    ({ m, root } = setup({}, [item(0, 3, { status: "done", answer: { shown_ranks: [3, 1, 2] } as any }), item(1)]));
    expect(badges(root)).toEqual(["#3", "#1", "#2"]);
    key(root, "Enter");
    m.receive({ type: "error", seq: 1, item: "100", pos: 0, message: "ranks must be integers from 1 to 3", field: "shown_ranks" });
    expect(root.querySelector(".rw-rank-bar-row .rw-field-error")!.textContent).toBe("ranks must be integers from 1 to 3");
    expect(badges(root)).toEqual(["#3", "#1", "#2"]);
  });

  it("without ties, taking a held rank swaps", () => {
    ({ m, root } = setup({ allow_ties: false }));
    key(root, "1"); // A 1
    key(root, "2"); // B 2, focus moves on to C
    key(root, "ArrowUp");
    key(root, "ArrowUp");
    key(root, "2"); // A takes 2: B gets A's 1
    expect(badges(root)).toEqual(["#2", "#1", "–"]);
  });

  it("not blind: cards name their model", () => {
    ({ m, root } = setup({ blind: false }, [item(0, 2, { extra: { n: 2, models: ["basil", "cobalt"] } })]));
    expect([...root.querySelectorAll(".rw-rank-model")].map((x) => x.textContent)).toEqual(["basil", "cobalt"]);
  });
});

describe("ranking helpers", () => {
  it("setRank, orderOf, ranksFromOrder", () => {
    expect(setRank([null, null], 0, 1, true)).toEqual([1, null]);
    expect(setRank([1, 2], 0, 1, true)).toEqual([null, 2]);
    expect(setRank([1, 2, 3], 2, 1, false)).toEqual([3, 2, 1]);
    expect(setRank([1, null], 1, 1, false)).toEqual([null, 1]);
    expect(orderOf([2, null, 1])).toEqual([2, 0, 1]);
    expect(ranksFromOrder([2, 0, 1], 3)).toEqual([2, 3, 1]);
  });
});
