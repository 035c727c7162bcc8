// The one HTML sanitizer: a single configured DOMPurify instance plus hooks
// for the URL, CSS and remote-load policy (policy.ts).
//
// DOMPurify parses into an inert document (DOMParser): nothing there runs or
// loads. The hooks strip remote sources while the nodes are still inert, and
// the result is returned as DOM (never re-serialized, so no mXSS round trip)
// and only then adopted into the live document.

import DOMPurify, { type Config, type DOMPurify as Purifier } from "dompurify";

import { docOf, type RenderContext } from "./context";
import { errorPlaceholder, remotePlaceholder, type BlockedRemote } from "./placeholder";
import {
  classifyMedia,
  filterClasses,
  normalizeUrl,
  safeForeignAttr,
  safeLinkHref,
  safeStyle,
  type MediaKind,
} from "./policy";

const HTML_NS = "http://www.w3.org/1999/xhtml";
/** DOMPurify prefixes content ids with this (SANITIZE_NAMED_PROPS), so same-SVG refs must follow. */
const ID_PREFIX = "user-content-";

const CONFIG: Config = {
  USE_PROFILES: { html: true, svg: true, svgFilters: true, mathMl: true },
  // MathML's <semantics>/<annotation> (TeX source, never shown) as KaTeX and
  // other tools emit them. annotation-xml stays forbidden: it is the HTML
  // integration point behind the MathML mXSS family.
  ADD_TAGS: ["semantics", "annotation"],
  ADD_ATTR: ["encoding", "alttext", "data-rw-map"],
  FORBID_TAGS: [
    "script", "style", "link", "meta", "base", "title", "iframe", "frame", "frameset",
    "object", "embed", "applet", "portal", "fencedframe", "form", "input", "button",
    "select", "option", "optgroup", "textarea", "datalist", "output", "keygen", "isindex",
    "template", "slot", "noscript", "noembed", "noframes", "xmp", "plaintext", "listing",
    "source", "track", "picture", "dialog", "annotation-xml", "foreignobject", "use",
  ],
  FORBID_ATTR: [
    // loads or submits
    "srcset", "ping", "action", "formaction", "background", "lowsrc", "dynsrc", "longdesc",
    "usemap", "crossorigin", "integrity", "referrerpolicy", "attributionsrc", "download",
    // steals focus, keys or the top layer from the widget
    "autofocus", "accesskey", "tabindex", "contenteditable", "popover", "popovertarget",
    "popovertargetaction", "command", "commandfor", "autoplay",
    // shadow DOM / page styling hooks
    "slot", "part", "exportparts", "nonce", "is",
  ],
  // data-* would reach page behaviour, e.g. JupyterLab runs a command for any
  // click on an element with data-commandlinker-command
  ALLOW_DATA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false,
  // content ids get a prefix: no DOM clobbering, no clash with the widget's own ids
  SANITIZE_NAMED_PROPS: true,
  // leading <meta>/<style> would otherwise be parsed into <head> and vanish unseen
  FORCE_BODY: true,
  KEEP_CONTENT: true,
  RETURN_DOM_FRAGMENT: true,
};

/** Plain-text attributes: never parsed as CSS or URLs, so TeX backslashes are fine. */
const TEXT_ATTRS = new Set(["alttext", "alt", "title", "aria-label", "aria-description"]);

/** State of the sanitize call in progress (sanitize is synchronous, so one at a time). */
interface Run {
  allowRemote: boolean;
  blocked: Array<BlockedRemote & { el: Element }>;
}

let run: Run | null = null;
let purifier: Purifier | null = null;

function instance(ctx: RenderContext): Purifier {
  if (purifier === null) {
    const win = ctx.doc?.defaultView ?? window;
    const p = DOMPurify(win);
    p.setConfig(CONFIG);
    p.addHook("uponSanitizeAttribute", (node, event) => {
      const keep = checkAttribute(node, event.attrName, event.attrValue);
      if (keep === null) event.keepAttr = false;
      else event.attrValue = keep;
    });
    p.addHook("afterSanitizeAttributes", finishElement);
    purifier = p;
  }
  return purifier;
}

/**
 * Sanitize an untrusted HTML string into a fragment of `ctx.doc` (default:
 * the page). Script never runs; links are limited to http(s)/mailto and open
 * in a new tab; remote images become placeholders unless `ctx.allowRemote`.
 *
 * Example: `el.append(sanitizeHtml('<b>hi</b><img src=x onerror=alert(1)>', {allowRemote: false}))`.
 */
export function sanitizeHtml(html: string, ctx: RenderContext): DocumentFragment {
  const p = instance(ctx);
  const current: Run = { allowRemote: ctx.allowRemote === true, blocked: [] };
  run = current;
  let fragment: DocumentFragment | null;
  try {
    // setConfig(CONFIG) asked for a DocumentFragment; the typings only know per-call configs
    fragment = p.sanitize(String(html)) as unknown as DocumentFragment | null;
  } finally {
    run = null;
  }
  const doc = docOf(ctx);
  if (!fragment) {
    // the parse produced no body at all (a leading <frameset>): fail closed, visibly
    const empty = doc.createDocumentFragment();
    empty.append(errorPlaceholder("This HTML could not be displayed safely.", ctx));
    return empty;
  }
  const live = doc.adoptNode(fragment);
  for (const blocked of current.blocked) {
    if (live.contains(blocked.el)) {
      const alt = blocked.el.getAttribute("alt") ?? blocked.el.getAttribute("title") ?? "";
      blocked.el.replaceWith(remotePlaceholder({ host: blocked.host, kind: blocked.kind, alt }, ctx));
    }
  }
  return live;
}

/** The value to keep for an attribute (possibly rewritten), or null to drop it. */
function checkAttribute(node: Element, name: string, value: string): string | null {
  const tag = node.localName.toLowerCase();
  const html = node.namespaceURI === HTML_NS;
  if (name === "style") return safeStyle(value) ? value : null;
  if (name === "class") return filterClasses(value);
  if (name === "href" || name === "xlink:href") return checkHref(tag, html, value);
  if (name === "src" || name === "poster") return checkSource(node, tag, html, name, value);
  if (!html && !TEXT_ATTRS.has(name)) {
    if (!safeForeignAttr(value)) return null;
    return value.replace(/url\(\s*(['"]?)#(?!user-content-)/gi, `url($1#${ID_PREFIX}`);
  }
  return value;
}

function checkHref(tag: string, html: boolean, value: string): string | null {
  if (tag === "a" || tag === "area") return safeLinkHref(value);
  if (html) return null;
  if (tag === "image" || tag === "feimage") {
    const media = classifyMedia(value, "raster");
    // remote SVG images are dropped, not placeheld: they sit inside a drawing
    return media.kind === "data" ? media.src : null;
  }
  // other SVG references (gradients, text paths) may only point inside the same SVG
  const ref = normalizeUrl(value);
  if (!/^#[\w.:-]+$/.test(ref)) return null;
  return ref.startsWith(`#${ID_PREFIX}`) ? ref : `#${ID_PREFIX}${ref.slice(1)}`;
}

function checkSource(node: Element, tag: string, html: boolean, name: string, value: string): string | null {
  if (!html) return null;
  const kind: MediaKind | null =
    tag === "img" ? "img" : tag === "video" ? "video" : tag === "audio" ? "audio" : null;
  if (kind === null) return null;
  if (name === "poster") {
    const poster = classifyMedia(value, "raster");
    return kind === "video" && poster.kind === "data" ? poster.src : null;
  }
  const media = classifyMedia(value, kind);
  if (media.kind === "data") return media.src;
  if (media.kind === "blocked" || run === null) return null;
  if (run.allowRemote) return media.src;
  // not even briefly on a live element: dropped here, in the inert document
  run.blocked.push({ el: node, host: media.host, kind: kind === "img" ? "image" : kind, alt: "" });
  return null;
}

/** Link targets and media defaults, set after DOMPurify's own checks. */
function finishElement(node: Element): void {
  const tag = node.localName.toLowerCase();
  if (tag === "a" || tag === "area") {
    if (node.hasAttribute("href") || node.hasAttribute("xlink:href")) {
      node.setAttribute("target", "_blank");
      node.setAttribute("rel", "noopener noreferrer nofollow");
    } else {
      node.removeAttribute("target");
      node.removeAttribute("rel");
    }
  } else if (node.namespaceURI === HTML_NS && (tag === "img" || tag === "video" || tag === "audio")) {
    node.setAttribute("referrerpolicy", "no-referrer");
    if (tag !== "img") {
      node.setAttribute("controls", "");
      node.setAttribute("preload", "none");
    }
  }
}
