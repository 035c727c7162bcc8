// The XSS corpus (tests/xss/payloads.txt) through the real renderer in jsdom:
// every payload, as HTML, as markdown and inline in markdown prose, must come out with nothing that
// could run script or load a remote resource. The same payloads run in real
// Chromium in tests/xss/test_xss_chromium.py.

import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

import type { Block } from "../../js/protocol";
import { renderBlock } from "../../js/render/index";
import { findViolations } from "../xss/checks";

const corpus = readFileSync(join(dirname(fileURLToPath(import.meta.url)), "../xss/payloads.txt"), "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "" && !line.startsWith("#"))
  .map((line) => line.replace(/⏎/g, "\n"));

/** How a payload is fed: as an HTML item, as a markdown item, and inline inside markdown prose. */
const WAYS = {
  html: (p: string): Block => ({ name: "x", label: "X", format: "html", value: p, role: "content" }),
  markdown: (p: string): Block => ({ name: "x", label: "X", format: "markdown", value: p, role: "content" }),
  "markdown-inline": (p: string): Block => ({
    name: "x", label: "X", format: "markdown", value: `Intro with **bold** and ${p} in the middle.\n\n- item ${p}`, role: "content",
  }),
};

function render(payload: string, way: keyof typeof WAYS): HTMLElement {
  return renderBlock(WAYS[way](payload), { allowRemote: false });
}

/** The tree after a serialize/parse round trip: what anyone copying innerHTML would get. */
function reparsed(el: HTMLElement): HTMLElement {
  const template = document.createElement("template");
  template.innerHTML = el.outerHTML;
  return template.content.firstElementChild as HTMLElement;
}

describe("XSS corpus", () => {
  test("is broad", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(150);
  });

  test("the checks catch unsanitized payloads (so a pass means something)", () => {
    const raw = document.createElement("div");
    raw.innerHTML =
      '<img src=x onerror=alert(1)><a href="jav&#x09;ascript:alert(1)">x</a><iframe></iframe>' +
      '<div style="position:fixed">o</div><img src="http://evil.example/a.png"><p data-commandlinker-command="x">';
    const problems = findViolations(raw);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("event handler onerror"),
        expect.stringContaining("script URL in href"),
        expect.stringContaining("forbidden element <iframe>"),
        expect.stringContaining("escapes its box"),
        expect.stringContaining("remote src"),
        expect.stringContaining("data attribute data-commandlinker-command"),
      ]),
    );
  });

  for (const format of Object.keys(WAYS) as Array<keyof typeof WAYS>) {
    test.each(corpus.map((p, i) => [i, p] as const))(`${format} payload %i is inert`, (_i, payload) => {
      const el = render(payload, format);
      expect(findViolations(el), payload).toEqual([]);
      expect(findViolations(reparsed(el)), `${payload} (after a serialize/parse round trip)`).toEqual([]);
    });
  }
});
