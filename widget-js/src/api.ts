// Typed calls to the Frontline widget server. Conversation-scoped calls send the conversation
// token as a Bearer header; errors become `ApiError` with the server's `error.code`.

export interface Answer {
  kind: string;
  id: string;
  title: string;
  html: string;
  text: string;
  url?: string;
}

export interface Suggestion {
  kind: string;
  id: string;
  title: string;
  snippet_html: string;
  url?: string;
  confidence: number;
}

export interface SiteConfig {
  site: string;
  name: string;
  locale: string;
  business_hours: { open_now: boolean; next_open_text?: string | null; time_zone?: string };
}

export interface AskReply {
  conversation_id: string;
  conversation_token: string;
  decision: "answer" | "suggest" | "handoff";
  answer?: Answer;
  suggestions: Suggestion[];
  handoff_reason?: string;
}

export interface HandoffReply {
  escalation_id: string;
  conversation_id: string;
  conversation_token: string;
  outside_hours: boolean;
  next_open_text?: string | null;
}

export type Author = "customer" | "assistant" | "agent";

export interface Message {
  author: Author;
  author_name?: string;
  body: string;
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
    const response = await fetch(url, {
      ...init,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) {
      const failure = await response.json().catch(() => null);
      const error = (failure && failure.error) || {};
      throw new ApiError(response.status, error.code || "http_" + response.status, error.message || response.statusText);
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
    eventsUrl: (id: string, token: string, after?: string) =>
      convUrl(id) + "/events?token=" + encodeURIComponent(token) + (after ? "&after=" + encodeURIComponent(after) : ""),
  };
}
