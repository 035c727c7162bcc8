// Test page entry for tests/xss/test_xss_chromium.py: the real renderer,
// bundled by esbuild, driven from Playwright through `window.rwXss`.
//
// alert/prompt/confirm/print are replaced by markers before anything renders,
// so a payload that manages to run records itself instead of blocking.

import type { Block, BlockFormat } from "../../js/protocol";
import { renderBlock, sanitizeHtml, type RenderContext } from "../../js/render/index";
import { markdownToHtml } from "../../js/render/markdown";
import { findViolations } from "./checks";

const marks: string[] = [];
const w = window as unknown as Record<string, unknown>;
for (const name of ["alert", "prompt", "confirm", "print"]) {
  w[name] = (...args: unknown[]) => {
    marks.push(`${name}(${args.map(String).join(", ")})`);
    return null;
  };
}
w["__xss"] = marks;

// Synthetic interaction: a rater hovers, focuses and clicks content. Link
// navigation is prevented (a click on a legitimate https link would open a
// tab); inline handlers would still run, which is what the markers detect.
document.addEventListener("click", (event) => {
  if ((event.target as Element | null)?.closest?.("a, area")) event.preventDefault();
}, true);
const POKES = ["mouseover", "mouseenter", "mousemove", "pointerover", "pointerenter", "pointerdown", "focus", "focusin", "blur", "click", "dblclick", "keydown", "wheel", "animationstart", "transitionend", "toggle"];

function nextFrame(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}

function out(): HTMLElement {
  return document.getElementById("out")!;
}

function block(format: BlockFormat, value: Block["value"]): Block {
  return { name: "payload", label: "Payload", format, value, role: "content" };
}

interface Found { idx: number; format: string; problems: string[] }

const api = {
  /** Render every payload as html, as markdown and inline in markdown prose into the live page; returns how many blocks. */
  renderAll(payloads: string[]): number {
    const ctx: RenderContext = { allowRemote: false };
    let n = 0;
    payloads.forEach((payload, idx) => {
      for (const [way, format, value] of [
        ["html", "html", payload],
        ["markdown", "markdown", payload],
        ["markdown-inline", "markdown", `Intro with **bold** and ${payload} in the middle.\n\n- item ${payload}`],
      ] as const) {
        const holder = document.createElement("div");
        holder.className = "case";
        holder.dataset["idx"] = String(idx);
        holder.dataset["format"] = way;
        holder.append(renderBlock(block(format, value), ctx));
        out().append(holder);
        n += 1;
      }
    });
    return n;
  },

  /** Fire user-like events at every rendered element. */
  poke(): number {
    let n = 0;
    for (const el of Array.from(out().querySelectorAll(".case *"))) {
      if (el.classList.contains("rw-remote-allow")) continue;
      for (const type of POKES) {
        el.dispatchEvent(new Event(type, { bubbles: true, cancelable: true }));
        n += 1;
      }
      if (el instanceof HTMLElement || el instanceof SVGElement) el.focus?.();
    }
    return n;
  },

  /** Structural problems per rendered case, in the live (Chromium-parsed) DOM. */
  violations(): Found[] {
    const found: Found[] = [];
    for (const holder of Array.from(out().querySelectorAll<HTMLElement>(".case"))) {
      const problems = findViolations(holder);
      if (problems.length) found.push({ idx: Number(holder.dataset["idx"]), format: holder.dataset["format"]!, problems });
    }
    return found;
  },

  marks(): string[] {
    return [...marks];
  },

  clear(): void {
    out().replaceChildren();
    marks.length = 0;
  },

  /** One block whose placeholder button re-renders it with remote loads allowed. */
  renderRemote(format: BlockFormat, value: Block["value"]): void {
    const holder = document.createElement("div");
    holder.id = "remote";
    const draw = (allowRemote: boolean): void => {
      holder.replaceChildren(renderBlock(block(format, value), { allowRemote, onAllowRemote: () => draw(true) }));
    };
    draw(false);
    out().append(holder);
  },

  /** A block in a fixed-size frame, for containment checks. */
  renderBoxed(format: BlockFormat, value: Block["value"]): void {
    const frame = document.createElement("div");
    frame.id = "frame";
    frame.style.cssText = "margin: 200px 0 0 200px; width: 300px;";
    frame.append(renderBlock(block(format, value), { allowRemote: false }));
    out().append(frame);
  },

  /** Where the time goes for one markdown render: parse + KaTeX, sanitize, insert + style + layout (ms). */
  profileMarkdown(src: string): Record<string, number> {
    out().replaceChildren();
    const t0 = performance.now();
    const html = markdownToHtml(src);
    const t1 = performance.now();
    const fragment = sanitizeHtml(html, { allowRemote: false });
    const t2 = performance.now();
    out().append(fragment);
    void out().getBoundingClientRect().height;
    const t3 = performance.now();
    return { markdown: t1 - t0, sanitize: t2 - t1, layout: t3 - t2, htmlChars: html.length };
  },

  /** Milliseconds from the render call until the next frame is produced (what a rater waits for). */
  async timeToFrame(src: string): Promise<number> {
    out().replaceChildren();
    await nextFrame();
    const start = performance.now();
    out().append(renderBlock(block("markdown", src), { allowRemote: false }));
    await nextFrame();
    return performance.now() - start;
  },
};

w["rwXss"] = api;
