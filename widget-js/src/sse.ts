// Live conversation events over Server-Sent Events, reconnecting with exponential back-off.
// Each reconnect resumes after the last event id seen (`&after=`), so nothing is replayed twice.

import type { Message, Status } from "./api";

export interface StatusEvent {
  status: Status;
  agent?: string;
  escalation_id?: string;
  at_ms?: number;
}

export interface Handlers {
  message(message: Message, eventId: string): void;
  status(status: StatusEvent, eventId: string): void;
  /** `true` once connected, `false` while waiting to reconnect. */
  connected(up: boolean): void;
}

export interface Stream {
  close(): void;
}

const MIN_DELAY = 1000;
const MAX_DELAY = 30000;

export function openStream(url: (after?: string) => string, after: string | undefined, on: Handlers): Stream {
  let source: EventSource | null = null;
  let timer = 0;
  let delay = MIN_DELAY;
  let closed = false;
  let last = after;

  function handle<T>(deliver: (data: T, id: string) => void) {
    return (event: Event) => {
      const e = event as MessageEvent;
      let data: T;
      try {
        data = JSON.parse(e.data);
      } catch {
        return;
      }
      if (e.lastEventId) last = e.lastEventId;
      deliver(data, e.lastEventId || "");
    };
  }

  function connect() {
    if (closed) return;
    source = new EventSource(url(last));
    source.onopen = () => {
      delay = MIN_DELAY;
      on.connected(true);
    };
    source.addEventListener("message", handle(on.message));
    source.addEventListener("status", handle(on.status));
    // A newer stream of this conversation (another tab, a reload) replaced this one: stop
    // quietly instead of reconnecting, which would replace that one in turn.
    source.addEventListener("replaced", () => {
      closed = true;
      clearTimeout(timer);
      source?.close();
      source = null;
    });
    source.onerror = () => {
      // Take over from the browser's own retry so we control the back-off and the `after` id.
      source?.close();
      source = null;
      if (closed) return;
      on.connected(false);
      timer = window.setTimeout(connect, delay * (0.8 + Math.random() * 0.4));
      delay = Math.min(delay * 2, MAX_DELAY);
    };
  }

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      source?.close();
    },
  };
}
