// Test harness: starts one frontline-widget-server per test file (random free port, temp
// SQLite file, admin token), drives Debian's Chromium through playwright-core, and offers
// small helpers for the widget and the server's admin API.
//
// FRONTLINE_E2E_PROFILE picks the cargo profile whose binaries the specs start (default
// `debug`; `tests/run.sh` sets `release`, the one build it makes). FRONTLINE_E2E_SERVER
// overrides the server command (default: target/<profile>/frontline-widget-server),
// e.g. FRONTLINE_E2E_SERVER="node widget-js/dev/mock-server.mjs" to run against the dev mock.
// The bot and the Slack stand-in for the journey spec are started by slack.mjs.

import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, createWriteStream, existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const ARTIFACTS = join(REPO, "tests", "e2e", "artifacts");
const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
/** The cargo profile (target/<PROFILE>/…) whose binaries the specs start. */
export const PROFILE = process.env.FRONTLINE_E2E_PROFILE || "debug";
export const ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef";

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function serverCommand(profile) {
  const custom = process.env.FRONTLINE_E2E_SERVER;
  if (custom) return custom.split(/\s+/).filter(Boolean);
  const binary = join(REPO, "target", profile, "frontline-widget-server");
  const build = profile === "release" ? "cargo build --release --workspace --bins" : "cargo build --workspace --bins";
  if (!existsSync(binary)) throw new Error(`${binary} is missing: run \`${build}\` first`);
  return [binary];
}

/**
 * Starts the server on a free port with a fresh temp database. `args` are extra command-line
 * arguments (e.g. `["--config", path]`); `profile` picks target/<profile> (default
 * PROFILE); `mail: true` runs the demo configuration with an `[email]` section (the widget
 * then asks for an e-mail address; without it, it asks for none); `toml` runs the demo
 * configuration with that text appended (e.g. an `[auth.oidc]` section); `env` adds
 * environment variables (e.g. `FRONTLINE_OIDC_CLIENT_SECRET`). Returns
 * { url, admin, stop, dir, databaseUrl } (the bot can share the database).
 */
export async function startServer(name, args = [], { profile = PROFILE, mail = false, toml = "", env = {} } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "frontline-e2e-"));
  if (mail || toml) args = ["--config", demoConfig(dir, (mail ? MAIL_TOML : "") + toml), ...args];
  const databaseUrl = `sqlite://${dir}/f.db?mode=rwc`;
  const port = await freePort();
  const [command, ...baseArgs] = serverCommand(profile);
  mkdirSync(ARTIFACTS, { recursive: true });
  const log = createWriteStream(join(ARTIFACTS, `${name}.server.log`));
  const child = spawn(command, [...baseArgs, ...args], {
    cwd: REPO,
    env: {
      ...process.env,
      FRONTLINE_LISTEN: `127.0.0.1:${port}`,
      FRONTLINE_DATABASE_URL: databaseUrl,
      FRONTLINE_ADMIN_TOKEN: ADMIN_TOKEN,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = null;
  child.on("exit", (code, signal) => (exited = { code, signal }));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`server exited early (${JSON.stringify(exited)}); see artifacts/${name}.server.log`);
    try {
      const response = await fetch(`${url}/api/v1/sites/demo/config`);
      if (response.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`server did not answer on ${url} within 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }

  async function stop() {
    if (!exited) {
      const done = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
      if (!exited) child.kill("SIGKILL");
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return { url, admin: adminClient(url), stop, dir, databaseUrl };
}

/** An `[email]` section whose SMTP server is never reached (the widget server does not send
 * mail; only the bot does). */
const MAIL_TOML = '\n[email]\nsmtp_url = "smtp://127.0.0.1:9"\nfrom = "Support <support@example.com>"\nreply_domain = "reply.example.com"\n';

/**
 * The demo configuration (widget-server/demo/frontline.toml) written to `dir` with its
 * relative paths made absolute and `extra` appended.
 */
function demoConfig(dir, extra) {
  const demo = join(REPO, "widget-server", "demo");
  const toml = readFileSync(join(demo, "frontline.toml"), "utf8")
    .replace(/^knowledge_dir = "(.*)"$/m, (_, path) => `knowledge_dir = ${JSON.stringify(join(demo, path))}`)
    .replace(/^intents_file = "(.*)"$/m, (_, path) => `intents_file = ${JSON.stringify(join(demo, path))}`);
  const path = join(dir, "frontline.toml");
  writeFileSync(path, toml + "\n" + extra);
  return path;
}

/** The admin API, as an agent's tooling would call it. */
function adminClient(url) {
  async function call(method, path, body) {
    const response = await fetch(url + "/api/v1/admin" + path, {
      method,
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, ...(body ? { "Content-Type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }
  return {
    async escalations(status) {
      const body = await call("GET", "/escalations" + (status ? `?status=${status}` : ""));
      return Array.isArray(body) ? body : body.escalations || body.items || [];
    },
    claim: (id, agent) => call("POST", `/escalations/${id}/claim`, { agent }),
    reply: (id, agent, text) => call("POST", `/escalations/${id}/reply`, { agent, text }),
    resolve: (id, agent) => call("POST", `/escalations/${id}/resolve`, { agent }),
  };
}

export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** A new page that records dialogs (alert/confirm) and page errors for XSS assertions. */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "en-US", reducedMotion: "reduce", ...options });
  const page = await context.newPage();
  page.dialogs = [];
  page.errors = [];
  page.on("dialog", (dialog) => {
    page.dialogs.push(dialog.message());
    dialog.dismiss().catch(() => {});
  });
  page.on("pageerror", (error) => page.errors.push(error.message));
  return page;
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** Locators for the widget's parts (Playwright's role selectors pierce the open shadow root). */
export function widget(page) {
  return {
    launcher: page.locator("frontline-widget .launcher"),
    dialog: page.getByRole("dialog"),
    input: page.getByRole("textbox", { name: /your message|ihre nachricht/i }),
    log: page.getByRole("log"),
    status: page.locator("frontline-widget .status"),
    email: page.getByRole("textbox", { name: /e-mail/i }),
    name: page.getByRole("textbox", { name: /^name$/i }),
    message: page.getByRole("textbox", { name: /^message$/i }),
    handoffSubmit: page.getByRole("button", { name: "Send to the team" }),
    agentBubbles: page.locator("frontline-widget .msg.agent"),
    cards: page.locator("frontline-widget .card[data-answer]"),
  };
}

/** Polls `check` (which throws until satisfied) for up to `ms`. */
export async function eventually(check, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The element focused inside the widget's shadow root, described for assertions. */
export function focused(page) {
  return page.evaluate(() => {
    const host = document.querySelector("frontline-widget");
    const el = host && host.shadowRoot && host.shadowRoot.activeElement;
    if (!el || document.activeElement !== host) return null;
    return { tag: el.localName, cls: el.className || "", label: el.getAttribute("aria-label") || el.textContent.trim(), inPanel: !!el.closest(".panel") };
  });
}
