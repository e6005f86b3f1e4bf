// The saved conversation (id, token, last event id), one entry per site in localStorage.
// Storage may be disabled or full: every call degrades to "nothing saved".

export interface Saved {
  id: string;
  token: string;
  /** Last SSE event id seen, so a reload resumes the stream after it. */
  after?: string;
  /** Set once the customer rated the current resolution; cleared when it reopens. */
  rated?: boolean;
}

const key = (site: string) => "frontline:" + site;

export function load(site: string): Saved | null {
  try {
    const value = JSON.parse(localStorage.getItem(key(site)) || "null");
    return value && typeof value.id == "string" && typeof value.token == "string" ? value : null;
  } catch {
    return null;
  }
}

export function save(site: string, saved: Saved): void {
  try {
    localStorage.setItem(key(site), JSON.stringify(saved));
  } catch {
    /* private mode or quota: the conversation just won't survive a reload */
  }
}

export function clear(site: string): void {
  try {
    localStorage.removeItem(key(site));
  } catch {
    /* ignore */
  }
}
