// A tiny element builder for the widget's own chrome (buttons, labels, bars).
// Never used for item content: that goes through js/render only. Children given as
// strings become text nodes, so nothing here can inject markup.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Array<Child | Child[]>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2).toLowerCase(), value as EventListener);
    } else if (key === "class") {
      el.className = String(value);
    } else if (value === true) {
      el.setAttribute(key, "");
    } else {
      el.setAttribute(key, String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** A key badge shown on a control, e.g. <kbd>1</kbd>. */
export function kbd(key: string | null | undefined): HTMLElement | null {
  if (!key) return null;
  return h("kbd", { class: "rw-kbd", "aria-hidden": "true" }, keyLabel(key));
}

export function keyLabel(key: string): string {
  const names: Record<string, string> = {
    Enter: "⏎", Backspace: "⌫", ArrowLeft: "←", ArrowRight: "→", ArrowUp: "↑",
    ArrowDown: "↓", Escape: "Esc", " ": "Space",
  };
  return names[key] ?? key;
}
