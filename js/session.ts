// One Session per widget model: the item cache, the cursor, drafts and pending submits.
// Every view of the same model (the widget shown in two cells) renders this one state,
// so they stay consistent; keys act only on the view that has focus.
//
// The rater never waits for the kernel: submit shows the next item from the look-ahead
// at once and marks the submitted one "saving" until its ack arrives. An error brings
// the rater back to that item with the answer intact.

import type {
  Answer, ClientInfo, ClientMsg, Item, KernelMsg, Progress, RubricSpec,
} from "./protocol";

export interface ModelLike {
  get(name: string): any;
  set?(name: string, value: any): void;
  send(content: any, callbacks?: any, buffers?: any): void;
  on(event: string, cb: (...args: any[]) => void): void;
  off(event: string, cb?: (...args: any[]) => void): void;
}

export type SaveState = "saving" | "saved" | "error";

interface Pending { seq: number; pos: number; answer: Answer | null; kind: "submit" | "skip"; }

export interface SessionError { pos: number | null; message: string; field: string | null; }

let counter = 0;

function randomId(): string {
  const c = globalThis.crypto;
  if (c && "randomUUID" in c) return c.randomUUID();
  counter += 1;
  return `s${Date.now().toString(36)}${counter}${Math.random().toString(36).slice(2)}`;
}

/** Accumulates the time an item is visible with the tab active. */
export class ActiveTimer {
  private pos = -1;
  private since: number | null = null;
  private acc = new Map<number, number>();
  visible = true;
  constructor(private now: () => number = () => performance.now()) {}

  show(pos: number): void {
    if (pos === this.pos) return;
    this.pause();
    this.pos = pos;
    this.resume();
  }
  setVisible(visible: boolean): void {
    this.visible = visible;
    if (visible) this.resume();
    else this.pause();
  }
  /** Milliseconds counted for pos so far; resets its counter. */
  take(pos: number): number {
    if (pos === this.pos && this.since !== null) {
      const t = this.now();
      this.acc.set(pos, (this.acc.get(pos) ?? 0) + (t - this.since));
      this.since = t;
    }
    const ms = this.acc.get(pos) ?? 0;
    this.acc.delete(pos);
    return Math.round(ms);
  }
  private pause(): void {
    if (this.since !== null && this.pos >= 0) {
      this.acc.set(this.pos, (this.acc.get(this.pos) ?? 0) + (this.now() - this.since));
    }
    this.since = null;
  }
  private resume(): void {
    if (this.visible && this.pos >= 0 && this.since === null) this.since = this.now();
  }
}

export class Session {
  readonly id = randomId();
  readonly cache = new Map<number, Item>();
  readonly drafts = new Map<number, Answer>();
  readonly saveState = new Map<number, SaveState>();
  /** ids of sensitive items the rater chose to see */
  readonly revealed = new Set<string>();
  readonly timer: ActiveTimer;
  /** null until the kernel says where we are */
  cursor: number | null = null;
  error: SessionError | null = null;
  /** Wellbeing: content hidden by the rater (h), or by a break until this time (epoch ms). */
  steppedAway = false;
  breakUntil = 0;
  breakReason = "";
  private localPrefs: Record<string, boolean> = {};
  /** The most recent submit or skip and how its save went: what the status pill shows. */
  last: { pos: number; id: string; state: SaveState } | null = null;
  private pending = new Map<number, Pending>();
  /** positions asked for and not arrived yet: never ask twice (a long trace is 60 KB) */
  private requested = new Set<number>();
  private seq = 0;
  private listeners = new Set<() => void>();
  private helloSent = false;
  private booted = false;

  constructor(readonly model: ModelLike, now?: () => number) {
    this.timer = new ActiveTimer(now);
    this.onMessage = this.onMessage.bind(this);
    this.notify = this.notify.bind(this);
    model.on("msg:custom", this.onMessage);
    model.on("change:_progress", this.notify);
    model.on("change:_rubric", this.notify);
    this.onConfig = this.onConfig.bind(this);
    model.on("change:_config", this.onConfig);
    this.applyBoot();
  }

  /** The first items and the cursor came with the widget's state (`_boot`): show them
   * now, without a round trip. The page's copy is emptied at once (never synced back),
   * so a notebook saved with widget state keeps no item content. */
  private applyBoot(): void {
    const boot: unknown = this.model.get("_boot");
    if (!Array.isArray(boot) || boot.length === 0) return;
    this.booted = true;
    this.model.set?.("_boot", []);
    for (const msg of boot) this.onMessage(msg as KernelMsg);
  }

  /** Settings changed (a quiz passed and unlocked the study): fetch what is now allowed. */
  private onConfig(): void {
    this.requested.clear();
    if (this.cursor !== null) {
      const need = this.needed(this.cursor);
      if (need.length) this.send({ type: "fetch", need });
    }
    this.notify();
  }

  /** The first position the kernel keeps locked (a screening quiz not passed yet). */
  get lock(): { after: number; message: string; failed: boolean } | null {
    return (this.config.lock ?? null) as { after: number; message: string; failed: boolean } | null;
  }

  dispose(): void {
    this.model.off("msg:custom", this.onMessage);
    this.model.off("change:_progress", this.notify);
    this.model.off("change:_rubric", this.notify);
    this.model.off("change:_config", this.onConfig);
    this.listeners.clear();
  }

  get rubric(): RubricSpec { return this.model.get("_rubric") as RubricSpec; }
  get config(): Record<string, any> { return (this.model.get("_config") ?? {}) as Record<string, any>; }
  get progress(): Progress {
    return (this.model.get("_progress") ?? { done: 0, skipped: 0, total: 0 }) as Progress;
  }
  get total(): number { return this.progress.total; }
  get current(): Item | undefined {
    if (this.cursor === null || this.cursor >= this.total) return undefined;
    return this.cache.get(this.cursor);
  }
  get pendingCount(): number { return this.pending.size; }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  notify(): void {
    if (this.cursor !== null) this.timer.show(this.cursor);
    for (const fn of this.listeners) fn();
  }

  /** First view attached: ask the kernel where we are. Later views reuse the state. */
  hello(view: string): void {
    if (this.helloSent) return;
    this.helloSent = true;
    const need = this.booted && this.cursor !== null ? this.needed(this.cursor) : [];
    this.send({ type: "hello", client: this.client(view), need, booted: this.booted });
  }

  /** The answer on screen for pos: the unsaved draft, else the stored answer. */
  answerFor(pos: number): Answer {
    const draft = this.drafts.get(pos);
    if (draft) return draft;
    return { ...(this.cache.get(pos)?.answer ?? {}) };
  }

  setDraft(pos: number, answer: Answer): void {
    this.drafts.set(pos, answer);
    if (this.error?.pos === pos) this.error = null;
    this.notify();
  }

  submit(answer: Answer, view = "main"): boolean {
    const item = this.current;
    if (!item || this.cursor === null) return false;
    const pos = this.cursor;
    this.seq += 1;
    this.pending.set(this.seq, { seq: this.seq, pos, answer, kind: "submit" });
    this.saveState.set(pos, "saving");
    this.last = { pos, id: item.id, state: "saving" };
    this.drafts.set(pos, answer);
    this.error = null;
    this.cursor = Math.min(pos + 1, this.total);
    this.send({
      type: "submit", seq: this.seq, item: item.id, pos, answer,
      ms: this.timer.take(pos), need: this.needed(this.cursor), client: this.client(view),
    });
    this.notify();
    return true;
  }

  skip(view = "main"): void {
    const item = this.current;
    if (!item || this.cursor === null) return;
    const pos = this.cursor;
    this.seq += 1;
    if (item.status !== "done") {
      this.pending.set(this.seq, { seq: this.seq, pos, answer: null, kind: "skip" });
      this.saveState.set(pos, "saving");
      this.last = { pos, id: item.id, state: "saving" };
    }
    this.cursor = Math.min(pos + 1, this.total);
    this.send({
      type: "skip", seq: this.seq, item: item.id, pos, ms: this.timer.take(pos),
      need: this.needed(this.cursor), client: this.client(view),
    });
    this.notify();
  }

  goto(pos: number): void {
    if (this.cursor === null) return;
    const target = Math.max(0, Math.min(pos, this.total));
    if (target === this.cursor) return;
    this.cursor = target;
    this.seq += 1;
    this.send({ type: "goto", seq: this.seq, pos: target, need: this.needed(target) });
    this.notify();
  }

  /** Viewing preferences: the widget's defaults, the rater's saved choice, then changes now. */
  get prefs(): { grayscale: boolean; blur_media: boolean } {
    const saved = (this.config.prefs ?? {}) as Record<string, boolean>;
    const merged = { ...saved, ...this.localPrefs };
    return {
      grayscale: Boolean(merged.grayscale),
      blur_media: Boolean(merged.blur_media ?? this.config.blur_media),
    };
  }

  setPref(name: "grayscale" | "blur_media", value: boolean): void {
    this.localPrefs[name] = value;
    this.send({ type: "prefs", prefs: { [name]: value } });
    this.notify();
  }

  toggleStepAway(): void {
    this.steppedAway = !this.steppedAway;
    this.timer.setVisible(!this.steppedAway && document.visibilityState !== "hidden");
    this.notify();
  }

  /** Show (or hide again) the current item's sensitive content. */
  toggleReveal(): void {
    const item = this.current;
    if (!item) return;
    if (this.revealed.has(item.id)) this.revealed.delete(item.id);
    else this.revealed.add(item.id);
    this.notify();
  }

  back(): void { if (this.cursor !== null && this.cursor > 0) this.goto(this.cursor - 1); }
  forward(): void { if (this.cursor !== null && this.cursor < this.total) this.goto(this.cursor + 1); }

  /** Positions around pos that the cache lacks. */
  needed(pos: number): number[] {
    const ahead = Number(this.config.lookahead ?? 4);
    const behind = Number(this.config.lookbehind ?? 2);
    const out: number[] = [];
    const end = Math.min(this.total, this.lock?.after ?? this.total) - 1;
    for (let p = Math.max(0, pos - behind); p <= Math.min(end, pos + ahead); p++) {
      if (!this.cache.has(p) && !this.requested.has(p)) out.push(p);
    }
    for (const p of out) this.requested.add(p);
    return out;
  }

  onMessage(msg: KernelMsg): void {
    switch (msg.type) {
      case "items":
        for (const item of msg.items) {
          this.cache.set(item.pos, item);
          this.requested.delete(item.pos);
        }
        this.evict();
        break;
      case "cursor": {
        this.cursor = msg.pos;
        // items only: a goto here would pull the kernel's cursor back to this position
        // after the kernel has moved on (w.submit() in a loop while the widget shows)
        const need = this.needed(msg.pos);
        if (need.length) this.send({ type: "fetch", need });
        break;
      }
      case "ack": {
        const p = this.pending.get(msg.seq);
        this.pending.delete(msg.seq);
        const item = this.cache.get(msg.pos);
        if (item) {
          if (msg.suggestion) item.suggestion = msg.suggestion; // reveal_after: now it may show
          item.answer = msg.answer ?? item.answer;
          item.status = msg.answer ? "done" : item.status === "done" ? "done" : "skipped";
        }
        if (p) {
          // a draft edited again since this submit stays a draft
          if (this.drafts.get(msg.pos) === p.answer) this.drafts.delete(msg.pos);
          this.saveState.set(msg.pos, "saved");
          if (this.last?.pos === msg.pos) this.last = { ...this.last, state: "saved" };
        }
        break;
      }
      case "error": {
        this.requested.clear(); // a refused request may not bring its items: ask again
        const p = msg.seq === null ? undefined : this.pending.get(msg.seq);
        if (p) {
          this.pending.delete(p.seq);
          if (p.answer) this.drafts.set(p.pos, p.answer);
          this.saveState.set(p.pos, "error");
          if (this.last?.pos === p.pos) this.last = { ...this.last, state: "error" };
          // back to the first item that failed, answer intact
          if (this.cursor === null || p.pos < this.cursor) {
            this.cursor = p.pos;
            this.seq += 1;
            this.send({ type: "goto", seq: this.seq, pos: p.pos, need: this.needed(p.pos) });
          }
        }
        this.error = { pos: p?.pos ?? msg.pos, message: msg.message, field: msg.field };
        break;
      }
      case "break":
        this.breakUntil = msg.until;
        this.breakReason = msg.reason;
        break;
      case "invalidate":
        if (msg.pos === null) this.cache.clear();
        else for (const pos of msg.pos) this.cache.delete(pos);
        this.requested.clear();
        break;
    }
    this.notify();
  }

  /** Keep the cache bounded: only items near the cursor stay. */
  private evict(): void {
    if (this.cursor === null) return;
    const keep = 32;
    for (const pos of this.cache.keys()) {
      if (Math.abs(pos - this.cursor) > keep && !this.drafts.has(pos)) this.cache.delete(pos);
    }
  }

  private client(view: string): ClientInfo {
    return { session: this.id, view };
  }

  private send(msg: ClientMsg): void {
    this.model.send(msg);
  }
}
