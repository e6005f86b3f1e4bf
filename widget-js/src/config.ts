// Embed options, read once from the widget's own <script> tag (data-* attributes).
// The API origin defaults to the script's own origin so `<script src=HOST/widget.js>` just works.

export type Position = "left" | "right";

export interface Options {
  site: string;
  /** API base URL without a trailing slash, e.g. `https://help.example.com`. */
  api: string;
  locale?: string;
  accent?: string;
  position: Position;
  title?: string;
  greeting?: string;
  /** From `data-customer-*` attributes; `data-customer-account-id` becomes `account_id`. */
  customer: Record<string, string>;
}

/** The tag that loaded us: `currentScript` when run synchronously, else a best guess. */
export function findScript(): HTMLScriptElement | null {
  const current = document.currentScript;
  if (current instanceof HTMLScriptElement) return current;
  return document.querySelector<HTMLScriptElement>('script[data-site][src*="widget"]');
}

export function readOptions(script: HTMLScriptElement | null): Options | null {
  const data = script ? script.dataset : {};
  const site = (data.site || "").trim();
  if (!site) return null;
  let api = data.api || "";
  if (!api) {
    try {
      api = new URL(script!.src, location.href).origin;
    } catch {
      api = location.origin;
    }
  }
  const customer: Record<string, string> = {};
  if (script) {
    for (const attr of Array.from(script.attributes)) {
      const key = attr.name.match(/^data-customer-(.+)$/);
      if (key) customer[key[1].replace(/-/g, "_")] = attr.value;
    }
  }
  return {
    site,
    api: api.replace(/\/+$/, ""),
    locale: data.locale,
    accent: data.accent,
    position: data.position === "left" ? "left" : "right",
    title: data.title,
    greeting: data.greeting,
    customer,
  };
}
