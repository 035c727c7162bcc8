// Stand-ins for content the renderer will not load or cannot show.

import { docOf, type RenderContext } from "./context";

/** A remote load the sanitizer blocked. */
export interface BlockedRemote {
  host: string;
  kind: "image" | "video" | "audio";
  /** the image's alt text, if any: shown so the rater knows what is missing */
  alt: string;
}

/**
 * The placeholder shown instead of a remote image (or video/audio) until the
 * rater allows remote loads for the item. It names the host, loads nothing,
 * and its button calls `ctx.onAllowRemote` (the caller re-renders with
 * `allowRemote: true`).
 *
 * Example: `remotePlaceholder({host: "cdn.example", kind: "image", alt: ""}, ctx)`.
 */
export function remotePlaceholder(blocked: BlockedRemote, ctx: RenderContext): HTMLElement {
  const doc = docOf(ctx);
  const box = doc.createElement("span");
  box.className = "rw-remote-placeholder";
  box.setAttribute("role", "group");
  box.setAttribute("aria-label", `Remote ${blocked.kind} from ${blocked.host}, not loaded`);
  box.setAttribute("data-rw-host", blocked.host);

  const what = doc.createElement("span");
  what.className = "rw-remote-what";
  what.textContent = `Remote ${blocked.kind} not loaded: `;
  const host = doc.createElement("span");
  host.className = "rw-remote-host";
  host.textContent = blocked.host;
  what.append(host);
  box.append(what);

  if (blocked.alt) {
    const alt = doc.createElement("span");
    alt.className = "rw-remote-alt";
    alt.setAttribute("dir", "auto");
    alt.textContent = blocked.alt;
    box.append(alt);
  }

  const button = doc.createElement("button");
  button.type = "button";
  button.className = "rw-remote-allow";
  button.textContent = "Load remote images for this item";
  const allow = ctx.onAllowRemote;
  if (allow) {
    button.addEventListener("click", (event) => {
      event.preventDefault();
      allow();
    });
  } else {
    button.disabled = true;
    button.title = "Remote loads cannot be enabled here";
  }
  box.append(button);
  return box;
}

/**
 * A visible note in place of content that cannot be shown (a bad image value,
 * say), so the rater sees that something is missing and why.
 *
 * Example: `errorPlaceholder("Image cannot be shown: not a data:image URL", ctx)`.
 */
export function errorPlaceholder(message: string, ctx: RenderContext): HTMLElement {
  const box = docOf(ctx).createElement("div");
  box.className = "rw-content rw-error-placeholder";
  box.setAttribute("role", "note");
  box.setAttribute("dir", "auto");
  box.textContent = message;
  return box;
}
