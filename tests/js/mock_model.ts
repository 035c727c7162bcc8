// A small mock of the anywidget model (get/set/on/off/send), so render logic is tested
// in milliseconds. `kernel` plays the kernel: it receives what the view sends.
import type { Item, KernelMsg, RubricSpec } from "../../js/protocol";

type Handler = (...args: any[]) => void;

export class MockModel {
  state: Record<string, any>;
  sent: any[] = [];
  private handlers = new Map<string, Set<Handler>>();

  constructor(state: Record<string, any>) {
    this.state = { ...state };
  }
  get(name: string): any { return this.state[name]; }
  set(name: string, value: any): void {
    this.state[name] = value;
    this.emit(`change:${name}`, value);
  }
  on(event: string, cb: Handler): void {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event)!.add(cb);
  }
  off(event: string, cb?: Handler): void {
    if (cb) this.handlers.get(event)?.delete(cb);
    else this.handlers.delete(event);
  }
  send(content: any): void { this.sent.push(content); }
  /** A message from the kernel. */
  receive(msg: KernelMsg): void { this.emit("msg:custom", msg); }
  emit(event: string, ...args: any[]): void {
    for (const h of this.handlers.get(event) ?? []) h(...args);
  }
  lastSent(type?: string): any {
    const list = type ? this.sent.filter((m) => m.type === type) : this.sent;
    return list[list.length - 1];
  }
}

export const rubric: RubricSpec = {
  hash: "abc",
  guidelines: null,
  fields: [
    {
      type: "choice", name: "verdict", label: "Verdict", required: true, show_if: null,
      required_if: null, help: null, guideline: null,
      options: [
        { value: "safe", label: "safe", key: "1", description: null },
        { value: "violating", label: "violating", key: "2", description: "breaks the policy" },
      ],
    },
    {
      type: "multichoice", name: "cats", label: "Categories", required: false,
      show_if: { verdict: ["violating"] }, required_if: null, help: null, guideline: null,
      min: null, max: null,
      options: [
        { value: "threat", label: "threat", key: "e", description: null },
        { value: "spam", label: "spam", key: "p", description: null },
      ],
    },
    {
      type: "text", name: "why", label: "Why", required: false, show_if: null,
      required_if: { verdict: ["violating"] }, help: null, guideline: null,
      min_length: null, max_length: 20, multiline: true, placeholder: null, key: "w",
    },
  ],
};

export function item(pos: number, text = `item ${pos}`, extra: Partial<Item> = {}): Item {
  return {
    pos, id: String(100 + pos), status: "new", answer: null, extra: {}, sensitive: false,
    warning: null, suggestion: null,
    blocks: [{ name: "text", label: "text", format: "text", value: text, role: "content", language: null }],
    ...extra,
  };
}

export function model(total = 5): MockModel {
  return new MockModel({
    _kind: "item",
    _uid: `uid-${Math.random().toString(36).slice(2)}`,
    _rubric: rubric,
    _config: { lookahead: 2, lookbehind: 1, study: "s", annotator: "ana" },
    _progress: { done: 0, skipped: 0, total },
  });
}
