// The ItemRater view rendered against a mock model: keys, controls, mirror validation.
import { beforeEach, describe, expect, it } from "vitest";
import widget from "../../js/index";
import { item, model, type MockModel } from "./mock_model";

function key(el: Element, k: string, opts: KeyboardEventInit = {}) {
  const e = new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...opts });
  el.dispatchEvent(e);
  return e;
}

let m: MockModel;
let el: HTMLElement;
let root: HTMLElement;

beforeEach(() => {
  document.body.innerHTML = "";
  m = model(3);
  el = document.createElement("div");
  document.body.append(el);
  widget.render({ model: m as any, el });
  m.receive({ type: "items", items: [item(0, "<b>not bold</b>"), item(1), item(2)] });
  m.receive({ type: "cursor", pos: 0 });
  root = el.querySelector(".rw-root")!;
});

describe("ItemRater view", () => {
  it("shows the item, the controls with their keys, and progress", () => {
    expect(root.querySelector(".rw-where")!.textContent).toBe("Item 1 of 3 · id 100");
    expect(root.querySelector(".rw-item-content")!.textContent).toContain("<b>not bold</b>");
    expect(root.querySelector(".rw-item-content b")).toBeNull(); // text format is literal
    const opts = [...root.querySelectorAll('[data-field="verdict"] button')].map((b) => b.textContent);
    expect(opts).toEqual(["1safe", "2violatingbreaks the policy"]);
    expect(root.querySelector(".rw-counts")!.textContent).toBe("0 done · 0 skipped · 3 total");
    // the multi-choice is hidden until the verdict is violating
    expect((root.querySelector('[data-field="cats"]') as HTMLElement).hidden).toBe(true);
  });

  it("number keys pick, Enter submits, and keys never reach JupyterLab", () => {
    let leaked = 0;
    document.body.addEventListener("keydown", () => (leaked += 1));
    key(root, "1");
    expect(root.querySelector('button[data-value="safe"]')!.getAttribute("aria-pressed")).toBe("true");
    key(root, "d"); // not ours, but must not reach JupyterLab ("d d" deletes a cell)
    key(root, "Enter");
    expect(leaked).toBe(0);
    expect(m.lastSent("submit")).toMatchObject({ item: "100", answer: { verdict: "safe" } });
    expect(root.querySelector(".rw-where")!.textContent).toContain("Item 2 of 3");
    expect(root.querySelector(".rw-saved")!.textContent).toBe("Saving…");
    m.receive({ type: "ack", seq: 1, item: "100", pos: 0, answer: { verdict: "safe" }, suggestion: null });
    m.set("_progress", { done: 1, skipped: 0, total: 3 });
    expect(root.querySelector(".rw-saved")!.textContent).toBe("Saved ✓");
    expect(root.querySelector(".rw-counts")!.textContent).toBe("1 done · 0 skipped · 3 total");
  });

  it("the next item gets the same form, reset: no choice, error or typed text carries over", () => {
    const form = root.querySelector(".rw-form");
    key(root, "Enter"); // nothing picked: an error on the verdict
    key(root, "2");
    key(root, "e");
    const box = root.querySelector("textarea")!;
    box.focus();
    box.value = "typed for item 1";
    box.dispatchEvent(new Event("input", { bubbles: true }));
    key(box, "Enter", { ctrlKey: true }); // submitted from inside the focused text box
    expect(root.querySelector(".rw-where")!.textContent).toContain("Item 2 of 3");
    expect(root.querySelector(".rw-form")).toBe(form); // reused, not rebuilt
    expect(root.querySelector("textarea")!.value).toBe("");
    expect(root.querySelectorAll('[aria-pressed="true"]').length).toBe(0);
    expect([...root.querySelectorAll(".rw-field-error")].map((e) => e.textContent).join("")).toBe("");
    key(root, "Backspace"); // back to item 1: its answer is shown again
    expect(root.querySelector("textarea")!.value).toBe("typed for item 1");
    expect(root.querySelector('button[data-value="violating"]')!.getAttribute("aria-pressed")).toBe("true");
  });

  it("shortcuts with Ctrl/Cmd pass through to JupyterLab", () => {
    let seen = 0;
    document.body.addEventListener("keydown", () => (seen += 1));
    key(root, "s", { ctrlKey: true });
    expect(seen).toBe(1);
    expect(m.lastSent("skip")).toBeUndefined();
  });

  it("mirrors required fields: nothing is sent and the field says why", () => {
    key(root, "Enter");
    expect(m.lastSent("submit")).toBeUndefined();
    expect(root.querySelector('[data-field="verdict"] .rw-field-error')!.textContent).toBe("Verdict is required");
    key(root, "2"); // violating: categories appear, rationale becomes required
    expect((root.querySelector('[data-field="cats"]') as HTMLElement).hidden).toBe(false);
    key(root, "e");
    key(root, "Enter");
    expect(m.lastSent("submit")).toBeUndefined();
    expect(root.querySelector('[data-field="why"] .rw-field-error')!.textContent).toBe("Why is required");
    const box = root.querySelector("textarea")!;
    box.value = "a threat";
    box.dispatchEvent(new Event("input", { bubbles: true }));
    key(box, "Enter", { ctrlKey: true });
    expect(m.lastSent("submit")).toMatchObject({ answer: { verdict: "violating", cats: ["threat"], why: "a threat" } });
  });

  it("typing in the text box does not trigger rating keys", () => {
    key(root, "w"); // focuses the text box
    const box = root.querySelector("textarea")!;
    expect(document.activeElement).toBe(box);
    key(box, "1");
    expect(root.querySelector('button[data-value="safe"]')!.getAttribute("aria-pressed")).toBe("false");
    key(box, "Escape");
    expect(document.activeElement).toBe(root);
  });

  it("a kernel error shows a banner and keeps the answer", () => {
    key(root, "1");
    key(root, "Enter");
    m.receive({ type: "error", seq: 1, item: "100", pos: 0, message: "store is read-only", field: null });
    expect(root.querySelector(".rw-banner")!.textContent).toBe("Not saved: store is read-only");
    expect(root.querySelector(".rw-where")!.textContent).toContain("Item 1 of 3");
    expect(root.querySelector('button[data-value="safe"]')!.getAttribute("aria-pressed")).toBe("true");
  });

  it("? lists every key", () => {
    key(root, "?");
    const help = root.querySelector(".rw-help-overlay") as HTMLElement;
    expect(help.hidden).toBe(false);
    expect(help.textContent).toContain("verdict: violating");
    expect(help.textContent).toContain("skip this item");
    key(root, "Escape");
    expect(help.hidden).toBe(true);
  });

  it("two views of one model stay consistent", () => {
    const el2 = document.createElement("div");
    document.body.append(el2);
    widget.render({ model: m as any, el: el2 });
    const root2 = el2.querySelector(".rw-root")!;
    expect(m.sent.filter((x) => x.type === "hello")).toHaveLength(1);
    key(root, "1");
    key(root, "Enter");
    expect(root2.querySelector(".rw-where")!.textContent).toContain("Item 2 of 3");
  });

  it("the done screen appears after the last item", () => {
    for (let i = 0; i < 3; i++) { key(root, "1"); key(root, "Enter"); }
    expect((root.querySelector(".rw-done") as HTMLElement).hidden).toBe(false);
    expect(root.querySelector(".rw-done")!.textContent).toContain("All 3 items done");
  });
});

describe("the first items in the widget's state (_boot)", () => {
  it("shows the first item with no round trip, empties the page's copy, and says so in hello", () => {
    document.body.innerHTML = "";
    const mb = model(3);
    mb.state._uid = "boot-test";
    mb.state._boot = [
      { type: "items", items: [item(0, "first from boot"), item(1), item(2)] },
      { type: "cursor", pos: 0 },
    ];
    const host = document.createElement("div");
    document.body.append(host);
    widget.initialize({ model: mb as any });
    widget.render({ model: mb as any, el: host });
    expect(host.querySelector(".rw-item-content")!.textContent).toContain("first from boot");
    expect(mb.state._boot).toEqual([]); // a notebook saved now keeps no item content
    expect(mb.sent.filter((m) => m.type === "hello")).toEqual([
      { type: "hello", client: expect.any(Object), need: [], booted: true },
    ]);
    expect(mb.sent.filter((m) => m.type === "fetch")).toEqual([]); // it had all it needed
  });

  it("without a boot, hello asks the kernel for everything", () => {
    expect(m.lastSent("hello")).toMatchObject({ need: [], booted: false });
  });
});
