// What goes into the conversation log: chat bubbles (plain text only), answer cards
// (sanitized article HTML + feedback row; restored from history without it), "did you
// mean" choices, and the clarifying choice for vague questions.

import type { Answer, Author, ClarifyOption, FileLink, Suggestion } from "./api";
import { h } from "./dom";
import type { Strings } from "./i18n";
import { safeUrl, sanitize, SNIPPET_TAGS } from "./sanitize";

/**
 * A message from the customer, the assistant or an agent; the body is text, never HTML.
 * Files sent with it follow: images inline, other files as links (the server's signed
 * links, opened in a new tab; the server marks non-images as downloads).
 */
/** A line as a bubble; `html` (an agent's saved reply, rendered by the server) is shown through `sanitize()`, anything else as text. */
export function bubble(t: Strings, author: Author, body: string, name?: string, files?: FileLink[], html?: string | null): HTMLElement {
  const who = author === "customer" ? t.you : author === "agent" ? name || t.agent : t.assistant;
  const shown = (files || []).map(fileLink).filter((node): node is HTMLElement => !!node);
  // The stored line ends with "📎 names"; the files themselves say that.
  const text = shown.length ? body.replace(/\n?📎 [^\n]*$/, "") : body;
  const rich = author === "agent" && !!html;
  const content = rich ? h("div", { class: "rich" }, sanitize(html || "")) : text;
  return h("div", { class: "msg " + author + (shown.length ? " files" : "") }, h("span", { class: "who" }, who), content, ...shown);
}

function fileLink(file: FileLink): HTMLElement | null {
  const url = safeUrl(file.url);
  if (!url) return null;
  const link = { href: url, target: "_blank", rel: "noopener noreferrer", class: "file" };
  if (file.content_type.indexOf("image/") === 0) {
    return h("a", link, h("img", { class: "attachment", src: url, alt: file.file_name }));
  }
  return h("a", link, file.file_name);
}

export function systemLine(text: string): HTMLElement {
  return h("div", { class: "msg system" }, text);
}

/** An answer card; `onFeedback` adds the "Did this help? Yes / No" row. */
export function answerCard(t: Strings, answer: Answer, onFeedback?: (helpful: boolean) => void): HTMLElement {
  const card = h("div", { class: "card", "data-answer": answer.kind + ":" + answer.id });
  return fillCard(t, card, answer, onFeedback);
}

/** An answer from the restored history: the same card, from the server's sanitized HTML, with its language note. */
export function restoredCard(t: Strings, title: string, html: string, languageNote?: string | null): HTMLElement {
  const card = h("div", { class: "card", "data-restored": "" });
  return fillCard(t, card, { kind: "", id: "", title, html, text: "", language_note: languageNote || undefined });
}

function fillCard(t: Strings, card: HTMLElement, answer: Answer, onFeedback?: (helpful: boolean) => void): HTMLElement {
  const body = h("div", { class: "body" });
  body.append(answer.html ? sanitize(answer.html) : answer.text);
  if (answer.title) card.append(h("h3", {}, answer.title));
  if (answer.language_note) card.append(h("p", { class: "lang-note" }, answer.language_note));
  card.append(body);
  const url = safeUrl(answer.url);
  if (url) card.append(h("div", { class: "row" }, h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, t.readMore)));
  if (onFeedback) {
    const row = h("div", { class: "row", role: "group", "aria-label": t.didItHelp }, t.didItHelp);
    const choose = (helpful: boolean) => () => {
      row.replaceChildren(t.thanks);
      onFeedback(helpful);
    };
    row.append(
      h("button", { class: "chip", type: "button", onclick: choose(true) }, t.yes),
      h("button", { class: "chip", type: "button", onclick: choose(false) }, t.no),
    );
    card.append(row);
  }
  return card;
}

/** One suggestion as a button: title plus its highlighted snippet. */
export function choice(suggestion: Suggestion, onPick: (s: Suggestion) => void): HTMLElement {
  const snippet = h("span", {});
  snippet.append(sanitize(suggestion.snippet_html || "", SNIPPET_TAGS));
  return h(
    "button",
    { class: "choice", type: "button", onclick: () => onPick(suggestion) },
    h("strong", {}, suggestion.title),
    snippet,
  );
}

/** The choices shown for a "suggest" decision. */
export function choicesCard(t: Strings, suggestions: Suggestion[], onPick: (s: Suggestion) => void): HTMLElement {
  return h(
    "div",
    { class: "card", role: "group", "aria-label": t.pick },
    h("h3", {}, t.pick),
    h("div", { class: "choices" }, ...suggestions.map((s) => choice(s, onPick))),
  );
}

/** The clarifying choice for a vague question: one button per option, then "Talk to a person". */
export function clarifyCard(
  t: Strings,
  options: ClarifyOption[],
  onPick: (option: ClarifyOption) => void,
  onHuman: () => void,
): HTMLElement {
  const button = (label: string, onclick: () => void) =>
    h("button", { class: "choice", type: "button", onclick }, h("strong", {}, label));
  return h(
    "div",
    { class: "card", role: "group", "aria-label": t.clarify, "data-clarify": "" },
    h("h3", {}, t.clarify),
    h(
      "div",
      { class: "choices" },
      ...options.map((o) => button(o.title, () => onPick(o))),
      button(t.human, onHuman),
    ),
  );
}
