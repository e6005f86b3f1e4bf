// Files from the customer, once a person from the team is on the conversation: the 📎 button
// (a phone offers its camera and gallery: `accept` names images, PDF and text), drag and drop
// onto the panel, or paste into the composer. A message's files go up in one request with a
// progress line; images are previewed from the local file. The server decides what is allowed
// (by the files' bytes); its refusal is shown in the customer's language.

import { ApiError } from "./api";
import { h } from "./dom";
import { fill, type Strings } from "./i18n";

export const ACCEPT = "image/*,application/pdf,text/plain";

// A paperclip (drawn, not an emoji: not every system has an emoji font).
const CLIP =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M21 11.5l-8.6 8.6a5 5 0 0 1-7.1-7.1l8.6-8.6a3.3 3.3 0 0 1 4.7 4.7l-8.6 8.6a1.7 1.7 0 0 1-2.4-2.4l7.9-7.9"/></svg>';

/** The 📎 button and its file input; `onFiles` gets what the customer picked. */
export function attachButton(t: Strings, onFiles: (files: File[]) => void) {
  const input = h("input", { type: "file", multiple: true, accept: ACCEPT, class: "sr", tabindex: "-1", "aria-hidden": "true" });
  input.addEventListener("change", () => {
    const files = Array.from(input.files || []);
    input.value = "";
    if (files.length) onFiles(files);
  });
  const button = h("button", { class: "attach", type: "button", "aria-label": t.attach, title: t.attach, onclick: () => input.click() });
  // A constant string of our own; no outside text ever goes through innerHTML.
  button.innerHTML = CLIP;
  return { button, input };
}

/** Files dropped on `area` or pasted into `field`, while `enabled()`. */
export function dropAndPaste(area: HTMLElement, field: HTMLElement, enabled: () => boolean, onFiles: (files: File[]) => void) {
  const take = (event: Event, list?: FileList | null) => {
    const files = Array.from(list || []);
    if (!files.length || !enabled()) return;
    event.preventDefault();
    onFiles(files);
  };
  area.addEventListener("dragover", (event) => {
    if (enabled() && event.dataTransfer && Array.from(event.dataTransfer.types).indexOf("Files") >= 0) event.preventDefault();
  });
  area.addEventListener("drop", (event) => take(event, event.dataTransfer?.files));
  field.addEventListener("paste", (event) => take(event, event.clipboardData?.files));
}

/** The customer's bubble for files being sent: image previews, other names, a progress line. */
export function uploadBubble(t: Strings, files: File[]) {
  const urls: string[] = [];
  const items = files.map((file) => {
    if (file.type.indexOf("image/") === 0) {
      const url = URL.createObjectURL(file);
      urls.push(url);
      return h("img", { class: "preview", src: url, alt: file.name });
    }
    return h("span", { class: "file" }, file.name);
  });
  const line = h("span", { class: "progress", role: "status" }, fill(t.uploading, { n: "0" }));
  const element = h("div", { class: "msg customer files" }, h("span", { class: "who" }, t.you), ...items, line);
  return {
    element,
    progress(fraction: number) {
      line.textContent = fill(t.uploading, { n: String(Math.round(fraction * 100)) });
    },
    done() {
      line.remove();
    },
    /** Not sent: the bubble fades (the reason is said in a line of its own). */
    failed() {
      line.remove();
      element.classList.add("failed");
      for (const url of urls) URL.revokeObjectURL(url);
    },
  };
}

/** What to tell the customer when the server refused the files. */
export function refusal(t: Strings, error: unknown): string {
  if (!(error instanceof ApiError)) return t.error;
  const quoted = /"([^"]*)"/.exec(error.message);
  const name = quoted ? quoted[1] : "";
  if (error.code === "file_type_not_allowed" || error.code === "damaged_file") return fill(t.fileType, { name });
  if (error.code === "file_too_large" || error.code === "body_too_large") return fill(t.fileTooLarge, { name });
  if (error.code === "too_many_files") return t.tooManyFiles;
  return t.error;
}
