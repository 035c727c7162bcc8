// URL and CSS policy for untrusted content: pure string functions, no DOM.
//
// The sanitizer hooks (sanitize.ts) call these for every URL-bearing or style
// attribute. They decide on the value the browser itself would use: the URL
// parser strips tabs/newlines anywhere and C0 controls/spaces at the ends, so
// "jav&#x09;ascript:" (decoded by the HTML parser to a tab) is judged as
// "javascript:" here too.

/** Schemes a rater may follow from content (opened in a new tab). */
const LINK_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/** Raster image types a data: URL may carry; svg+xml only where an SVG cannot script (img). */
const DATA_IMAGE = /^data:image\/(?:png|jpe?g|gif|webp)[;,]/i;
const DATA_SVG_IMAGE = /^data:image\/svg\+xml[;,]/i;
const DATA_MEDIA = /^data:(?:audio|video)\/[\w.+-]+[;,]/i;

/** CSS functions and keywords that fetch, execute or escape the content box. */
const CSS_DENY = [
  "url(", "image(", "image-set(", "cross-fade(", "element(", "src(", "paint(",
  "expression(", "@import", "behavior:", "-moz-binding", "javascript:",
  "position:fixed", "position:sticky", "position:-webkit-sticky",
];

/**
 * The URL a browser would use for an attribute value.
 *
 * Example: `normalizeUrl(" jav\tascript:x ")` -> `"javascript:x"`.
 */
export function normalizeUrl(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\t\n\r]/g, "").replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "");
}

/**
 * A link target that may be followed, or null. Only absolute http, https and
 * mailto URLs pass; relative and fragment links are dropped because content is
 * shown inside JupyterLab, where they would resolve against the Jupyter server.
 *
 * Example: `safeLinkHref("https://a.example/x")` -> `"https://a.example/x"`;
 * `safeLinkHref("javascript:alert(1)")` -> `null`.
 */
export function safeLinkHref(value: string): string | null {
  const url = parseAbsolute(normalizeUrl(value));
  return url !== null && LINK_PROTOCOLS.has(url.protocol) ? url.href : null;
}

/** What a media source attribute would load. */
export type MediaSource =
  | { kind: "data"; src: string }
  | { kind: "remote"; src: string; host: string }
  | { kind: "blocked" };

/** Which element a media URL is for: decides which data: types are allowed ("raster": a video poster or an SVG <image>). */
export type MediaKind = "img" | "raster" | "video" | "audio";

/**
 * Classify an image/media URL: an inline data: URL of an allowed type, a
 * remote http(s) URL (blocked until the rater allows it), or anything else
 * (relative, blob:, javascript:, data:text/html ...), which never loads.
 *
 * Example: `classifyMedia("https://cdn.example/a.png", "img")` ->
 * `{kind: "remote", src: "https://cdn.example/a.png", host: "cdn.example"}`.
 */
export function classifyMedia(value: string, kind: MediaKind): MediaSource {
  const src = normalizeUrl(value);
  if (/^data:/i.test(src)) {
    // an SVG document only as an <img>, where it can never run script
    const ok =
      kind === "video" || kind === "audio"
        ? DATA_MEDIA.test(src)
        : DATA_IMAGE.test(src) || (kind === "img" && DATA_SVG_IMAGE.test(src));
    return ok ? { kind: "data", src } : { kind: "blocked" };
  }
  // protocol-relative "//host/x.png" would load over the page's scheme: treat as https
  const url = parseAbsolute(src.startsWith("//") ? `https:${src}` : src);
  if (url !== null && (url.protocol === "http:" || url.protocol === "https:") && url.hostname) {
    return { kind: "remote", src: url.href, host: url.hostname };
  }
  return { kind: "blocked" };
}

/**
 * True when `value` is a data:image URL an `<img>` may show (png, jpeg, gif,
 * webp, svg+xml).
 *
 * Example: `isSafeDataImage("data:image/png;base64,iVBOR...")` -> `true`.
 */
export function isSafeDataImage(value: string): boolean {
  return classifyMedia(value, "img").kind === "data";
}

/**
 * True when an inline `style` attribute is harmless: it loads nothing, runs
 * nothing and cannot pin content outside its box. Any CSS escape (`\`) is
 * refused outright, since escapes could spell a denied word in disguise.
 *
 * Example: `safeStyle("color: red")` -> `true`; `safeStyle("background:url(//x)")` -> `false`.
 */
export function safeStyle(value: string): boolean {
  if (value.includes("\\")) return false;
  const compact = stripCssComments(value).replace(/\s+/g, "").toLowerCase();
  return !CSS_DENY.some((word) => compact.includes(word));
}

/**
 * True when an SVG/MathML attribute value is harmless. SVG presentation
 * attributes are parsed as CSS, so `url(...)` may only point inside the same
 * SVG (`fill="url(#grad)"`): external SVG resources would be fetched. CSS
 * escapes are refused as in `safeStyle`.
 *
 * Example: `safeForeignAttr("url(#g)")` -> `true`; `safeForeignAttr("url(http://x/a.svg#g)")` -> `false`.
 */
export function safeForeignAttr(value: string): boolean {
  if (value.includes("\\")) return false;
  const compact = stripCssComments(value).replace(/\s+/g, "").toLowerCase();
  if (CSS_DENY.some((word) => word !== "url(" && compact.includes(word))) return false;
  let at = compact.indexOf("url(");
  while (at >= 0) {
    const arg = compact.slice(at + 4).replace(/^['"]/, "");
    if (!arg.startsWith("#")) return false;
    at = compact.indexOf("url(", at + 4);
  }
  return true;
}

/** Class prefixes owned by the page (JupyterLab, Lumino, this package): content may not borrow them. */
const RESERVED_CLASS = /^(?:jp-|lm-|p-|rw-|jupyter-|widget-)/i;

/**
 * Drop class names that would make content pick up the page's own styles.
 *
 * Example: `filterClasses("note jp-Dialog")` -> `"note"`.
 */
export function filterClasses(value: string): string {
  return value
    .split(/\s+/)
    .filter((c) => c !== "" && !RESERVED_CLASS.test(c))
    .join(" ");
}

function stripCssComments(value: string): string {
  return value.replace(/\/\*[\s\S]*?(?:\*\/|$)/g, "");
}

function parseAbsolute(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}
