// Allowlist HTML sanitizer for article and snippet HTML. The server already cleans it, but the
// widget trusts nothing: it parses into an inert document and rebuilds only allowed nodes.

const ALLOWED = new Set(
  "p a strong em b i ul ol li br code pre h1 h2 h3 h4 h5 h6 blockquote".split(" "),
);
/** Dropped together with everything inside them (other unknown tags are unwrapped). */
const DROP = new Set(
  "script style template iframe frame frameset object embed noscript svg math textarea select button form input head title link meta base audio video canvas".split(
    " ",
  ),
);
const SAFE_PROTOCOLS = ["http:", "https:", "mailto:"];

/** `raw` resolved against the page, or null unless it is http, https or mailto. */
export function safeUrl(raw: string | null | undefined): string | null {
  if (!raw) return null;
  try {
    const url = new URL(raw.trim(), location.href);
    return SAFE_PROTOCOLS.indexOf(url.protocol) >= 0 ? url.href : null;
  } catch {
    return null;
  }
}

/** Parses `html` without running anything and returns a clean fragment; `allowed` narrows the tags. */
export function sanitize(html: string, allowed: Set<string> = ALLOWED): DocumentFragment {
  const parsed = new DOMParser().parseFromString("<body>" + html, "text/html");
  const out = document.createDocumentFragment();
  copyChildren(parsed.body, out, allowed, 0);
  return out;
}

function copyChildren(from: Node, to: Node, allowed: Set<string>, depth: number): void {
  if (depth > 32) return;
  for (let node = from.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 3) {
      to.appendChild(document.createTextNode(node.nodeValue || ""));
      continue;
    }
    if (node.nodeType !== 1) continue; // comments, processing instructions
    const tag = (node as Element).localName;
    if (DROP.has(tag)) continue;
    if (!allowed.has(tag)) {
      copyChildren(node, to, allowed, depth + 1);
      continue;
    }
    const clean = document.createElement(tag);
    if (tag === "a") {
      const href = safeUrl((node as Element).getAttribute("href"));
      if (href) {
        clean.setAttribute("href", href);
        clean.setAttribute("target", "_blank");
        clean.setAttribute("rel", "noopener noreferrer nofollow");
      }
    }
    copyChildren(node, clean, allowed, depth + 1);
    to.appendChild(clean);
  }
}

/** Snippets carry escaped text with `<b>` highlights only. */
export const SNIPPET_TAGS = new Set(["b"]);
