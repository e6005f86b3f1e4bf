// Typed calls to the Frontline widget server. Conversation-scoped calls send the conversation
// token as a Bearer header; errors become `ApiError` with the server's `error.code`. Failures a
// site's developer can fix (origin not allowed, unknown site, server errors, unreachable
// server) are explained once each in the browser console.

export interface Answer {
  kind: string;
  id: string;
  title: string;
  html: string;
  text: string;
  url?: string;
  /** In the customer's language when the answer is in another one ("Diese Antwort gibt es nur auf Englisch."). */
  language_note?: string;
}

export interface Suggestion {
  kind: string;
  id: string;
  title: string;
  snippet_html: string;
  url?: string;
  confidence: number;
}

/** An option of a clarifying choice: an intent or article, shown by its title. */
export interface ClarifyOption {
  kind: string;
  id: string;
  title: string;
}

export interface SiteConfig {
  site: string;
  name: string;
  locale: string;
  /** `next_open` is an RFC 9557 timestamp; `next_open_text` the server's English fallback. */
  business_hours: { open_now: boolean; next_open?: string | null; next_open_text?: string | null; time_zone?: string };
  /** `[email]` is configured: ask for an address and offer "email me"; false: ask for none. */
  email_enabled?: boolean;
}

export interface AskReply {
  conversation_id: string;
  conversation_token: string;
  decision: "answer" | "suggest" | "clarify" | "handoff";
  answer?: Answer;
  suggestions: Suggestion[];
  /** For "clarify": what the question may be about; send the picked one back as `choice`. */
  options?: ClarifyOption[];
  handoff_reason?: string;
}

export interface HandoffReply {
  escalation_id: string;
  conversation_id: string;
  conversation_token: string;
  outside_hours: boolean;
  next_open?: string | null;
  next_open_text?: string | null;
}

export type Author = "customer" | "assistant" | "agent";

/** A stored file with a short-lived signed link (signed when the server sent it). */
export interface FileLink {
  id: string;
  file_name: string;
  content_type: string;
  size_bytes: number;
  url: string;
}

export interface Message {
  author: Author;
  author_name?: string;
  body: string;
  /** Files sent with the line (an agent's, live; anyone's, restored). */
  attachments?: FileLink[];
  /** Assistant answers (restored): the card's title and its sanitized HTML; an agent's saved reply (live and restored): its sanitized HTML. */
  title?: string | null;
  html?: string | null;
  /** Assistant answers (restored): the note shown when the answer is in another language than the customer's. */
  language_note?: string | null;
  at_ms: number;
  message_id?: string;
}

export type Status = "queued" | "claimed" | "resolved";

export interface Conversation {
  conversation_id: string;
  transcript: Message[];
  escalation?: { id: string; status: Status; agent?: string } | null;
}

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export type Api = ReturnType<typeof createApi>;

export function createApi(base: string, site: string) {
  const siteUrl = base + "/api/v1/sites/" + encodeURIComponent(site);
  const convUrl = (id: string) => base + "/api/v1/conversations/" + encodeURIComponent(id);

  async function call<T>(url: string, init: RequestInit = {}, token?: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    let response: Response;
    try {
      response = await fetch(url, {
        ...init,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      // A refused origin was explained already (its first, simple request could read the 403).
      if (!init.signal?.aborted && !explained.has("origin_not_allowed")) explain("unreachable", unreachable(base, site));
      throw error;
    }
    if (!response.ok) {
      const failure = await response.json().catch(() => null);
      const error = (failure && failure.error) || {};
      const apiError = new ApiError(response.status, error.code || "http_" + response.status, error.message || response.statusText);
      explainFailure(apiError, url, site);
      throw apiError;
    }
    return response.status === 204 ? (undefined as T) : response.json().catch(() => undefined as T);
  }

  return {
    config: () => call<SiteConfig>(siteUrl + "/config"),
    ask: (body: object, token?: string) => call<AskReply>(siteUrl + "/ask", { method: "POST" }, token, body),
    suggest: (q: string, signal: AbortSignal) =>
      call<{ suggestions: Suggestion[] }>(siteUrl + "/suggest?q=" + encodeURIComponent(q), { signal }),
    answer: (kind: string, id: string) =>
      call<Answer>(siteUrl + "/answers/" + encodeURIComponent(kind) + "/" + encodeURIComponent(id)),
    feedback: (id: string, token: string, helpful: boolean) =>
      call<void>(siteUrl + "/feedback", { method: "POST" }, token, { conversation_id: id, helpful }),
    handoff: (body: object, token?: string) => call<HandoffReply>(siteUrl + "/handoff", { method: "POST" }, token, body),
    conversation: (id: string, token: string) => call<Conversation>(convUrl(id), {}, token),
    send: (id: string, token: string, text: string) =>
      call<unknown>(convUrl(id) + "/messages", { method: "POST" }, token, { text }),
    /** Sends `files` as one message (multipart, XHR for upload progress). */
    upload: (id: string, token: string, files: File[], onProgress: (fraction: number) => void) =>
      new Promise<unknown>((resolve, reject) => {
        const form = new FormData();
        for (const file of files) form.append("file", file, file.name);
        const xhr = new XMLHttpRequest();
        xhr.open("POST", convUrl(id) + "/attachments");
        xhr.setRequestHeader("Authorization", "Bearer " + token);
        xhr.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
        xhr.onload = () => {
          let reply: { error?: { code?: string; message?: string } } | null = null;
          try {
            reply = JSON.parse(xhr.responseText);
          } catch {
            /* not JSON: judged by the status alone */
          }
          if (xhr.status >= 200 && xhr.status < 300) return resolve(reply);
          const error = (reply && reply.error) || {};
          reject(new ApiError(xhr.status, error.code || "http_" + xhr.status, error.message || xhr.statusText));
        };
        xhr.onerror = () => reject(new ApiError(0, "unreachable", "the upload did not reach the server"));
        xhr.send(form);
      }),
    rate: (id: string, token: string, rating: number, comment: string) =>
      call<unknown>(convUrl(id) + "/csat", { method: "POST" }, token, { rating, comment: comment || undefined }),
    eventsUrl: (id: string, token: string, after?: string) =>
      convUrl(id) + "/events?token=" + encodeURIComponent(token) + (after ? "&after=" + encodeURIComponent(after) : ""),
  };
}

// ---- telling the site's developer why it failed ---------------------------------------------

const explained = new Set<string>();

/** console.error once per distinct problem (a retrying widget does not flood the console). */
function explain(key: string, message: string) {
  if (explained.has(key)) return;
  explained.add(key);
  console.error("Frontline: " + message);
}

/** The same host with or without `www.`, for a hint (none for IPs, localhost, single labels). */
function wwwTwin(origin: string): string | null {
  try {
    const url = new URL(origin);
    const host = url.hostname;
    if (host.indexOf(".") < 0 || /^[\d.]+$|^\[/.test(host)) return null;
    return url.protocol + "//" + (host.indexOf("www.") === 0 ? host.slice(4) : "www." + host) + (url.port ? ":" + url.port : "");
  } catch {
    return null;
  }
}

function originHint(site: string): string {
  const origin = location.origin;
  const twin = wwwTwin(origin);
  return (
    "add " + JSON.stringify(origin) + " to sites.origins for site " + JSON.stringify(site) + " in the Frontline server's configuration." +
    (twin ? " " + origin + " and " + twin + " are different origins: list each one the shop is reached by." : "")
  );
}

function unreachable(base: string, site: string): string {
  return (
    "could not reach the Frontline server at " + base + " from " + location.origin + ". If the console shows a CORS error " +
    "for it, this page's origin is not allowed: " + originHint(site) + " Otherwise check data-api and that the server is running."
  );
}

function explainFailure(error: ApiError, url: string, site: string) {
  const what = error.status + " " + error.code + " from " + url.split("?")[0];
  if (error.code === "origin_not_allowed") {
    explain(error.code, what + ": origin " + location.origin + " is not allowed for site " + JSON.stringify(site) + "; " + originHint(site));
  } else if (error.code === "unknown_site") {
    explain(error.code, what + ": the server has no site " + JSON.stringify(site) + "; check data-site on the widget's <script> tag.");
  } else if (error.status >= 500 || error.status === 400 || error.status === 422 || error.status === 429) {
    explain(error.code, what + ": " + error.message);
  }
}
