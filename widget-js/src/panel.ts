// The shell inside the Shadow DOM: launcher button and the dialog panel (header, live status,
// conversation log, suggestions, composer). Owns opening, closing and keyboard focus:
// focus moves in on open, Tab is trapped while open, Escape closes and returns to the launcher.

import { attachButton } from "./attach";
import { h } from "./dom";
import type { Options } from "./config";
import type { Strings } from "./i18n";
import { STYLES } from "./styles";

const ICON =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';

const FOCUSABLE = "a[href],button:not([disabled]),input:not([disabled]),textarea:not([disabled]),[tabindex]:not([tabindex='-1'])";

export type Panel = ReturnType<typeof createPanel>;

export function createPanel(options: Options, t: Strings, onFirstOpen: () => void, onFiles: (files: File[]) => void) {
  const host = document.createElement("frontline-widget");
  if (options.accent && CSS.supports("color", options.accent)) host.style.setProperty("--frontline-accent", options.accent);
  const shadow = host.attachShadow({ mode: "open" });

  const launcher = h("button", { class: "launcher", type: "button", "aria-haspopup": "dialog", "aria-expanded": "false", "aria-controls": "fl-panel" });
  // The icon is a constant string of our own; no outside text ever goes through innerHTML.
  launcher.innerHTML = ICON;
  launcher.append(h("span", {}, t.launcher));

  const close = h("button", { class: "close", type: "button", "aria-label": t.close }, "×");
  const status = h("div", { class: "status", role: "status", hidden: true });
  const note = h("div", { class: "note", hidden: true });
  const log = h("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": t.log, tabindex: "0" });
  const suggest = h("div", { class: "suggest", role: "group", "aria-label": t.suggestions, hidden: true });
  const input = h("input", { type: "text", autocomplete: "off", placeholder: t.placeholder, "aria-label": t.inputLabel, maxlength: "2000" });
  const send = h("button", { class: "primary", type: "submit" }, t.send);
  const files = attachButton(t, (picked) => onFiles(picked));
  files.button.hidden = true;
  const compose = h("form", { class: "compose" }, files.input, files.button, input, send);
  const handoffSlot = h("div", { hidden: true });
  const human = h("button", { class: "human", type: "button" }, t.human);
  const panel = h(
    "div",
    { class: "panel", id: "fl-panel", role: "dialog", "aria-modal": "true", "aria-labelledby": "fl-title", hidden: true },
    h("header", {}, h("h2", { id: "fl-title" }, options.title || t.title), close),
    status,
    note,
    log,
    handoffSlot,
    suggest,
    compose,
    human,
  );
  const root = h("div", { class: "root " + options.position }, launcher, panel);
  shadow.append(h("style", {}, STYLES), root);

  let opened = false;
  const isOpen = () => !panel.hidden;

  function open() {
    if (isOpen()) return;
    panel.hidden = false;
    root.classList.add("open");
    launcher.setAttribute("aria-expanded", "true");
    launcher.removeAttribute("data-unread");
    launcher.removeAttribute("aria-label");
    if (!opened) {
      opened = true;
      onFirstOpen();
    }
    focusFirst();
  }

  function closePanel() {
    if (!isOpen()) return;
    panel.hidden = true;
    root.classList.remove("open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  /** Focuses the form field in view: the handoff form's first field, else the composer. */
  function focusFirst() {
    const field = handoffSlot.hidden ? input : handoffSlot.querySelector<HTMLElement>("input,textarea");
    (field || close).focus();
  }

  launcher.addEventListener("click", () => (isOpen() ? closePanel() : open()));
  close.addEventListener("click", closePanel);
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      closePanel();
    } else if (event.key === "Tab") {
      trap(event);
    }
  });

  function trap(event: KeyboardEvent) {
    const items = Array.from(panel.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => el.getClientRects().length > 0);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    const active = shadow.activeElement;
    if (event.shiftKey && (active === first || !panel.contains(active))) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (active === last || !panel.contains(active))) {
      event.preventDefault();
      first.focus();
    }
  }

  function markUnread(label: string) {
    if (isOpen()) return;
    launcher.setAttribute("data-unread", "");
    launcher.setAttribute("aria-label", label);
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  return { host, launcher, panel, status, note, log, suggest, input, send, compose, handoffSlot, human, attach: files.button, open, close: closePanel, isOpen, focusFirst, markUnread, scrollToEnd };
}
