// ItemRater features for Trust & Safety work: guidelines panel, sensitive blur and
// reveal, content warnings, blurred media, model suggestions.
import { beforeEach, describe, expect, it } from "vitest";
import widget from "../../js/index";
import { item, model, rubric, type MockModel } from "./mock_model";

const key = (el: Element, k: string) =>
  el.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));

function mount(m: MockModel, items = [item(0), item(1)]) {
  const el = document.createElement("div");
  document.body.append(el);
  widget.render({ model: m as any, el });
  m.receive({ type: "items", items });
  m.receive({ type: "cursor", pos: 0 });
  return el.querySelector(".rw-root") as HTMLElement;
}

beforeEach(() => { document.body.innerHTML = ""; });

describe("guidelines", () => {
  const guidelines = "# Policy\n\nBe kind.\n\n## Threats\n\nA threat names harm to a person. Threats are violating.\n";

  it("g opens the panel; search highlights matches; help links jump to a section", () => {
    const m = model();
    const withHelp = structuredClone(rubric);
    withHelp.guidelines = guidelines;
    withHelp.fields[0]!.guideline = "threats";
    m.state._rubric = withHelp;
    const root = mount(m);
    const panel = root.querySelector(".rw-guidelines") as HTMLElement;
    expect(panel.hidden).toBe(true);
    key(root, "g");
    expect(panel.hidden).toBe(false);
    expect(panel.querySelector("h2")!.dataset.section).toBe("threats");
    const search = panel.querySelector("input")!;
    search.value = "threat";
    search.dispatchEvent(new Event("input"));
    expect(panel.querySelectorAll("mark.rw-guide-hit")).toHaveLength(3);
    expect(panel.querySelector(".rw-guide-count")!.textContent).toBe("1 of 3");
    search.value = "";
    search.dispatchEvent(new Event("input"));
    expect(panel.querySelectorAll("mark")).toHaveLength(0);
    expect(panel.textContent).toContain("A threat names harm");
    key(root, "g");
    expect(panel.hidden).toBe(true);
    (root.querySelector('[data-field="verdict"] .rw-link') as HTMLButtonElement).click();
    expect(panel.hidden).toBe(false);
  });

  it("no guidelines, no panel and g does nothing", () => {
    const root = mount(model());
    expect(root.querySelector(".rw-guidelines")).toBeNull();
  });
});

describe("sensitive content", () => {
  it("is blurred with its warning until r reveals it, per item", () => {
    const m = model();
    const root = mount(m, [
      item(0, "graphic text", { sensitive: true, warning: "violence" }),
      item(1, "plain"),
    ]);
    const content = root.querySelector(".rw-item-content")!;
    expect(content.querySelector(".rw-blurred")).not.toBeNull();
    expect(content.querySelector(".rw-cover")!.textContent).toContain("Content warning: violence");
    expect(content.querySelector(".rw-blurred")!.getAttribute("aria-hidden")).toBe("true");
    key(root, "r");
    expect(content.querySelector(".rw-blurred")).toBeNull();
    expect(content.textContent).toContain("graphic text");
    expect(content.querySelector(".rw-warning")!.textContent).toContain("violence");
    key(root, "r"); // hide it again
    expect(content.querySelector(".rw-blurred")).not.toBeNull();
    key(root, "1");
    key(root, "Enter");
    expect(root.querySelector(".rw-item-content .rw-blurred")).toBeNull(); // item 1 is not sensitive
  });

  it("blur_media blurs images until revealed", () => {
    const m = model();
    m.state._config = { ...m.state._config, blur_media: true };
    const root = mount(m);
    const content = root.querySelector(".rw-item-content")!;
    expect(content.classList.contains("rw-media-hidden")).toBe(true);
    key(root, "r");
    expect(content.classList.contains("rw-media-hidden")).toBe(false);
  });
});

describe("suggestions", () => {
  it("show mode puts a badge on the field, the answer stays the rater's", () => {
    const m = model();
    m.state._config = { ...m.state._config, suggestion: { mode: "show", reveal_after: false, fields: ["verdict"] } };
    const root = mount(m, [item(0, "x", { suggestion: { verdict: "violating" } }), item(1)]);
    const badge = root.querySelector('[data-field="verdict"] .rw-suggest') as HTMLElement;
    expect(badge.hidden).toBe(false);
    expect(badge.textContent).toBe("Model: violating");
    expect(root.querySelector('button[data-value="violating"]')!.getAttribute("aria-pressed")).toBe("false");
  });

  it("prefill mode starts the answer from the suggestion", () => {
    const m = model();
    m.state._config = { ...m.state._config, suggestion: { mode: "prefill", reveal_after: false, fields: ["verdict"] } };
    const root = mount(m, [item(0, "x", { suggestion: { verdict: "safe" } }), item(1)]);
    expect(root.querySelector('button[data-value="safe"]')!.getAttribute("aria-pressed")).toBe("true");
    key(root, "Enter");
    expect(m.lastSent("submit")).toMatchObject({ answer: { verdict: "safe" } });
  });

  it("reveal_after shows the suggestion only once the ack brings it", () => {
    const m = model();
    m.state._config = { ...m.state._config, suggestion: { mode: "show", reveal_after: true, fields: ["verdict"] } };
    const root = mount(m);
    const badge = () => root.querySelector('[data-field="verdict"] .rw-suggest') as HTMLElement;
    expect(badge().hidden).toBe(true);
    key(root, "1");
    key(root, "Enter");
    m.receive({ type: "ack", seq: 1, item: "100", pos: 0, answer: { verdict: "safe" }, suggestion: { verdict: "violating" } });
    key(root, "Backspace");
    expect(badge().hidden).toBe(false);
    expect(badge().textContent).toBe("Model: violating");
  });
});

describe("adjudication", () => {
  it("shows every annotator's answer with differing fields marked, as text", () => {
    const m = model();
    const others = [
      { annotator: "ana", kind: "answer", answer: { verdict: "violating", cats: ["threat"], why: "<b>x</b>" } },
      { annotator: "bo", kind: "answer", answer: { verdict: "safe", cats: ["threat"], why: null } },
      { annotator: "cy", kind: "skip", answer: null },
    ];
    const root = mount(m, [item(0, "x", { extra: { others } }), item(1)]);
    const table = root.querySelector(".rw-others-table")!;
    const rows = [...table.querySelectorAll("tbody tr")].map((tr) => [...tr.children].map((td) => td.textContent));
    expect(rows).toEqual([["ana", "violating", "threat", "<b>x</b>"], ["bo", "safe", "threat", "—"], ["cy", "skipped"]]);
    expect(table.querySelector("b")).toBeNull();
    const marked = [...table.querySelectorAll("th.rw-differs")].map((th) => th.textContent);
    expect(marked).toEqual(["Verdict", "Why"]);
  });
});

describe("wellbeing", () => {
  it("h hides all content at once and blocks rating keys until pressed again", () => {
    const m = model();
    const root = mount(m);
    key(root, "h");
    const overlay = root.querySelector(".rw-overlay") as HTMLElement;
    expect(overlay.hidden).toBe(false);
    expect(overlay.textContent).toContain("Content hidden");
    expect((root.querySelector(".rw-main") as HTMLElement).getAttribute("aria-hidden")).toBe("true");
    key(root, "1");
    key(root, "Enter");
    expect(m.lastSent("submit")).toBeUndefined();
    key(root, "h");
    expect(overlay.hidden).toBe(true);
    key(root, "1");
    key(root, "Enter");
    expect(m.lastSent("submit")).toMatchObject({ answer: { verdict: "safe" } });
  });

  it("a break from the kernel covers content with a countdown", () => {
    const m = model();
    const root = mount(m);
    m.receive({ type: "break", until: Date.now() + 5 * 60_000, reason: "You have seen 3 sensitive items within an hour." });
    const overlay = root.querySelector(".rw-overlay") as HTMLElement;
    expect(overlay.hidden).toBe(false);
    expect(overlay.textContent).toContain("Time for a break");
    expect(overlay.querySelector(".rw-countdown")!.textContent).toMatch(/^[45]:\d\d$/);
    key(root, "1");
    key(root, "Enter");
    expect(m.lastSent("submit")).toBeUndefined();
  });

  it("grayscale and blur preferences apply at once and are sent to the kernel", () => {
    const m = model();
    m.state._config = { ...m.state._config, prefs: { grayscale: false, blur_media: false } };
    const root = mount(m);
    const gray = root.querySelector('input[data-pref="grayscale"]') as HTMLInputElement;
    gray.checked = true;
    gray.dispatchEvent(new Event("change"));
    expect(root.classList.contains("rw-grayscale")).toBe(true);
    expect(m.lastSent("prefs")).toEqual({ type: "prefs", prefs: { grayscale: true } });
    const blur = root.querySelector('input[data-pref="blur_media"]') as HTMLInputElement;
    blur.checked = true;
    blur.dispatchEvent(new Event("change"));
    expect(root.querySelector(".rw-item-content")!.classList.contains("rw-media-hidden")).toBe(true);
  });
});

describe("adjudication with spans", () => {
  it("shows spans as label and text, not JSON", () => {
    const m = model();
    const withSpans = structuredClone(rubric);
    withSpans.fields.push({
      type: "spans", name: "evidence", label: "Evidence", required: false, show_if: null,
      required_if: null, help: null, guideline: null, source: null,
      labels: [{ value: "threat", key: "q", color: "#E69F00" }],
    } as never);
    m.state._rubric = withSpans;
    const others = [{ annotator: "ana", kind: "answer", answer: { verdict: "violating",
      evidence: [{ start: 0, end: 4, label: "threat", text: "hurt" }] } }];
    const root = mount(m, [item(0, "x", { extra: { others } }), item(1)]);
    expect(root.querySelector(".rw-others-table")!.textContent).toContain("threat: “hurt”");
  });
});
