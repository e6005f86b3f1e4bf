// "How did we do?" after a resolution: five rating buttons (1 bad … 5 great), an optional
// comment, and a send button that stays disabled until a rating is picked. The card tells
// the controller what was chosen; the controller posts it and calls `done` or `failed`.

import { h } from "./dom";
import { fill, type Strings } from "./i18n";

export interface CsatCard {
  element: HTMLElement;
  /** The rating was stored: the card becomes the thank-you line. */
  done(): void;
  /** The rating could not be sent: the card stays, with the error, to try again. */
  failed(): void;
}

export function csatCard(t: Strings, onRate: (rating: number, comment: string) => void): CsatCard {
  let rating = 0;
  const error = h("div", { class: "error", role: "alert" });
  const comment = h("textarea", { name: "csat-comment", rows: "2" });
  const send = h("button", { class: "primary", type: "submit", disabled: true }, t.csatSend);
  const buttons = [1, 2, 3, 4, 5].map((n) =>
    h(
      "button",
      { class: "chip", type: "button", "aria-pressed": "false", "aria-label": fill(t.csatRate, { n: String(n) }), onclick: () => pick(n) },
      String(n),
    ),
  );
  const form = h(
    "form",
    { class: "csat", "aria-labelledby": "fl-csat-title" },
    h("div", { class: "row", role: "group", "aria-labelledby": "fl-csat-title" }, ...buttons),
    h("div", { class: "row scale", "aria-hidden": "true" }, h("span", {}, t.csatLow), h("span", {}, t.csatHigh)),
    h("label", {}, t.csatComment, comment),
    error,
    h("div", { class: "actions" }, send),
  );
  const element = h("div", { class: "card", "data-csat": "" }, h("h3", { id: "fl-csat-title" }, t.csatQuestion), form);

  function pick(n: number) {
    rating = n;
    buttons.forEach((button, at) => button.setAttribute("aria-pressed", String(at + 1 === n)));
    send.disabled = false;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!rating) return;
    send.disabled = true;
    error.textContent = "";
    onRate(rating, comment.value.trim());
  });

  return {
    element,
    done() {
      element.replaceChildren(h("p", { class: "thanks", role: "status" }, t.csatThanks));
    },
    failed() {
      send.disabled = false;
      error.textContent = t.error;
    },
  };
}
