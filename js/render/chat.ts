// Chat transcripts: one bubble per message, with a role badge.

import type { ChatMessage } from "../protocol";
import { contentBox, docOf, type RenderContext } from "./context";
import { renderMarkdown } from "./markdown";

/** Role spellings of common chat formats, folded onto the four styled roles. */
const ROLE_STYLE: Record<string, "system" | "user" | "assistant" | "tool"> = {
  system: "system", developer: "system",
  user: "user", human: "user",
  assistant: "assistant", ai: "assistant", model: "assistant", bot: "assistant",
  tool: "tool", function: "tool", ipython: "tool", observation: "tool",
};

/**
 * Render a conversation: each message gets a role badge (and its `name`, if
 * any) and its content as sanitized markdown. Tool messages are shown
 * literally in monospace, since tool output is usually JSON or logs that
 * markdown would reflow.
 *
 * Example: `renderChat([{role: "user", content: "Hi"}, {role: "assistant", content: "**Hello**"}], ctx)`.
 */
export function renderChat(messages: ChatMessage[], ctx: RenderContext): HTMLElement {
  const list = contentBox(docOf(ctx), "div", "rw-chat");
  list.setAttribute("role", "list");
  list.setAttribute("aria-label", "Conversation");
  for (const message of Array.isArray(messages) ? messages : []) {
    list.append(renderMessage(message, ctx));
  }
  return list;
}

function renderMessage(message: ChatMessage, ctx: RenderContext): HTMLElement {
  const doc = docOf(ctx);
  const role = typeof message?.role === "string" && message.role ? message.role : "unknown";
  const style = ROLE_STYLE[role.toLowerCase()] ?? "other";
  const name = typeof message?.name === "string" && message.name ? message.name : null;

  const item = doc.createElement("div");
  item.className = `rw-msg rw-msg--${style}`;
  item.setAttribute("role", "listitem");
  item.setAttribute("aria-label", name ? `${role} (${name})` : role);

  const head = doc.createElement("div");
  head.className = "rw-msg-head";
  const badge = doc.createElement("span");
  badge.className = "rw-role-badge";
  badge.textContent = role;
  head.append(badge);
  if (name) {
    const who = doc.createElement("span");
    who.className = "rw-msg-name";
    who.setAttribute("dir", "auto");
    who.textContent = name;
    head.append(who);
  }
  item.append(head);

  const content = message?.content;
  const text = typeof content === "string" ? content : JSON.stringify(content ?? "", null, 2);
  let body: HTMLElement;
  if (style === "tool" || typeof content !== "string") {
    body = contentBox(doc, "div", "rw-text rw-msg-tool");
    body.textContent = text;
  } else {
    body = renderMarkdown(text, ctx);
  }
  body.classList.add("rw-msg-body");
  item.append(body);
  return item;
}
