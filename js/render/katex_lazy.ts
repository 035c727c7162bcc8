// KaTeX on first use. It is half of the bundle and most items have no math, so the
// bundle carries it as a lazily evaluated CommonJS wrapper (esbuild turns the
// `require` below into a call that runs KaTeX's module body on first use): importing
// the widget no longer pays for KaTeX, and the first formula evaluates it synchronously
// (~30 ms once per page). `warmKatex` does that when the page is idle after the first
// item, so a later item with math does not wait for it either.

import type Katex from "katex";

type KatexApi = typeof Katex;

// esbuild resolves this at build time; the unit tests install KaTeX themselves
declare const require: (id: string) => { default?: KatexApi } & KatexApi;

let katex: KatexApi | null = null;

/** KaTeX, evaluated on the first call. */
export function getKatex(): KatexApi {
  if (katex === null) {
    const mod = require("katex");
    katex = mod.default ?? mod;
  }
  return katex;
}

/** Use this KaTeX module (unit tests, which run as ES modules without `require`). */
export function installKatex(mod: KatexApi): void {
  katex = mod;
}

let warming = false;

/** Evaluate KaTeX when the page is next idle (at most once). */
export function warmKatex(): void {
  if (katex !== null || warming) return;
  warming = true;
  const run = () => {
    try {
      getKatex();
    } catch {
      /* the first formula will report it */
    }
  };
  const idle = (globalThis as { requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => number })
    .requestIdleCallback;
  if (idle) idle(run, { timeout: 2000 });
  else setTimeout(run, 200);
}
