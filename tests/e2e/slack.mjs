// Slack for the browser journey: the Slack stand-in (`slack-standin`, tests/src/bin) as a
// process, the real frontline-bot binary pointed at it, and the callbacks Slack sends when a
// person clicks a button or writes in a thread, signed the way Slack signs them.
//
// Slack's documented shapes, followed here as in the Rust suite (tests/src/slack_callbacks.rs):
// - signing: https://api.slack.com/authentication/verifying-requests-from-slack
//   (`X-Slack-Signature: v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`)
// - button clicks: https://api.slack.com/reference/interaction-payloads/block-actions
//   (form body, one `payload` field holding the JSON)
// - thread replies: https://api.slack.com/apis/events-api#callback-field wrapping
//   https://api.slack.com/events/message (a `message` with `thread_ts` = the parent's `ts`)

import { spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { ARTIFACTS, eventually, PROFILE, REPO } from "./harness.mjs";

/**
 * Starts `command` with `env` (and `args`), logs to artifacts/NAME.log, and resolves with its
 * first stdout line that `ready` turns into a value (anything else it prints goes to the log).
 */
export async function startProcess(name, command, env, ready, args = []) {
  if (!existsSync(command)) throw new Error(`${command} is missing: run tests/e2e/run.sh's build steps first`);
  mkdirSync(ARTIFACTS, { recursive: true });
  const log = createWriteStream(join(ARTIFACTS, `${name}.log`));
  const child = spawn(command, args, { cwd: REPO, env, stdio: ["ignore", "pipe", "pipe"] });
  child.stderr.pipe(log);
  let exited = null;
  const exit = new Promise((resolve) => child.once("exit", (code, signal) => resolve((exited = { code, signal }))));
  const value = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} printed nothing useful within 60 s; see artifacts/${name}.log`)), 60_000);
    let found = false;
    createInterface({ input: child.stdout }).on("line", (line) => {
      log.write(line + "\n");
      const value = found ? undefined : ready(line);
      if (value !== undefined) {
        found = true;
        clearTimeout(timer);
        resolve(value);
      }
    });
    exit.then((status) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited early (${JSON.stringify(status)}); see artifacts/${name}.log`));
    });
  });
  async function stop() {
    if (exited) return;
    child.kill("SIGTERM");
    const stopped = await Promise.race([exit, new Promise((r) => setTimeout(() => r(null), 5000))]);
    if (!stopped) child.kill("SIGKILL");
  }
  return { value, stop };
}

/** target/{profile}/{name}. */
export function binary(profile, name) {
  return join(REPO, "target", profile, name);
}

/**
 * Starts the Slack stand-in (test code, not the product) from the PROFILE build. Returns
 * { apiUrl, botToken, signingSecret, messages(), addMember(member), waitFor(what, pick), stop }.
 */
export async function startSlackStandIn(name) {
  const { value: ready, stop } = await startProcess(
    `${name}.slack`,
    binary(PROFILE, "slack-standin"),
    { PATH: process.env.PATH },
    (line) => (line.startsWith("{") ? JSON.parse(line) : undefined),
  );
  async function messages() {
    const response = await fetch(ready.base + "/standin/messages");
    if (!response.ok) throw new Error(`stand-in messages: ${response.status}`);
    return response.json();
  }
  return {
    apiUrl: ready.api_url,
    botToken: ready.bot_token,
    signingSecret: ready.signing_secret,
    messages,
    /** A workspace member `users.info` will describe: { id, name, display_name, real_name }. */
    async addMember(member) {
      const response = await fetch(ready.base + "/standin/members", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(member),
      });
      if (!response.ok) throw new Error(`stand-in members: ${response.status}`);
    },
    /** Polls the posted messages until `pick(messages)` returns something; `what` names it on timeout. */
    async waitFor(what, pick, ms = 10_000) {
      return eventually(async () => {
        const found = pick(await messages());
        if (!found) throw new Error(`the Slack stand-in has no ${what}`);
        return found;
      }, ms);
    },
    stop,
  };
}

/** Starts the frontline-bot binary of `profile` on `databaseUrl`, talking to `slack`. Returns { url, stop }. */
export async function startBot(name, { profile, databaseUrl, slack, channel }) {
  const { value: url, stop } = await startProcess(
    `${name}.bot`,
    binary(profile, "frontline-bot"),
    {
      PATH: process.env.PATH,
      FRONTLINE_LOG: "info,sqlx=warn",
      FRONTLINE_DATABASE_URL: databaseUrl,
      FRONTLINE_BOT_LISTEN: "127.0.0.1:0",
      FRONTLINE_SLACK_API_URL: slack.apiUrl,
      FRONTLINE_SLACK_DEFAULT_CHANNEL: channel,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
    },
    (line) => line.match(/^Frontline bot listening on (\S+)/)?.[1],
  );
  return { url, stop };
}

/** The `metadata.event_payload` field the bot attaches to what it posts (escalation_id, purpose). */
export function meta(message, field) {
  return message.metadata?.event_payload?.[field];
}

async function sendSigned(slack, url, body, contentType) {
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = "v0=" + createHmac("sha256", slack.signingSecret).update(`v0:${timestamp}:${body}`).digest("hex");
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": contentType, "X-Slack-Request-Timestamp": String(timestamp), "X-Slack-Signature": signature },
    body,
  });
  if (response.status !== 200) throw new Error(`${url}: ${response.status} ${await response.text()}`);
}

/** `user` ({ id, name }) clicks the button `actionId` on `message` (as the stand-in holds it now). */
export async function click(bot, slack, user, message, actionId) {
  const block = message.blocks.find((b) => (b.elements || []).some((e) => e.action_id === actionId));
  if (!block) throw new Error(`the message has no ${actionId} button: ${JSON.stringify(message.buttons)}`);
  const button = block.elements.find((e) => e.action_id === actionId);
  const now = Date.now() / 1000;
  const payload = {
    type: "block_actions",
    user: { id: user.id, username: user.name, name: user.name, team_id: "T0NORTHWIND" },
    api_app_id: "A0FRONTLINE",
    token: "legacy-verification-token",
    container: { type: "message", message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
    trigger_id: `${Math.floor(now)}.${randomBytes(4).readUInt32BE()}.${randomBytes(8).toString("hex")}`,
    team: { id: "T0NORTHWIND", domain: "northwind" },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: message.channel, name: "support" },
    message: { type: "message", subtype: "bot_message", bot_id: "B0BOT", text: message.text, ts: message.ts, blocks: message.blocks },
    state: { values: {} },
    response_url: "https://hooks.slack.com/actions/T0NORTHWIND/1/standin",
    actions: [{
      action_id: actionId, block_id: block.block_id,
      text: { type: "plain_text", text: actionId, emoji: true },
      value: button.value, type: "button", action_ts: now.toFixed(6),
    }],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  await sendSigned(slack, bot.url + "/slack/interactions", body, "application/x-www-form-urlencoded");
}

/** `user` writes `text` in the thread of `parent`; Slack delivers it as an Events API callback. */
export async function replyInThread(bot, slack, user, parent, text) {
  const ts = `${Math.floor(Date.now() / 1000)}.${String(randomBytes(4).readUInt32BE() % 1_000_000).padStart(6, "0")}`;
  const callback = {
    token: "legacy-verification-token",
    team_id: "T0NORTHWIND",
    api_app_id: "A0FRONTLINE",
    event: {
      type: "message", channel: parent.channel, user: user.id, text, ts, thread_ts: parent.ts, event_ts: ts,
      channel_type: "channel", client_msg_id: randomBytes(8).toString("hex"), team: "T0NORTHWIND",
    },
    type: "event_callback",
    event_id: "Ev" + randomBytes(6).toString("hex").toUpperCase(),
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: "T0NORTHWIND", user_id: "U0BOT", is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    event_context: "4-eyJldCI6Im1lc3NhZ2UifQ",
  };
  await sendSigned(slack, bot.url + "/slack/events", JSON.stringify(callback), "application/json");
}
