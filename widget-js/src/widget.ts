// The controller: wires the panel to the API. Asks questions, shows answers and choices
// (a vague question gets a clarifying choice; a picked option is asked as if typed), runs
// the handoff, then follows the escalation live over SSE. Restores a saved conversation
// (per site, from localStorage) on start, de-duplicating anything the stream replays.
// The away banner shows only while nobody is on it and the handoff form (which says it
// itself) is closed; the "back on …" note goes once an agent claims.

import { dropAndPaste, refusal, uploadBubble } from "./attach";
import { ApiError, createApi, type ClarifyOption, type Message, type SiteConfig, type Status, type Suggestion } from "./api";
import type { Options } from "./config";
import { csatCard, type CsatCard } from "./csat";
import { handoffForm, type HandoffFields, type HandoffForm } from "./handoff";
import { dateLocale, fill, formatWhen, pickLocale, strings } from "./i18n";
import { answerCard, bubble, choicesCard, clarifyCard, restoredCard, systemLine } from "./messages";
import { createPanel } from "./panel";
import { openStream, type Stream } from "./sse";
import * as storage from "./storage";
import { typeahead } from "./typeahead";

export interface Widget {
  identify(fields: Record<string, unknown>): void;
  open(): void;
  close(): void;
}

export function mount(options: Options): Widget {
  const locale = pickLocale(options.locale);
  const t = strings(locale);
  const dates = dateLocale(options.locale, locale);
  const api = createApi(options.api, options.site);
  const customer: Record<string, string> = { ...options.customer };
  const ui = createPanel(options, t, loadConfig, sendFiles);

  let conv = storage.load(options.site);
  let config: SiteConfig | null = null;
  let status: Status | null = null;
  let agent: string | undefined;
  let stream: Stream | null = null;
  let form: HandoffForm | null = null;
  let lastQuestion = "";
  /** The "our team is back …" line after an out-of-hours handoff; removed once claimed. */
  let awayLine: HTMLElement | null = null;
  /** "How did we do?" while the conversation is resolved and not rated yet. */
  let rating: CsatCard | null = null;
  /** Messages already on screen, by message id and by author|time|body. */
  const seen = new Set<string>();
  /** Bodies the customer sent here that the stream has not echoed back yet. */
  const pending: string[] = [];

  ui.log.append(bubble(t, "assistant", options.greeting || t.greeting));
  ui.compose.addEventListener("submit", onCompose);
  ui.human.addEventListener("click", () => showHandoff(lastQuestion));
  const { hide: hideSuggest } = typeahead(ui.input, ui.suggest, api, t, () => !talkingToAgent(), pick);
  (document.body || document.documentElement).append(ui.host);
  dropAndPaste(ui.panel, ui.input, canAttach, sendFiles);
  if (conv) sync(true, conv.after);

  // ---- helpers -------------------------------------------------------------------------

  function show(node: HTMLElement): HTMLElement {
    ui.log.append(node);
    ui.scrollToEnd();
    return node;
  }

  function remember(id: string, token: string) {
    if (!conv || conv.id !== id) conv = { id, token };
    conv.token = token;
    storage.save(options.site, conv);
  }

  function forget() {
    conv = null;
    stream?.close();
    stream = null;
    setStatus(null);
    storage.clear(options.site);
  }

  const talkingToAgent = () => status === "queued" || status === "claimed";
  const customerFields = () => (Object.keys(customer).length ? customer : undefined);
  /** When the team is back, in the shopper's language and time zone (the server's text as fallback). */
  const backAt = (stamp?: string | null, text?: string | null) => formatWhen(stamp, dates) || text || undefined;
  const awayText = () => {
    const hours = config && config.business_hours;
    const when = hours && !hours.open_now ? backAt(hours.next_open, hours.next_open_text) : undefined;
    return when ? fill(t.away, { when }) : undefined;
  };

  async function loadConfig() {
    try {
      config = await api.config();
    } catch {
      return;
    }
    updateNote();
  }

  /** Shows the away banner unless someone is on it or the handoff form already says it. */
  function updateNote() {
    const away = talkingToAgent() || form ? undefined : awayText();
    if (ui.note.hidden === !away && ui.note.textContent === (away || "")) return;
    // A banner appearing above the log must not push the latest message out of view.
    const log = ui.log;
    const pinned = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    ui.note.hidden = !away;
    ui.note.textContent = away || "";
    if (pinned) ui.scrollToEnd();
  }

  function setStatus(next: Status | null, name?: string, reconnecting = false) {
    status = next;
    agent = name || agent;
    ui.human.hidden = talkingToAgent();
    ui.attach.hidden = !canAttach();
    ui.input.placeholder = talkingToAgent() ? t.placeholderAgent : t.placeholder;
    ui.status.hidden = !next;
    if (!next) return updateNote();
    ui.status.setAttribute("data-status", next);
    const text =
      next === "queued" ? t.queued : next === "resolved" ? t.resolved : agent ? fill(t.claimed, { agent }) : t.claimedAnon;
    ui.status.textContent = reconnecting ? text + " · " + t.reconnecting : text;
    if (next === "claimed" && awayLine) {
      awayLine.remove();
      awayLine = null;
    }
    if (next === "resolved") askRating();
    else dropRating();
    updateNote();
  }

  // ---- satisfaction after a resolution -------------------------------------------------------

  function askRating() {
    if (rating || !conv || conv.rated) return;
    const card = csatCard(t, async (stars, comment) => {
      const saved = conv;
      if (!saved) return;
      try {
        await api.rate(saved.id, saved.token, stars, comment);
        saved.rated = true;
        storage.save(options.site, saved);
        card.done();
      } catch {
        card.failed();
      }
    });
    rating = card;
    show(card.element);
  }

  /** The conversation reopened: the next resolution asks again. */
  function dropRating() {
    if (rating && !conv?.rated) rating.element.remove();
    rating = null;
    if (conv && conv.rated) {
      conv.rated = false;
      storage.save(options.site, conv);
    }
  }

  /** Records a message as shown; false if it was already. */
  function markSeen(message: Message): boolean {
    const key = message.author + "|" + message.at_ms + "|" + message.body;
    const isNew = !seen.has(key) && !(message.message_id && seen.has(message.message_id));
    seen.add(key);
    if (message.message_id) seen.add(message.message_id);
    return isNew;
  }

  // ---- asking ----------------------------------------------------------------------------

  async function onCompose(event: Event) {
    event.preventDefault();
    const text = ui.input.value.trim();
    if (!text) return;
    ui.input.value = "";
    await say(text);
  }

  /** The customer's words (typed, or a picked option with its `choice`) to the assistant or the team. */
  async function say(text: string, choice?: ClarifyOption) {
    hideSuggest();
    show(bubble(t, "customer", text));
    // After Resolve the next message goes to the team again: the server reopens the
    // escalation (status back to queued) instead of the bot answering it.
    if ((talkingToAgent() || status === "resolved") && conv) return sendToAgent(conv.id, conv.token, text);
    lastQuestion = text;
    await ask(text, true, choice && { kind: choice.kind, id: choice.id });
  }

  /** Files go to the team: only once the conversation has an escalation. */
  function canAttach(): boolean {
    return !!conv && (talkingToAgent() || status === "resolved");
  }

  async function sendFiles(files: File[]) {
    const saved = conv;
    if (!saved || !canAttach()) return;
    const sending = uploadBubble(t, files);
    show(sending.element);
    // The stream echoes the stored line ("📎 a.jpg, b.pdf"); this bubble already shows it.
    const line = "📎 " + files.map((file) => file.name).join(", ");
    pending.push(line);
    try {
      await api.upload(saved.id, saved.token, files, sending.progress);
      sending.done();
    } catch (error) {
      pending.splice(pending.indexOf(line), 1);
      sending.failed();
      show(systemLine(refusal(t, error)));
    }
  }

  async function sendToAgent(id: string, token: string, text: string) {
    pending.push(text);
    try {
      await api.send(id, token, text);
    } catch {
      pending.splice(pending.indexOf(text), 1);
      show(systemLine(t.error));
    }
  }

  async function ask(text: string, retry: boolean, choice?: { kind: string; id: string }): Promise<void> {
    const thinking = show(systemLine(t.thinking));
    try {
      const reply = await api.ask(
        { conversation_id: conv?.id, text, page_url: location.href, locale, customer: customerFields(), choice },
        conv?.token,
      );
      thinking.remove();
      remember(reply.conversation_id, reply.conversation_token);
      if (reply.decision === "answer" && reply.answer) {
        show(answerCard(t, reply.answer, feedback));
      } else if (reply.decision === "suggest" && reply.suggestions.length) {
        show(choicesCard(t, reply.suggestions, pick));
      } else if (reply.decision === "clarify" && reply.options && reply.options.length) {
        show(clarifyCard(t, reply.options, (option) => say(option.title, option), () => showHandoff(text)));
      } else {
        if (reply.answer) show(answerCard(t, reply.answer)); // an always-handoff intent's own words
        else show(bubble(t, "assistant", handoffLine(reply.handoff_reason)));
        showHandoff(text);
      }
    } catch (error) {
      thinking.remove();
      if (retry && conv && error instanceof ApiError && [401, 403, 404].indexOf(error.status) >= 0) {
        forget(); // the saved conversation is gone or its token no longer valid: start afresh
        return ask(text, false, choice);
      }
      show(systemLine(t.error));
    }
  }

  function handoffLine(reason?: string): string {
    return reason === "asked_for_human" ? t.askedHuman : reason === "always_handoff" ? t.gettingPerson : t.noMatch;
  }

  function feedback(helpful: boolean) {
    if (conv) api.feedback(conv.id, conv.token, helpful).catch(() => undefined);
    if (helpful) ui.input.focus();
    else showHandoff(lastQuestion);
  }

  async function pick(suggestion: Suggestion) {
    hideSuggest();
    try {
      const answer = await api.answer(suggestion.kind, suggestion.id);
      show(answerCard(t, answer, conv ? feedback : undefined));
    } catch {
      show(systemLine(t.error));
    }
  }

  // ---- handoff ----------------------------------------------------------------------------

  function showHandoff(message: string) {
    if (!form) {
      const mail = config ? config.email_enabled === true : undefined;
      form = handoffForm(t, { message, away: awayText(), mail }, submitHandoff, hideHandoff);
      ui.handoffSlot.replaceChildren(form.element);
    }
    updateNote();
    hideSuggest();
    ui.handoffSlot.hidden = false;
    ui.compose.hidden = ui.human.hidden = true;
    ui.scrollToEnd();
    ui.focusFirst();
  }

  function hideHandoff() {
    form = null;
    ui.handoffSlot.hidden = true;
    ui.handoffSlot.replaceChildren();
    ui.compose.hidden = false;
    ui.human.hidden = talkingToAgent();
    updateNote();
    ui.input.focus();
  }

  async function submitHandoff(fields: HandoffFields) {
    const current = form;
    current?.busy(true);
    try {
      const reply = await api.handoff(
        {
          conversation_id: conv?.id,
          email: fields.email || undefined,
          email_me: fields.emailMe || undefined,
          name: fields.name || undefined,
          message: fields.message || undefined,
          customer: customerFields(),
          page_url: location.href,
        },
        conv?.token,
      );
      remember(reply.conversation_id, reply.conversation_token);
      hideHandoff();
      if (fields.message && fields.message !== lastQuestion) show(bubble(t, "customer", fields.message));
      show(systemLine(t.handedOff));
      const when = reply.outside_hours ? backAt(reply.next_open, reply.next_open_text) : undefined;
      if (when) awayLine = show(systemLine(fill(t.awayQueued, { when })));
      setStatus("queued");
      sync(false);
    } catch (error) {
      current?.busy(false);
      if (error instanceof ApiError && error.code === "invalid_email") current?.rejectEmail();
      else show(systemLine(t.error));
    }
  }

  // ---- the live conversation ----------------------------------------------------------------

  /** Loads the transcript (rendering it after a reload), then follows the escalation live. */
  async function sync(render: boolean, after?: string) {
    const saved = conv;
    if (!saved) return;
    try {
      const conversation = await api.conversation(saved.id, saved.token);
      for (const message of conversation.transcript) {
        if (markSeen(message) && render) show(restored(message));
      }
      const escalation = conversation.escalation;
      if (escalation) {
        setStatus(escalation.status, escalation.agent);
        listen(saved.id, saved.token, after);
      }
    } catch (error) {
      if (error instanceof ApiError && (error.status === 401 || error.status === 404)) forget();
    }
  }

  /** A transcript line as it looked live: answers as cards (server-sanitized HTML), the rest as bubbles. */
  function restored(message: Message): HTMLElement {
    if (message.author === "assistant" && message.html) return restoredCard(t, message.title || "", message.html, message.language_note);
    return bubble(t, message.author, message.body, message.author_name, message.attachments, message.html);
  }

  function listen(id: string, token: string, after?: string) {
    stream?.close();
    stream = openStream((last) => api.eventsUrl(id, token, last), after, {
      message(message, eventId) {
        save(eventId);
        if (message.author === "customer") {
          const at = pending.indexOf(message.body);
          if (at >= 0) {
            pending.splice(at, 1);
            markSeen(message);
            return;
          }
        }
        if (!markSeen(message)) return;
        show(bubble(t, message.author, message.body, message.author_name, message.attachments, message.html));
        if (message.author === "agent") ui.markUnread(t.unread);
      },
      status(event, eventId) {
        save(eventId);
        setStatus(event.status, event.agent);
      },
      connected(up) {
        if (status) setStatus(status, agent, !up);
      },
    });
  }

  function save(eventId: string) {
    if (conv && eventId) {
      conv.after = eventId;
      storage.save(options.site, conv);
    }
  }

  return {
    identify(fields) {
      for (const key in fields) {
        const value = fields[key];
        if (value === null || value === undefined) delete customer[key];
        else if (typeof value !== "object") customer[key] = String(value);
      }
    },
    open: ui.open,
    close: ui.close,
  };
}
