// Span marking against a mock model: selection -> source offsets (text and markdown,
// unicode), keys, the keyboard caret, overlap painting, delete, accept / reject.
import { beforeEach, describe, expect, it } from "vitest";
import widget from "../../js/index";
import type { Item, RubricSpec, SpansField } from "../../js/protocol";
import { renderMarkdown, renderText } from "../../js/render/index";
import { CodePoints, TextMap } from "../../js/ui/spans_map";
import { MockModel } from "./mock_model";

function key(el: Element, k: string, opts: KeyboardEventInit = {}) {
  const e = new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...opts });
  el.dispatchEvent(e);
  return e;
}

/** Python's len() and slicing, for expected offsets: code points. */
const cp = (s: string) => Array.from(s);
const pyIndex = (s: string, sub: string) => cp(s.slice(0, s.indexOf(sub))).length;
const pySlice = (s: string, a: number, b: number) => cp(s).slice(a, b).join("");

/** Select the rendered occurrence of `text` inside a box (document order, across nodes). */
function selectText(box: HTMLElement, text: string, nth = 0): Range {
  const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
  const nodes: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n as Text);
  const all = nodes.map((n) => n.data).join("");
  let at = -1;
  for (let i = 0; i <= nth; i++) at = all.indexOf(text, at + 1);
  if (at < 0) throw new Error(`"${text}" not shown in ${JSON.stringify(all)}`);
  const point = (pos: number, end: boolean): [Text, number] => {
    let acc = 0;
    for (const n of nodes) {
      if (pos < acc + n.data.length || (end && pos === acc + n.data.length)) return [n, pos - acc];
      acc += n.data.length;
    }
    const last = nodes[nodes.length - 1]!;
    return [last, last.data.length];
  };
  const range = document.createRange();
  range.setStart(...point(at, false));
  range.setEnd(...point(at + text.length, true));
  const sel = document.getSelection()!;
  sel.removeAllRanges();
  sel.addRange(range);
  return range;
}

describe("TextMap: selection -> Python offsets", () => {
  const samples = [
    "Plain ASCII: I will find you.",
    "Emoji 👋🏽 wave, family 👨‍👩‍👧 and a flag 🇯🇵 then the threat.",
    "Combining: Zoe\u0301 and cafe\u0301 are fine; 🧑🏿‍🚀 too.",
    "CJK 我会找到你 and Japanese わたしはあなたを見つけます.",
    "RTL: سأجدك أينما كنت — and שלום עולם end.",
  ];
  for (const src of samples) {
    for (const fmt of ["text", "markdown"]) {
      it(`${fmt}: every word maps to source[start:end] (${src.slice(0, 12)}…)`, () => {
        const box = fmt === "text" ? renderText(src, { allowRemote: false }) : renderMarkdown(src, { allowRemote: false });
        document.body.replaceChildren(box);
        const map = TextMap.build(box, src, fmt);
        const words = src.split(/\s+/).filter((w) => w && !/^[—]$/.test(w));
        for (const w of words) {
          const m = map.fromRange(selectText(box, w));
          expect(m).not.toHaveProperty("error");
          if ("error" in m) continue;
          expect(pySlice(src, m.start, m.end)).toBe(w);
          expect(m.text).toBe(w);
          expect(m.start).toBe(pyIndex(src, w));
          expect(m.end).toBe(pyIndex(src, w) + cp(w).length);
        }
      });
    }
  }

  it("a selection that splits a character takes all of it (accent, skin tone, surrogate pair)", () => {
    const src = "Zoe\u0301 waves 👋🏽 at 𝒳.";
    const box = renderText(src, { allowRemote: false });
    document.body.replaceChildren(box);
    const map = TextMap.build(box, src, "text");
    const text = box.firstChild as Text;
    const pick = (a: number, b: number) => {
      const r = document.createRange();
      r.setStart(text, a);
      r.setEnd(text, b);
      const m = map.fromRange(r);
      if ("error" in m) throw new Error(m.error);
      return pySlice(src, m.start, m.end);
    };
    expect(pick(0, 3)).toBe("Zoe\u0301"); // not "Zoe": the accent belongs to the e
    const wave = src.indexOf("👋");
    expect(pick(wave, wave + 1)).toBe("👋🏽"); // half a surrogate pair, without its skin tone
    const x = src.indexOf("𝒳");
    expect(pick(x + 1, x + 2)).toBe("𝒳");
    expect(map.fromRange((() => { const r = document.createRange(); r.setStart(text, 4); r.setEnd(text, 5); return r; })()))
      .toMatchObject({ error: expect.stringMatching(/white space/) });
  });

  it("markdown: markup, entities, escapes, code and math map to their source", () => {
    const src = "# Policy\n\nThe **real threat** is *here* &amp; `rm -rf /` now \\* and $x^2 + y$ end.\n\n- item 😀 one\n- item two";
    const box = renderMarkdown(src, { allowRemote: false });
    document.body.replaceChildren(box);
    const map = TextMap.build(box, src, "markdown");
    const check = (shown: string, expected: string) => {
      const m = map.fromRange(selectText(box, shown));
      if ("error" in m) throw new Error(m.error);
      expect(pySlice(src, m.start, m.end)).toBe(expected);
      expect(m.text).toBe(expected);
    };
    check("real threat", "real threat");
    check("real threat is here", "real threat** is *here"); // the source between, markup and all
    check("&", "&amp;");
    check("rm -rf /", "rm -rf /");
    check("*", "\\*");
    check("😀 one", "😀 one");
    check("Policy", "Policy");
    // a formula is atomic: touching it takes all of it, located by its TeX
    const math = box.querySelector("math")!;
    const r = document.createRange();
    r.setStartBefore(math);
    r.setEndAfter(math);
    const m = map.fromRange(r);
    if ("error" in m) throw new Error(m.error);
    expect(pySlice(src, m.start, m.end)).toBe("$x^2 + y$");
  });

  it("markdown in CRLF text, tables and block quotes", () => {
    const src = "> quoted *line*\r\n> and more\r\n\r\n| a | b |\r\n|---|---|\r\n| cell one | **two** |\r\n";
    const box = renderMarkdown(src, { allowRemote: false });
    document.body.replaceChildren(box);
    const map = TextMap.build(box, src, "markdown");
    for (const [shown, expected] of [["and more", "and more"], ["cell one", "cell one"], ["two", "two"], ["quoted line", "quoted *line"]] as const) {
      const m = map.fromRange(selectText(box, shown));
      if ("error" in m) throw new Error(m.error);
      expect(pySlice(src, m.start, m.end)).toBe(expected);
    }
  });

  it("every visible character of typical markdown traces back to the source", () => {
    // a guard against drift between the renderer and the mapping parser: anything
    // unmapped here would make raters meet "cannot be traced" on ordinary content
    const docs = [
      "# Title #\n\nPara with [link](http://x.com \"title t\") t and `code  x` &amp; &copy; \\* esc",
      "- item one\n- item **two**\n  continued\n\n1. first\n2. second\n   - nested *deep*",
      "> quote line\n> more *quote*\n\nafter ~~struck~~ text",
      "| a | b |\n|---|:-:|\n| c1 | **d** |\n| `e` | $f$ |",
      "```python\nprint('hi')\n  x = 1\n```\n\ntext $x^2$ and $$y$$ end\n\n$$\n\\frac{a}{b}\n$$\n\n    indented code",
      "line one  \nline two\\\nline three\r\nCRLF line",
      "<think>\nraw <b>html</b> here\n</think>\n\nafter raw <span title=\"q\">inline</span> html",
      "Visit http://example.com/a_b_c or <https://auto.link/x>, ___both___ and **_mixed_**.",
      "Setext\n===\n\nSub\n---\n\n***\n\n![alt](data:image/png;base64,iVBORw0KGgo=) after image",
    ];
    for (const src of docs) {
      const box = renderMarkdown(src, { allowRemote: false });
      document.body.replaceChildren(box);
      const map = TextMap.build(box, src, "markdown");
      const unmapped = map.units.filter((u) => u.start < 0 && !/\s/.test(u.ch)).map((u) => u.ch).join("");
      expect(unmapped, src).toBe("");
      for (const u of map.units) {
        if (u.start >= 0 && u.end - u.start === 1 && u.ch !== "\uFFFC") expect(src.slice(u.start, u.end)).toBe(u.ch);
      }
      const starts = map.units.filter((u) => u.start >= 0).map((u) => u.start);
      expect(starts).toEqual([...starts].sort((x, y) => x - y)); // in source order
    }
  });

  it("text that cannot be traced gets a message, never an offset", () => {
    // raw HTML whose text also appears in its own attribute: ambiguous, so unmapped
    const src = '<div title="same words">same words</div>\n\nafter';
    const box = renderMarkdown(src, { allowRemote: false });
    document.body.replaceChildren(box);
    const map = TextMap.build(box, src, "markdown");
    const m = map.fromRange(selectText(box, "same words"));
    expect(m).toHaveProperty("error");
    expect((m as { error: string }).error).toMatch(/cannot be traced/);
    const ok = map.fromRange(selectText(box, "after"));
    expect(ok).toMatchObject({ text: "after" });
  });

  it("offsets -> DOM range round trip, and code points vs UTF-16", () => {
    const src = "a 👋🏽 b **𝒳 bold** c";
    const pts = new CodePoints(src);
    expect(pts.length).toBe(cp(src).length);
    expect(pts.toUtf16(pts.toCodePoint(src.indexOf("b **")))).toBe(src.indexOf("b **"));
    const box = renderMarkdown(src, { allowRemote: false });
    document.body.replaceChildren(box);
    const map = TextMap.build(box, src, "markdown");
    const start = pyIndex(src, "𝒳");
    const range = map.toRange(start, start + 6)!; // "𝒳 bold"
    expect(range.toString()).toBe("𝒳 bold");
    expect(map.fromRange(range)).toMatchObject({ start, end: start + 6, text: "𝒳 bold" });
  });
});

// ---------------------------------------------------------------- the ItemRater view

class FakeHighlight {
  ranges: Range[];
  priority = 0;
  constructor(...ranges: Range[]) { this.ranges = ranges; }
  add(r: Range) { this.ranges.push(r); }
}
const highlights = new Map<string, FakeHighlight>();
(globalThis as any).Highlight = FakeHighlight;
(globalThis as any).CSS = { ...(globalThis as any).CSS, highlights, escape: (s: string) => s };

const evidence: SpansField = {
  type: "spans", name: "evidence", label: "Evidence", required: false, show_if: null, required_if: null,
  help: null, guideline: null, source: null, suggestions: "model_spans",
  labels: [
    { value: "threat", key: "e", color: "#E69F00", description: null },
    { value: "pii", key: "p", color: "#56B4E9", description: null },
  ],
};
const spansRubric: RubricSpec = {
  hash: "h", guidelines: null,
  fields: [
    { type: "choice", name: "verdict", label: "Verdict", required: true, show_if: null, required_if: null,
      help: null, guideline: null, options: [
        { value: "safe", label: "safe", key: "1", description: null },
        { value: "violating", label: "violating", key: "2", description: null }] },
    evidence,
  ],
};
const SRC = "I **will** find you, 👋🏽 Zoë. Call 555-0100 or mail zoe@example.org.";

function spanItem(pos: number, value: string, extra: Record<string, unknown> = {}): Item {
  return {
    pos, id: String(200 + pos), status: "new", answer: null, extra, sensitive: false, warning: null,
    suggestion: null,
    blocks: [{ name: "text", label: "text", format: "markdown", value, role: "content", language: null }],
  };
}

describe("ItemRater view with a spans field", () => {
  let m: MockModel;
  let root: HTMLElement;
  let box: HTMLElement;
  const phone = pyIndex(SRC, "555-0100");
  const mail = pyIndex(SRC, "zoe@example.org");

  beforeEach(() => {
    document.body.innerHTML = "";
    highlights.clear();
    m = new MockModel({
      _kind: "item", _uid: `u${Math.random()}`, _rubric: spansRubric,
      _config: { lookahead: 2, lookbehind: 1, spans: { evidence: { source: "text" } } },
      _progress: { done: 0, skipped: 0, total: 2 },
    });
    const el = document.createElement("div");
    document.body.append(el);
    widget.render({ model: m as any, el });
    m.receive({ type: "items", items: [
      spanItem(0, SRC, { spans: { evidence: {
        suggested: [{ start: phone, end: phone + 8, label: "pii" }, { start: mail, end: mail + 15, label: "pii" }],
        warnings: ["1 suggested span(s) do not fit this item and are not shown"] } } }),
      spanItem(1, "second item"),
    ] });
    m.receive({ type: "cursor", pos: 0 });
    root = el.querySelector(".rw-root")!;
    box = root.querySelector('section[data-rw-block="text"] > .rw-content')!;
  });

  const listed = () => [...root.querySelectorAll('[data-field="evidence"] .rw-span-list:not(.rw-span-suggestions) li')]
    .map((li) => li.querySelector(".rw-span-text")!.textContent);
  const suggested = () => [...root.querySelectorAll(".rw-span-suggestions li")].map((li) => li.querySelector(".rw-span-text")!.textContent);

  it("shows the label keys, marks a selection with a key, and lists the span", () => {
    const labels = [...root.querySelectorAll(".rw-span-label")].map((b) => b.textContent);
    expect(labels).toEqual(["ethreat", "ppii"]);
    selectText(box, "find you");
    key(root, "e");
    expect(listed()).toEqual(["find you"]);
    key(root, "1");
    key(root, "Enter");
    const sent = m.lastSent("submit");
    const start = pyIndex(SRC, "find you");
    // only start, end and label go to the kernel: it fills in the text itself
    expect(sent.answer.evidence).toEqual([{ start, end: start + 8, label: "threat" }]);
  });

  it("without a selection the key explains what to do; a selection outside the text is refused", () => {
    document.getSelection()!.removeAllRanges();
    key(root, "e");
    expect(root.querySelector('[data-field="evidence"] .rw-field-error')!.textContent).toMatch(/Select the words/);
    const labelEl = root.querySelector('[data-field="verdict"] .rw-field-label')!;
    const r = document.createRange();
    r.selectNodeContents(labelEl);
    document.getSelection()!.removeAllRanges();
    document.getSelection()!.addRange(r);
    key(root, "e");
    expect(root.querySelector('[data-field="evidence"] .rw-field-error')!.textContent).toMatch(/select the words there/);
    expect(listed()).toEqual([]);
  });

  it("overlapping spans are painted in their label colours and the overlap is marked", () => {
    selectText(box, "find you");
    key(root, "e");
    selectText(box, "you, 👋🏽 Zoë");
    key(root, "p");
    expect(listed()).toEqual(["find you", "you, 👋🏽 Zoë"]);
    const names = [...highlights.keys()];
    const p = names[0]!.replace(/-\d+-\d+(-s)?$/, "");
    expect(highlights.get(`${p}-0-0`)!.ranges.map(String)).toEqual(["find you"]);
    expect(highlights.get(`${p}-0-1`)!.ranges.map(String)).toEqual(["you, 👋🏽 Zoë"]);
    expect(highlights.get(`${p}-overlap`)!.ranges.map(String)).toEqual(["you"]);
    // suggestions are painted apart (dashed), and the style sheet has a rule per label
    expect(highlights.get(`${p}-0-1-s`)!.ranges.map(String)).toEqual(["555-0100", "zoe@example.org"]);
    const css = root.querySelector("style")!.textContent!;
    expect(css).toContain(`::highlight(${p}-0-0)`);
    expect(css).toContain("#E69F00");
  });

  it("Delete on a focused span removes it; the next one takes focus", () => {
    selectText(box, "find");
    key(root, "e");
    selectText(box, "Zoë");
    key(root, "p");
    const first = root.querySelector<HTMLElement>('.rw-span-list:not(.rw-span-suggestions) li')!;
    first.focus();
    key(first, "Delete");
    expect(listed()).toEqual(["Zoë"]);
    expect((document.activeElement as HTMLElement).textContent).toContain("Zoë");
    key(document.activeElement!, "Delete");
    expect(listed()).toEqual([]);
  });

  it("suggestions: y accepts, x rejects, the list shows what is left", () => {
    expect(suggested()).toEqual(["555-0100", "zoe@example.org"]);
    expect(root.querySelector(".rw-span-notes")!.textContent).toMatch(/do not fit/);
    key(root, "y"); // the first suggestion
    expect(listed()).toEqual(["555-0100"]);
    expect(suggested()).toEqual(["zoe@example.org"]);
    const item = root.querySelector<HTMLElement>(".rw-span-suggestions li")!;
    item.focus();
    key(item, "x");
    expect(suggested()).toEqual([]);
    expect(listed()).toEqual(["555-0100"]);
    key(root, "2");
    key(root, "Enter");
    expect(m.lastSent("submit").answer.evidence).toEqual([{ start: phone, end: phone + 8, label: "pii" }]);
  });

  it("keyboard selection: v, Shift+→ by word, the label key; arrows do not change the item", () => {
    key(root, "v");
    key(root, "ArrowRight"); // caret to "will"
    key(root, "ArrowRight", { shiftKey: true });
    key(root, "ArrowRight", { shiftKey: true }); // "will find"
    expect(document.getSelection()!.toString()).toBe("will find");
    key(root, "e");
    expect(listed()).toEqual(["will** find"]);
    key(root, "ArrowRight", { shiftKey: true }); // from the end of the last span
    key(root, "p");
    expect(listed()).toEqual(["will** find", "you"]);
    key(root, "ArrowLeft");
    key(root, "Escape");
    expect(root.querySelector(".rw-where")!.textContent).toContain("Item 1 of 2");
    // outside keyboard selection the arrows navigate again
    key(root, "ArrowRight");
    expect(root.querySelector(".rw-where")!.textContent).toContain("Item 2 of 2");
  });
});

// ---------------------------------------------------------------- TraceRater: spans per step

describe("TraceRater view with a spans field", () => {
  const errors: SpansField = {
    ...evidence, name: "error_spans", label: "Error spans", suggestions: null,
    labels: [
      { value: "arithmetic", key: "a", color: "#E69F00", description: null },
      { value: "logic", key: "l", color: "#56B4E9", description: null },
    ],
  };
  const traceRubric: RubricSpec = { hash: "t", guidelines: null, fields: [errors] };
  const STEPS = ["Three boxes of **four** is $3 \\cdot 4 = 12$.", "Take away five: 12 - 5 = 8 😀.", "So 8 pens."];
  let m: MockModel;
  let root: HTMLElement;

  beforeEach(() => {
    document.body.innerHTML = "";
    highlights.clear();
    m = new MockModel({
      _kind: "trace", _uid: `t${Math.random()}`, _rubric: traceRubric,
      _config: {
        lookahead: 2, lookbehind: 1, step_format: "markdown", lowest: -1, require_all_steps: false,
        question: null, answer: null, max_note: 5000, spans: { error_spans: { source: null } },
        step_labels: [
          { value: -1, name: "wrong", description: null, key: "1" },
          { value: 0, name: "neutral", description: null, key: "2" },
          { value: 1, name: "good", description: null, key: "3" },
        ],
      },
      _progress: { done: 0, skipped: 0, total: 1 },
    });
    const el = document.createElement("div");
    document.body.append(el);
    widget.render({ model: m as any, el });
    m.receive({ type: "items", items: [{
      pos: 0, id: "t1", status: "new", answer: null, sensitive: false, warning: null, suggestion: null, blocks: [],
      extra: { steps: STEPS.map((text) => ({ text, kind: "reasoning" })), n_steps: 3, answer: null, context: [],
        warnings: [], truncated: false, format: "steps",
        spans: { error_spans: { suggested: [{ step: 2, start: 3, end: 4, label: "logic" }], warnings: [] } } },
    }] });
    m.receive({ type: "cursor", pos: 0 });
    root = el.querySelector(".rw-root")!;
  });

  const stepBox = (i: number) => root.querySelector<HTMLElement>(`[data-step="${i}"] .rw-step-body > .rw-content`)!;

  it("a selection in a step is a span of that step, offsets into the step's text", () => {
    selectText(stepBox(1), "12 - 5 = 8 😀");
    key(root, "a");
    const items = [...root.querySelectorAll(".rw-span-list:not(.rw-span-suggestions) li")];
    expect(items.map((li) => li.querySelector(".rw-span-text")!.textContent)).toEqual(["12 - 5 = 8 😀"]);
    expect(items[0]!.querySelector(".rw-span-where")!.textContent).toBe("step 2 · 16–28");
    key(root, "y"); // the suggestion on step 3: "8"
    key(root, "Enter");
    const sent = m.lastSent("submit").answer.error_spans;
    const start = pyIndex(STEPS[1]!, "12 - 5");
    expect(sent).toEqual([
      { step: 1, start, end: start + cp("12 - 5 = 8 😀").length, label: "arithmetic" },
      { step: 2, start: 3, end: 4, label: "logic" },
    ]);
    expect(pySlice(STEPS[2]!, 3, 4)).toBe("8");
  });

  it("v selects in the focused step; j moves the keyboard selection to the next step", () => {
    key(root, "v");
    key(root, "ArrowRight", { shiftKey: true });
    key(root, "ArrowRight", { shiftKey: true });
    expect(document.getSelection()!.toString()).toBe("Three boxes");
    key(root, "j");
    key(root, "End");
    key(root, "ArrowLeft", { shiftKey: true });
    key(root, "ArrowLeft", { shiftKey: true });
    expect(document.getSelection()!.toString()).toBe("8 😀.");
    key(root, "l");
    key(root, "Enter");
    const start = pyIndex(STEPS[1]!, "8 😀");
    expect(m.lastSent("submit").answer.error_spans).toEqual([{ step: 1, start, end: start + 4, label: "logic" }]);
  });

  it("a selection across two steps is refused with a message", () => {
    const r = document.createRange();
    r.setStart(stepBox(0).firstChild!.firstChild!, 2);
    r.setEnd(stepBox(1).firstChild!.firstChild!, 3);
    document.getSelection()!.removeAllRanges();
    document.getSelection()!.addRange(r);
    key(root, "a");
    expect(root.querySelector('[data-field="error_spans"] .rw-field-error')!.textContent).toMatch(/within one text/);
  });
});
