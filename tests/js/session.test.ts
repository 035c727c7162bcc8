import { describe, expect, it } from "vitest";
import { ActiveTimer, Session } from "../../js/session";
import { item, model } from "./mock_model";

function ready(total = 5) {
  const m = model(total);
  const s = new Session(m as any, () => 0);
  s.hello("v1");
  m.receive({ type: "items", items: [item(0), item(1), item(2)] });
  m.receive({ type: "cursor", pos: 0 });
  return { m, s };
}

describe("Session", () => {
  it("says hello once and asks only for what it lacks", () => {
    const { m, s } = ready();
    s.hello("v2");
    expect(m.sent.filter((x) => x.type === "hello")).toHaveLength(1);
    // cursor 0 with look-ahead 2: items 0..2 are cached, nothing to ask for
    expect(m.sent.filter((x) => x.type === "goto")).toHaveLength(0);
    expect(s.current?.id).toBe("100");
  });

  it("submit moves to the next item at once and is saved only on ack", () => {
    const { m, s } = ready();
    expect(s.submit({ verdict: "safe" })).toBe(true);
    expect(s.cursor).toBe(1);
    expect(s.current?.id).toBe("101"); // shown from the look-ahead, no round trip
    const sent = m.lastSent("submit");
    expect(sent).toMatchObject({ seq: 1, item: "100", pos: 0, answer: { verdict: "safe" } });
    expect(sent.need).toEqual([3]); // the new look-ahead position
    expect(s.last).toEqual({ pos: 0, id: "100", state: "saving" });
    m.receive({ type: "ack", seq: 1, item: "100", pos: 0, answer: { verdict: "safe" }, suggestion: null });
    expect(s.last?.state).toBe("saved");
    expect(s.cache.get(0)?.status).toBe("done");
    expect(s.answerFor(0)).toEqual({ verdict: "safe" });
  });

  it("an error brings the rater back to that item with the answer intact", () => {
    const { m, s } = ready();
    s.submit({ verdict: "safe", why: "typed carefully" });
    s.submit({ verdict: "violating" });
    expect(s.cursor).toBe(2);
    m.receive({ type: "error", seq: 1, item: "100", pos: 0, message: "disk full", field: null });
    expect(s.cursor).toBe(0);
    expect(s.answerFor(0)).toEqual({ verdict: "safe", why: "typed carefully" });
    expect(s.error?.message).toBe("disk full");
    expect(s.last).toEqual({ pos: 1, id: "101", state: "saving" }); // item 1 still pending
    // the later submit failing too keeps the rater on the first failure
    m.receive({ type: "error", seq: 2, item: "101", pos: 1, message: "not current", field: null });
    expect(s.cursor).toBe(0);
    expect(s.answerFor(1)).toEqual({ verdict: "violating" });
    expect(m.lastSent("goto")).toMatchObject({ pos: 0 });
  });

  it("back and forward use the cache and tell the kernel where the cursor is", () => {
    const { m, s } = ready();
    s.submit({ verdict: "safe" });
    s.back();
    expect(s.cursor).toBe(0);
    expect(m.lastSent("goto")).toMatchObject({ pos: 0 });
    s.back();
    expect(s.cursor).toBe(0); // nothing before the first item
    s.forward();
    expect(s.cursor).toBe(1);
  });

  it("skipping an answered item only moves on", () => {
    const { m, s } = ready();
    m.receive({ type: "items", items: [item(0, "x", { status: "done", answer: { verdict: "safe" } })] });
    s.skip();
    expect(s.cursor).toBe(1);
    expect(s.pendingCount).toBe(0);
    expect(m.lastSent("skip")).toMatchObject({ item: "100", pos: 0 });
  });

  it("invalidate drops cached items; a kernel cursor asks for missing ones", () => {
    const { m, s } = ready();
    m.receive({ type: "invalidate", pos: [1] });
    expect(s.cache.has(1)).toBe(false);
    m.receive({ type: "cursor", pos: 1 });
    // items only: the kernel moved the cursor, the frontend must not move it back
    expect(m.lastSent("fetch")).toEqual({ type: "fetch", need: [1, 3] });
    expect(m.lastSent("goto")).toBeUndefined();
  });

  it("finishes at total", () => {
    const { s } = ready(1);
    s.submit({ verdict: "safe" });
    expect(s.cursor).toBe(1);
    expect(s.current).toBeUndefined();
  });
});

describe("ActiveTimer", () => {
  it("counts only visible time per item", () => {
    let t = 0;
    const timer = new ActiveTimer(() => t);
    timer.show(0);
    t = 1000;
    timer.setVisible(false);
    t = 60_000; // tab hidden for a minute: not counted
    timer.setVisible(true);
    t = 61_500;
    expect(timer.take(0)).toBe(2500);
    timer.show(1);
    t = 62_000;
    timer.show(0);
    expect(timer.take(1)).toBe(500);
  });
});

describe("look-ahead requests", () => {
  it("never asks twice for an item that is on its way", () => {
    const m = model(20);
    const s = new Session(m as any, () => 0);
    s.hello("v");
    m.receive({ type: "items", items: [item(0)] });
    m.receive({ type: "cursor", pos: 0 });
    const asked = () => m.sent.flatMap((x) => x.need ?? []);
    expect(asked()).toEqual([1, 2]);
    s.forward();
    s.forward();
    s.forward(); // items 1..3 not arrived yet
    expect(asked().filter((p: number) => p === 2)).toHaveLength(1);
    expect(new Set(asked()).size).toBe(asked().length);
    m.receive({ type: "items", items: [item(1), item(2), item(3)] });
    m.receive({ type: "invalidate", pos: [2] });
    s.goto(2);
    expect(m.lastSent("goto").need).toContain(2); // dropped from the cache: asked again
  });
});
