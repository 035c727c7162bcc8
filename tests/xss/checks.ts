// Structural checks on rendered content, shared by the jsdom suite
// (tests/js/render_xss.test.ts) and the Chromium page (tests/xss/page.ts):
// a rendered tree passes when nothing in it could run script, load a remote
// resource, or escape its box.

/** Elements that can run script, load resources, submit, or leave the content box. */
const FORBIDDEN_ELEMENTS = new Set([
  "script", "iframe", "frame", "frameset", "object", "embed", "applet", "portal", "form",
  "input", "select", "textarea", "keygen", "isindex", "base", "meta", "link", "style",
  "template", "noscript", "source", "track", "picture", "dialog", "use", "foreignobject",
  "annotation-xml", "animate", "set", "handler", "font-face-uri", "slot",
]);

/** Attributes that load, submit, steal focus/keys, or reach page behaviour. */
const FORBIDDEN_ATTRIBUTES = new Set([
  "srcset", "ping", "action", "formaction", "background", "srcdoc", "dynsrc", "lowsrc",
  "autofocus", "accesskey", "tabindex", "popover", "popovertarget", "attributionsrc",
  "contenteditable", "is", "data", "code", "codebase", "autoplay", "download",
]);

/** data-* attributes the renderer itself sets. */
const OWN_DATA_ATTRIBUTES = new Set(["data-rw-map", "data-rw-host", "data-rw-block"]);

const SCRIPT_SCHEME = /^(?:javascript|vbscript|livescript):/i;

function browserUrl(value: string): string {
  // what the URL parser would see: tabs/newlines dropped, C0 and space trimmed
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\t\n\r]/g, "").replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "");
}

function compactCss(value: string): string {
  return value.replace(/\/\*[\s\S]*?(?:\*\/|$)/g, "").replace(/\s+/g, "").toLowerCase();
}

/**
 * Every problem found in `root` (empty when it is safe). `allowRemote` says
 * whether http(s) media sources are expected (the rater allowed them).
 */
export function findViolations(root: ParentNode, allowRemote = false): string[] {
  const problems: string[] = [];
  for (const el of Array.from(root.querySelectorAll("*"))) {
    const tag = el.localName.toLowerCase();
    const where = `<${el.localName}>`;
    const ownButton = tag === "button" && el.classList.contains("rw-remote-allow");
    if (FORBIDDEN_ELEMENTS.has(tag) || (tag === "button" && !ownButton)) {
      problems.push(`forbidden element ${where}`);
    }
    if (tag === "a" || tag === "area") {
      const href = el.getAttribute("href") ?? el.getAttribute("xlink:href");
      if (href !== null) {
        if (el.getAttribute("target") !== "_blank") problems.push(`${where} link without target=_blank`);
        const rel = (el.getAttribute("rel") ?? "").split(/\s+/);
        if (!rel.includes("noopener") || !rel.includes("noreferrer")) problems.push(`${where} link without rel=noopener noreferrer`);
        if (!/^(?:https?|mailto):/i.test(browserUrl(href))) problems.push(`${where} link to ${JSON.stringify(href)}`);
      }
    }
    for (const attr of Array.from(el.attributes)) {
      const name = attr.name.toLowerCase();
      const value = attr.value;
      const url = browserUrl(value);
      if (name.startsWith("on")) problems.push(`${where} event handler ${name}`);
      if (FORBIDDEN_ATTRIBUTES.has(name)) problems.push(`${where} forbidden attribute ${name}`);
      if (name.startsWith("data-") && !OWN_DATA_ATTRIBUTES.has(name)) problems.push(`${where} data attribute ${name}`);
      if (name === "class" && /(?:^|\s)(?:jp-|lm-)/i.test(value)) problems.push(`${where} page class ${value}`);
      if (name === "class" && /(?:^|\s)rw-/.test(value) && el.parentElement?.closest(".rw-md, .rw-html") && !el.closest("span.rw-remote-placeholder, div.rw-error-placeholder[role=note]")) {
        problems.push(`${where} renderer class ${value} inside content`);
      }
      if (SCRIPT_SCHEME.test(url)) problems.push(`${where} script URL in ${name}`);
      if (/^data:/i.test(url)) {
        const imageOk = /^data:image\/(?:png|jpe?g|gif|webp)[;,]/i.test(url) ||
          (tag === "img" && /^data:image\/svg\+xml[;,]/i.test(url));
        const mediaOk = (tag === "video" || tag === "audio") && /^data:(?:video|audio)\//i.test(url);
        if (!(name === "src" || name === "href" || name === "xlink:href" || name === "poster") || !(imageOk || mediaOk)) {
          problems.push(`${where} data: URL in ${name}: ${url.slice(0, 40)}`);
        }
      }
      if ((name === "src" || name === "poster") && /^(?:https?:)?\/\//i.test(url) && !allowRemote) {
        problems.push(`${where} remote ${name} ${url}`);
      }
      if ((name === "href" || name === "xlink:href") && tag !== "a" && tag !== "area" && !url.startsWith("#") && !/^data:image\//i.test(url)) {
        problems.push(`${where} reference ${name}=${url}`);
      }
      if (name === "style") {
        const css = compactCss(value);
        if (value.includes("\\") || /(?:url|image|image-set|expression|src|element|cross-fade)\(|@import|behavior:|binding/.test(css)) {
          problems.push(`${where} style that may load: ${value}`);
        }
        if (/position:(?:-webkit-)?(?:fixed|sticky)/.test(css)) problems.push(`${where} style escapes its box: ${value}`);
      }
      if (name !== "style" && el.namespaceURI !== "http://www.w3.org/1999/xhtml" && /url\(\s*['"]?(?!#)/i.test(compactCss(value))) {
        problems.push(`${where} external url() in ${name}`);
      }
    }
  }
  return problems;
}
