// The widget's strings: English and German bundled, chosen by data-locale or the browser.
// To add a locale, copy `en`, translate every value and add it to `BUNDLES`.

const en = {
  launcher: "Help",
  title: "How can we help?",
  greeting: "Hi! Ask a question and we'll look for the answer.",
  close: "Close help",
  placeholder: "Type your question…",
  placeholderAgent: "Write a message…",
  inputLabel: "Your message",
  send: "Send",
  human: "Talk to a person",
  log: "Conversation",
  suggestions: "Suggested articles",
  didItHelp: "Did this help?",
  yes: "Yes",
  no: "No",
  thanks: "Thanks for letting us know!",
  readMore: "Read the full article",
  pick: "Did you mean one of these?",
  clarify: "Happy to help! Which of these is it about?",
  noMatch: "I couldn't find an answer to that. A person from our team can help.",
  askedHuman: "Sure, let's get you to a person.",
  gettingPerson: "I'm getting a person from our team to help you with this.",
  handoffTitle: "Talk to a person",
  handoffIntro: "Leave your e-mail and our team will get back to you here and by e-mail.",
  handoffIntroChat: "Our team will answer you here in this chat.",
  emailMe: "E-mail me each reply right away instead of waiting here",
  email: "E-mail (required)",
  name: "Name",
  message: "Message",
  submit: "Send to the team",
  cancel: "Back",
  badEmail: "Please enter a valid e-mail address, like name@example.com.",
  handedOff: "Thanks! Your message is with our team.",
  away: "We're away right now and back {when}. You can still leave a message.",
  awayQueued: "Our team is back {when} and will answer then.",
  queued: "Waiting for an agent",
  claimed: "{agent} is on it",
  claimedAnon: "An agent is on it",
  resolved: "Resolved",
  reconnecting: "Reconnecting…",
  error: "Something went wrong. Please try again.",
  you: "You",
  assistant: "Assistant",
  agent: "Agent",
  unread: "Help, new message",
  thinking: "Looking for an answer…",
  csatQuestion: "How did we do?",
  csatRate: "{n} of 5",
  csatLow: "1 = bad",
  csatHigh: "5 = great",
  csatComment: "Anything to add? (optional)",
  csatSend: "Send rating",
  csatThanks: "Thanks for your rating!",
  attach: "Attach a photo or file",
  uploading: "Sending… {n}%",
  fileType: "{name} can't be sent: only photos (PNG, JPEG, GIF, WebP), PDF and text files can.",
  fileTooLarge: "{name} is too large to send.",
  tooManyFiles: "That's too many files for one message.",
};

export type Strings = typeof en;

const de: Strings = {
  launcher: "Hilfe",
  title: "Wie können wir helfen?",
  greeting: "Hallo! Stellen Sie eine Frage, wir suchen die Antwort.",
  close: "Hilfe schließen",
  placeholder: "Ihre Frage…",
  placeholderAgent: "Ihre Nachricht…",
  inputLabel: "Ihre Nachricht",
  send: "Senden",
  human: "Mit einem Menschen sprechen",
  log: "Unterhaltung",
  suggestions: "Passende Artikel",
  didItHelp: "Hat das geholfen?",
  yes: "Ja",
  no: "Nein",
  thanks: "Danke für Ihre Rückmeldung!",
  readMore: "Ganzen Artikel lesen",
  pick: "Meinten Sie eines davon?",
  clarify: "Gern! Worum geht es?",
  noMatch: "Dazu habe ich keine Antwort gefunden. Unser Team hilft gern weiter.",
  askedHuman: "Gern, wir verbinden Sie mit unserem Team.",
  gettingPerson: "Ich hole jemanden aus unserem Team, der Ihnen dabei hilft.",
  handoffTitle: "Mit einem Menschen sprechen",
  handoffIntro: "Hinterlassen Sie Ihre E-Mail-Adresse, unser Team meldet sich hier und per E-Mail.",
  handoffIntroChat: "Unser Team antwortet Ihnen hier im Chat.",
  emailMe: "Jede Antwort sofort per E-Mail senden, statt hier zu warten",
  email: "E-Mail (Pflichtfeld)",
  name: "Name",
  message: "Nachricht",
  submit: "An das Team senden",
  cancel: "Zurück",
  badEmail: "Bitte geben Sie eine gültige E-Mail-Adresse ein, z. B. name@example.com.",
  handedOff: "Danke! Ihre Nachricht ist bei unserem Team.",
  away: "Wir sind gerade nicht da und wieder erreichbar: {when}. Sie können trotzdem schreiben.",
  awayQueued: "Unser Team ist wieder da: {when}, und antwortet dann.",
  queued: "Warten auf einen Mitarbeiter",
  claimed: "{agent} kümmert sich darum",
  claimedAnon: "Ein Mitarbeiter kümmert sich darum",
  resolved: "Erledigt",
  reconnecting: "Verbinde neu…",
  error: "Etwas ist schiefgelaufen. Bitte versuchen Sie es noch einmal.",
  you: "Sie",
  assistant: "Assistent",
  agent: "Mitarbeiter",
  unread: "Hilfe, neue Nachricht",
  thinking: "Suche eine Antwort…",
  csatQuestion: "Wie waren wir?",
  csatRate: "{n} von 5",
  csatLow: "1 = schlecht",
  csatHigh: "5 = sehr gut",
  csatComment: "Möchten Sie etwas ergänzen? (optional)",
  csatSend: "Bewertung senden",
  csatThanks: "Danke für Ihre Bewertung!",
  attach: "Foto oder Datei anhängen",
  uploading: "Wird gesendet… {n} %",
  fileType: "{name} kann nicht gesendet werden: nur Fotos (PNG, JPEG, GIF, WebP), PDF- und Textdateien.",
  fileTooLarge: "{name} ist zu groß zum Senden.",
  tooManyFiles: "Das sind zu viele Dateien für eine Nachricht.",
};

const BUNDLES: Record<string, Strings> = { en, de };

/** The bundle's language code for `wanted` (data-locale) or else the browser's languages. */
export function pickLocale(wanted?: string): string {
  const candidates = wanted ? [wanted] : (navigator.languages || [navigator.language]);
  for (const tag of candidates) {
    const lang = (tag || "").toLowerCase().split(/[-_]/)[0];
    if (BUNDLES[lang]) return lang;
  }
  return "en";
}

export function strings(locale: string): Strings {
  return BUNDLES[locale] || en;
}

/**
 * A moment (RFC 3339/9557 timestamp, e.g. the next opening) as the shopper reads it: weekday
 * and time in their own time zone and language ("Montag, 09:00", "Monday 9:00 AM"), plus the
 * date when it is more than six days away. `lang` is a full tag (de-AT) or a bundle code (de).
 */
export function formatWhen(stamp: string | null | undefined, lang: string): string | undefined {
  const at = Date.parse((stamp || "").replace(/\[[^\]]*\]$/, ""));
  if (isNaN(at)) return undefined;
  const options: Intl.DateTimeFormatOptions = { weekday: "long", hour: "numeric", minute: "2-digit" };
  if (at - Date.now() > 6 * 864e5) {
    options.day = "numeric";
    options.month = "long";
  }
  try {
    return new Intl.DateTimeFormat(lang, options).format(at);
  } catch {
    return undefined;
  }
}

/** The most specific language tag for dates: data-locale or a browser language of the bundle's language. */
export function dateLocale(wanted: string | undefined, bundle: string): string {
  const candidates = (wanted ? [wanted] : []).concat(navigator.languages || [navigator.language]);
  for (const tag of candidates) {
    if ((tag || "").toLowerCase().split(/[-_]/)[0] === bundle) return tag;
  }
  return bundle;
}

/** Replaces `{name}` placeholders. */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name) => values[name] ?? "");
}
