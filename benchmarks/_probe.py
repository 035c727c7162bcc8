"""In-page timing: the clock runs in the browser, never in Python.

``arm`` installs a probe on one element: the first trusted ``keydown`` / ``click`` inside
it (or, with ``start="now"``, the moment of arming) starts the clock at the event's
``timeStamp``; after each DOM change (a MutationObserver) the named conditions are checked
in the next ``requestAnimationFrame`` callback, which notes ``dom`` (the frame that will
show the change has started), then a message-channel task notes ``visible`` (that frame
has been produced: the usual "next paint" approximation). Conditions are data, not
code::

    {"next": {"sel": ".rw-item-content", "text": "ITEM-000002"},
     "saved": {"sel": ".rw-saved", "cls": "rw-saved-saved", "attr": {"title": "item 1"}}}

``result`` waits for every condition (or the timeout) and returns milliseconds since the
start, plus the longest main-thread task seen meanwhile (PerformanceObserver ``longtask``,
tasks over 50 ms only).
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Locator, Page

PROBE_JS = r"""
() => {
  if (window.__rwBench) return;
  const probes = new Map();
  let nextId = 0;
  let longest = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longest.push([e.startTime, e.duration]);
    }).observe({ type: "longtask", buffered: false });
  } catch (e) { /* no longtask API: leave it empty */ }

  function met(root, c) {
    const nodes = c.sel ? root.querySelectorAll(c.sel) : [root];
    for (const el of nodes) {
      if (c.text !== undefined && !(el.textContent || "").includes(c.text)) continue;
      if (c.cls !== undefined && !el.classList.contains(c.cls)) continue;
      let ok = true;
      for (const [k, v] of Object.entries(c.attr || {})) {
        if (el.getAttribute(k) !== v) { ok = false; break; }
      }
      if (ok) return true;
    }
    return false;
  }

  window.__rwBench = {
    arm(root, conds, opts) {
      const id = ++nextId;
      const st = { t0: null, armedAt: performance.now(), marks: {}, early: [], left: 0,
                   startEvent: null };
      const names = Object.keys(conds);
      st.left = names.length;
      let resolve;
      st.done = new Promise((r) => { resolve = r; });
      const finish = () => {
        obs.disconnect();
        window.removeEventListener("keydown", onEvent, true);
        window.removeEventListener("click", onEvent, true);
        clearTimeout(timer);
        resolve();
      };
      // Conditions are checked once per animation frame, in a requestAnimationFrame
      // callback, not on every mutation: a long item's textContent is expensive to
      // read, and reading it per mutation would slow the very render we time.
      let scheduled = false;
      const check = () => {
        scheduled = false;
        if (st.t0 === null) return;
        const now = performance.now();
        for (const n of names) {
          if (st.marks[n] || !met(root, conds[n])) continue;
          const mark = { dom: now - st.t0, visible: null };
          st.marks[n] = mark;
          const ch = new MessageChannel();  // runs once this frame has been produced
          ch.port1.onmessage = () => {
            mark.visible = performance.now() - st.t0;
            st.left -= 1;
            if (st.left === 0) finish();
          };
          ch.port2.postMessage(null);
        }
      };
      const schedule = () => {
        if (!scheduled) { scheduled = true; requestAnimationFrame(check); }
      };
      const onEvent = (e) => {
        if (st.t0 !== null || !e.isTrusted || !root.contains(e.target)) return;
        if (opts.event && e.type !== opts.event) return;
        st.t0 = e.timeStamp;
        st.startEvent = e.type + ":" + (e.key || "");
        for (const n of names) if (met(root, conds[n])) st.early.push(n);
      };
      const obs = new MutationObserver(schedule);
      obs.observe(root, { subtree: true, childList: true, characterData: true,
                          attributes: true });
      if (opts.start === "now") {
        st.t0 = st.armedAt;
        for (const n of names) if (met(root, conds[n])) st.early.push(n);
        schedule();
      } else {
        window.addEventListener("keydown", onEvent, true);
        window.addEventListener("click", onEvent, true);
      }
      const timer = setTimeout(finish, opts.timeout || 10000);
      probes.set(id, st);
      return id;
    },
    async result(id) {
      const st = probes.get(id);
      await st.done;
      probes.delete(id);
      const t0 = st.t0 === null ? st.armedAt : st.t0;
      const tasks = longest.filter(([s, d]) => s + d >= t0);
      longest = longest.filter(([s, d]) => s + d >= t0 - 60000);
      const marks = {};
      for (const [n, m] of Object.entries(st.marks)) marks[n] = m.visible === null ? null : m;
      return { started: st.t0 !== null, startEvent: st.startEvent, early: st.early, marks,
               longTask: tasks.length ? Math.max(...tasks.map(([, d]) => d)) : 0 };
    },
  };
}
"""


def install(page: Page) -> None:
    """Define ``window.__rwBench`` in ``page`` (again after a reload)."""
    page.evaluate(PROBE_JS)


def arm(
    root: Locator,
    conds: dict[str, dict[str, Any]],
    *,
    start: str = "event",
    event: str | None = None,
    timeout_ms: int = 10_000,
) -> int:
    """Start watching ``root``; returns the probe id for :func:`result`."""
    install(root.page)
    probe_id: int = root.evaluate(
        "(el, a) => window.__rwBench.arm(el, a.conds, a.opts)",
        {"conds": conds, "opts": {"start": start, "event": event, "timeout": timeout_ms}},
    )
    return probe_id


def result(page: Page, probe_id: int) -> dict[str, Any]:
    """Wait for the probe's conditions; ``marks[name]`` is ``{"dom": ms, "visible": ms}``
    (missing when the condition never held before the timeout)."""
    out: dict[str, Any] = page.evaluate("id => window.__rwBench.result(id)", probe_id)
    return out
