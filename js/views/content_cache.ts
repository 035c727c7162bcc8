// Rendered item content, kept for the current item and prepared for the next ones, so
// moving to the next item swaps a finished DOM node in instead of parsing markdown then.

import type { Item } from "../protocol";
import type { Session } from "../session";

type RenderFn = (item: Item, allowRemote: boolean) => HTMLElement;

export class ContentCache {
  private nodes = new Map<Item, HTMLElement>();
  private remoteAllowed = new Set<string>();
  private idle: ReturnType<typeof setTimeout> | null = null;
  private frame: number | null = null;

  constructor(private render: RenderFn, private size = 6) {}

  get(item: Item): HTMLElement {
    let node = this.nodes.get(item);
    if (!node) {
      node = this.render(item, this.remoteAllowed.has(item.id));
      this.nodes.set(item, node);
      this.trim();
    }
    return node;
  }

  allowRemote(item: Item): void {
    this.remoteAllowed.add(item.id);
    this.nodes.delete(item);
  }

  /** Render the next items in the background: one per task, starting after the next
   * frame, so the item just shown is painted first and input stays responsive. */
  prefetch(session: Session, pos: number): void {
    this.cancel();
    const queue = [pos + 1, pos + 2, pos - 1];
    const step = () => {
      const p = queue.shift();
      if (p === undefined) return;
      const item = session.cache.get(p);
      if (item) this.get(item);
      this.idle = setTimeout(step, 0);
    };
    const frame = globalThis.requestAnimationFrame;
    if (frame) this.frame = frame(() => { this.frame = null; this.idle = setTimeout(step, 0); });
    else this.idle = setTimeout(step, 0);
  }

  private cancel(): void {
    if (this.idle) clearTimeout(this.idle);
    if (this.frame !== null) globalThis.cancelAnimationFrame?.(this.frame);
    this.idle = null;
    this.frame = null;
  }

  private trim(): void {
    while (this.nodes.size > this.size) {
      const oldest = this.nodes.keys().next().value as Item;
      this.nodes.delete(oldest);
    }
  }
}
