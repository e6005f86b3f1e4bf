// The "talk to a person" form: e-mail (required, validated), name and message.
// Validation errors are announced and tied to the field with aria-describedby.
// What it says about e-mail follows the server (`email_enabled` in the site config):
// with mail, it promises replies by e-mail and offers "email me"; without, it asks for no
// address and promises none; not known (config not loaded), it asks but promises nothing.

import { h } from "./dom";
import type { Strings } from "./i18n";

export interface HandoffFields {
  /** Empty when the form asked for none. */
  email: string;
  /** "E-mail me each reply right away". */
  emailMe: boolean;
  name: string;
  message: string;
}

const EMAIL = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/;

export function isEmail(value: string): boolean {
  return EMAIL.test(value.trim());
}

export interface HandoffForm {
  element: HTMLFormElement;
  /** Shows a server-side rejection of the e-mail. */
  rejectEmail(): void;
  busy(on: boolean): void;
}

export function handoffForm(
  t: Strings,
  prefill: { message: string; away?: string; mail?: boolean },
  onSubmit: (fields: HandoffFields) => void,
  onCancel: () => void,
): HandoffForm {
  const email = h("input", { type: "email", name: "email", autocomplete: "email", required: true, "aria-required": "true", "aria-describedby": "fl-email-error" });
  const name = h("input", { type: "text", name: "name", autocomplete: "name" });
  const message = h("textarea", { name: "message", rows: "3" });
  const askEmail = prefill.mail !== false;
  const emailMe = h("input", { type: "checkbox", name: "email_me" });
  message.value = prefill.message;
  const error = h("div", { class: "error", id: "fl-email-error", role: "alert" });
  const submit = h("button", { class: "primary", type: "submit" }, t.submit);
  const element = h(
    "form",
    { class: "handoff", novalidate: true, "aria-labelledby": "fl-handoff-title" },
    h("h3", { id: "fl-handoff-title" }, t.handoffTitle),
    h("p", {}, prefill.mail ? t.handoffIntro : t.handoffIntroChat),
    prefill.away ? h("p", { class: "away" }, prefill.away) : null,
    askEmail ? h("label", {}, t.email, email) : null,
    askEmail ? error : null,
    prefill.mail ? h("label", { class: "check" }, emailMe, t.emailMe) : null,
    h("label", {}, t.name, name),
    h("label", {}, t.message, message),
    h("div", { class: "actions" }, h("button", { class: "secondary", type: "button", onclick: onCancel }, t.cancel), submit),
  );

  function rejectEmail() {
    email.setAttribute("aria-invalid", "true");
    error.textContent = t.badEmail;
    email.focus();
  }

  email.addEventListener("input", () => {
    if (email.getAttribute("aria-invalid") === "true" && isEmail(email.value)) {
      email.removeAttribute("aria-invalid");
      error.textContent = "";
    }
  });
  element.addEventListener("submit", (event) => {
    event.preventDefault();
    if (askEmail && !isEmail(email.value)) return rejectEmail();
    onSubmit({
      email: askEmail ? email.value.trim() : "",
      emailMe: !!prefill.mail && emailMe.checked,
      name: name.value.trim(),
      message: message.value.trim(),
    });
  });
  element.addEventListener("keydown", (event) => {
    // Enter in the textarea makes a new line; Ctrl/Cmd+Enter sends.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) element.requestSubmit();
  });

  return {
    element,
    rejectEmail,
    busy(on) {
      submit.disabled = on;
    },
  };
}
