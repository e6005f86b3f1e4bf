// Throwaway stand-in for frontline-widget-server, for developing the widget before the real
// server landed. NOT the product: in-memory, naive keyword matching. Speaks the same API
// (site config, ask, suggest, answers, feedback, handoff, conversations, SSE events, admin)
// and reads the same env: FRONTLINE_LISTEN, FRONTLINE_ADMIN_TOKEN (FRONTLINE_DATABASE_URL ignored).
//   node dev/mock-server.mjs            then open http://127.0.0.1:8080/

import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";

const [host, port] = (process.env.FRONTLINE_LISTEN || "127.0.0.1:8080").split(":");
const ADMIN = process.env.FRONTLINE_ADMIN_TOKEN || "dev-admin-token-0123456789abcdef";
const WIDGET = new URL("../dist/widget.js", import.meta.url);

const ARTICLES = [
  { kind: "article", id: "shipping-times", title: "How long does shipping take?", url: "https://northwind.example/help/shipping",
    text: "Orders ship within 1 business day. Standard delivery takes 3-5 business days; express takes 1-2.",
    html: "<p>Orders ship within <strong>1 business day</strong>.</p><ul><li>Standard: 3-5 business days</li><li>Express: 1-2 business days</li></ul>",
    words: "shipping ship delivery take long arrive days express" },
  { kind: "article", id: "returns", title: "Returning an item", url: "https://northwind.example/help/returns",
    text: "You can return unworn items within 30 days for a full refund.",
    html: "<p>You can return unworn items within <em>30 days</em> for a full refund. Start at <a href=\"https://northwind.example/returns\">our returns page</a>.</p>",
    words: "return returns refund exchange send back" },
  { kind: "article", id: "sizing", title: "Finding your size", url: "https://northwind.example/help/sizes",
    text: "Our jackets run true to size; see the size chart on each product page.",
    html: "<p>Our jackets run true to size; see the size chart on each product page.</p>",
    words: "size sizes sizing fit chart jacket small large" },
];
const HUMAN = /\b(human|person|agent|someone|representative)\b/i;

const conversations = new Map(); // id -> { token, transcript, events, escalation, listeners }
const escalations = new Map(); // id -> { id, conversation_id, status, agent, email, ... }
const newId = (p) => p + "_" + randomBytes(6).toString("hex");

function score(text, article) {
  const words = text.toLowerCase().match(/[a-z]+/g) || [];
  return words.filter((w) => w.length > 2 && article.words.split(" ").includes(w)).length;
}
function ranked(text) {
  return ARTICLES.map((a) => ({ a, s: score(text, a) })).filter((x) => x.s > 0).sort((x, y) => y.s - x.s);
}
const answerOf = ({ kind, id, title, html, text, url }) => ({ kind, id, title, html, text, url });
const suggestionOf = ({ a, s }) => ({ kind: a.kind, id: a.id, title: a.title, snippet_html: a.text.slice(0, 60).replace(/&/g, "&amp;").replace(/</g, "&lt;"), url: a.url, confidence: Math.min(0.9, s / 4) });

function conversation(id) {
  let c = id && conversations.get(id);
  if (!c) {
    id = newId("c");
    c = { id, token: newId("t"), transcript: [], events: [], escalation: null, listeners: new Set() };
    conversations.set(id, c);
  }
  return c;
}
function emit(c, event, data) {
  const entry = { id: String(c.events.length + 1), event, data };
  c.events.push(entry);
  for (const res of c.listeners) writeEvent(res, entry);
}
function writeEvent(res, { id, event, data }) {
  res.write(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
function say(c, author, body, author_name) {
  const message = { author, body, at_ms: Date.now(), message_id: newId("m"), ...(author_name ? { author_name } : {}) };
  c.transcript.push(message);
  emit(c, "message", message);
}
function setStatus(e, status, agent) {
  e.status = status;
  if (agent) e.agent = agent;
  emit(conversations.get(e.conversation_id), "status", { status, agent: e.agent, escalation_id: e.id, at_ms: Date.now() });
}

function send(res, status, body) {
  res.writeHead(status, { "Content-Type": "application/json", "Access-Control-Allow-Origin": "*" });
  res.end(body === undefined ? "" : JSON.stringify(body));
}
const fail = (res, status, code, message) => send(res, status, { error: { code, message } });
const bearer = (req) => (req.headers.authorization || "").replace(/^Bearer /, "");
async function json(req) {
  let raw = "";
  for await (const chunk of req) raw += chunk;
  try {
    return JSON.parse(raw || "{}");
  } catch {
    return null;
  }
}
function authorized(req, res, id, token = bearer(req)) {
  const c = conversations.get(id);
  if (!c) return fail(res, 404, "not_found", "no such conversation"), null;
  if (c.token !== token) return fail(res, 401, "unauthorized", "bad conversation token"), null;
  return c;
}

const DEMO = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Northwind Outfitters</title><style>body{font-family:Georgia,serif;margin:0;background:#f6f3ee}header{background:#2d4a3e;color:#fff;padding:24px}main{padding:24px;max-width:800px}</style></head>
<body><header><h1>Northwind Outfitters</h1><p>Jackets, boots and packs for the long way round.</p></header>
<main><h2>Autumn collection</h2><p>Waxed cotton jackets, merino layers and waterproof boots.</p></main>
<script>window.Frontline=window.Frontline||{q:[]};["identify","open","close"].forEach(function(m){window.Frontline[m]=window.Frontline[m]||function(){window.Frontline.q.push([m,arguments])}});
window.Frontline.identify({plan:"demo"});</script>
<script src="/widget.js" data-site="demo" async></script></body></html>`;

const routes = [
  ["GET", /^\/$/, (req, res) => { res.writeHead(200, { "Content-Type": "text/html; charset=utf-8" }); res.end(DEMO); }],
  ["GET", /^\/widget\.js$/, (req, res) => { res.writeHead(200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache" }); res.end(readFileSync(WIDGET)); }],
  ["GET", /^\/api\/v1\/sites\/([^/]+)\/config$/, (req, res, [site]) =>
    send(res, 200, { site, name: "Northwind Outfitters", locale: "en", business_hours: { open_now: true, next_open: null, next_open_text: null, time_zone: "Europe/Berlin" }, email_enabled: true })],
  ["POST", /^\/api\/v1\/sites\/[^/]+\/ask$/, async (req, res) => {
    const body = await json(req);
    if (!body || typeof body.text !== "string" || !body.text.trim()) return fail(res, 400, "invalid_request", "text is required");
    let c;
    if (body.conversation_id) { c = authorized(req, res, body.conversation_id); if (!c) return; } else c = conversation();
    say(c, "customer", body.text);
    const hits = ranked(body.text);
    const reply = { conversation_id: c.id, conversation_token: c.token, suggestions: hits.map(suggestionOf), confidence: hits.length ? Math.min(0.95, hits[0].s / 3) : 0 };
    if (HUMAN.test(body.text)) Object.assign(reply, { decision: "handoff", handoff_reason: "asked_for_human" });
    else if (hits.length && hits[0].s >= 2) { reply.decision = "answer"; reply.answer = answerOf(hits[0].a); say(c, "assistant", hits[0].a.text); }
    else if (hits.length) reply.decision = "suggest";
    else Object.assign(reply, { decision: "handoff", handoff_reason: "low_confidence" });
    send(res, 200, reply);
  }],
  ["GET", /^\/api\/v1\/sites\/[^/]+\/suggest$/, (req, res, _, url) =>
    send(res, 200, { suggestions: (url.searchParams.get("q") || "").length < 3 ? [] : ranked(url.searchParams.get("q")).map(suggestionOf) })],
  ["GET", /^\/api\/v1\/sites\/[^/]+\/answers\/([^/]+)\/([^/]+)$/, (req, res, [kind, id]) => {
    const a = ARTICLES.find((x) => x.kind === kind && x.id === id);
    return a ? send(res, 200, answerOf(a)) : fail(res, 404, "not_found", "no such answer");
  }],
  ["POST", /^\/api\/v1\/sites\/[^/]+\/feedback$/, async (req, res) => {
    const body = await json(req);
    if (authorized(req, res, body && body.conversation_id)) send(res, 204);
  }],
  ["POST", /^\/api\/v1\/sites\/[^/]+\/handoff$/, async (req, res) => {
    const body = (await json(req)) || {};
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(body.email || "")) return fail(res, 400, "invalid_email", "not a valid e-mail address");
    let c;
    if (body.conversation_id) { c = authorized(req, res, body.conversation_id); if (!c) return; } else c = conversation();
    const e = { id: newId("e"), conversation_id: c.id, site_id: "demo", status: "queued", email: body.email, name: body.name, customer: body.customer, page_url: body.page_url, created_at_ms: Date.now() };
    escalations.set(e.id, e);
    c.escalation = e;
    if (body.message) say(c, "customer", body.message);
    emit(c, "status", { status: "queued", escalation_id: e.id, at_ms: Date.now() });
    send(res, 201, { escalation_id: e.id, status: "queued", conversation_id: c.id, conversation_token: c.token, outside_hours: false });
  }],
  ["GET", /^\/api\/v1\/conversations\/([^/]+)$/, (req, res, [id]) => {
    const c = authorized(req, res, id);
    if (c) send(res, 200, { conversation_id: c.id, site_id: "demo", transcript: c.transcript.map(({ message_id, ...m }) => m),
      escalation: c.escalation && { id: c.escalation.id, status: c.escalation.status, agent: c.escalation.agent } });
  }],
  ["POST", /^\/api\/v1\/conversations\/([^/]+)\/messages$/, async (req, res, [id]) => {
    const c = authorized(req, res, id);
    if (!c) return;
    const body = await json(req);
    say(c, "customer", body.text);
    send(res, 201, { message_id: c.transcript.at(-1).message_id });
  }],
  ["GET", /^\/api\/v1\/conversations\/([^/]+)\/events$/, (req, res, [id], url) => {
    const c = authorized(req, res, id, url.searchParams.get("token"));
    if (!c) return;
    res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*" });
    res.write(": connected\n\n");
    const after = Number(req.headers["last-event-id"] || url.searchParams.get("after") || 0);
    for (const entry of c.events) if (Number(entry.id) > after) writeEvent(res, entry);
    c.listeners.add(res);
    req.on("close", () => c.listeners.delete(res));
  }],
  ["GET", /^\/api\/v1\/admin\/escalations$/, (req, res, _, url) => {
    const status = url.searchParams.get("status");
    send(res, 200, { escalations: [...escalations.values()].filter((e) => !status || e.status === status) });
  }],
  ["POST", /^\/api\/v1\/admin\/escalations\/([^/]+)\/(claim|reply|resolve)$/, async (req, res, [id, action]) => {
    const e = escalations.get(id);
    if (!e) return fail(res, 404, "not_found", "no such escalation");
    const body = (await json(req)) || {};
    const c = conversations.get(e.conversation_id);
    if (action === "claim") setStatus(e, "claimed", body.agent);
    if (action === "reply") say(c, "agent", body.text, body.agent);
    if (action === "resolve") setStatus(e, "resolved");
    send(res, 200, { id: e.id, status: e.status, agent: e.agent });
  }],
];

createServer(async (req, res) => {
  const url = new URL(req.url, "http://x");
  for (const [method, pattern, handler] of routes) {
    const match = url.pathname.match(pattern);
    if (!match || method !== req.method) continue;
    if (url.pathname.startsWith("/api/v1/admin/") && bearer(req) !== ADMIN) return fail(res, 401, "unauthorized", "admin token required");
    return handler(req, res, match.slice(1).map(decodeURIComponent), url);
  }
  fail(res, 404, "not_found", "no such route");
}).listen(Number(port), host, () => console.log(`mock frontline-widget-server listening on http://${host}:${port}`));
