// Entry point. Reads the options from our own <script> tag, mounts the widget, and replaces
// the page's queue stub (`window.Frontline`) with the real API, replaying queued calls.
// The stub the page may install first is documented in README.md ("Calling before load").

import { findScript, readOptions } from "./config";
import { mount, type Widget } from "./widget";

/** A queued call: `[method, arguments]` (our stub) or `[method, oneArgument]` (simpler stubs). */
type Call = [keyof Widget, unknown];
interface Global {
  q?: Call[];
  loaded?: boolean;
  [method: string]: unknown;
}

// currentScript is only set while this file first runs, so read it before anything waits.
const options = readOptions(findScript());
const w = window as unknown as { Frontline?: Global };
const stub: Global = w.Frontline || {};

function start() {
  if (!options || stub.loaded) return;
  const widget = mount(options);
  const queued = stub.q || [];
  const real: Global = { ...widget, loaded: true, q: [] };
  w.Frontline = real;
  for (const [method, args] of queued) {
    const fn = widget[method] as ((...a: unknown[]) => void) | undefined;
    const list = Array.isArray(args) || Object.prototype.toString.call(args) === "[object Arguments]" ? Array.prototype.slice.call(args) : [args];
    if (typeof fn === "function") fn.apply(widget, list);
  }
}

if (document.body) start();
else document.addEventListener("DOMContentLoaded", start);
