// As-you-type suggestions under the composer: debounced (150 ms), from 3 characters, each
// request cancelling the one before. ArrowUp from the input moves into the list.

import type { Api, Suggestion } from "./api";
import { h } from "./dom";
import type { Strings } from "./i18n";
import { choice } from "./messages";

const DELAY_MS = 150;
const MIN_CHARS = 3;
const MAX_SHOWN = 4;

export interface Typeahead {
  hide(): void;
}

export function typeahead(
  input: HTMLInputElement,
  list: HTMLElement,
  api: Api,
  t: Strings,
  enabled: () => boolean,
  onPick: (suggestion: Suggestion) => void,
): Typeahead {
  let timer = 0;
  let abort: AbortController | null = null;

  function hide() {
    clearTimeout(timer);
    abort?.abort();
    list.hidden = true;
    list.replaceChildren();
  }

  input.addEventListener("input", () => {
    const q = input.value.trim();
    hide();
    if (q.length < MIN_CHARS || !enabled()) return;
    timer = window.setTimeout(async () => {
      const current = (abort = new AbortController());
      try {
        const { suggestions } = await api.suggest(q, current.signal);
        if (current.signal.aborted || !suggestions.length) return;
        const pick = (s: Suggestion) => {
          input.focus();
          onPick(s);
        };
        list.replaceChildren(h("p", {}, t.suggestions), ...suggestions.slice(0, MAX_SHOWN).map((s) => choice(s, pick)));
        list.hidden = false;
      } catch {
        /* suggestions are a nicety: stay quiet */
      }
    }, DELAY_MS);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowUp" && !list.hidden) {
      event.preventDefault();
      list.querySelector<HTMLElement>("button")?.focus();
    }
  });

  return { hide };
}
