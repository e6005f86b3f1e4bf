// The whole story in Chromium against the release binaries and the Slack stand-in (issue 18,
// "Prove it"). A shopper asks, sees a suggestion while typing, gets the answer, says "No" and
// hands off. Ana claims the alert in Slack and answers in its thread, and the shopper sees it
// live. Bea answers from /admin, and the thread shows it. Ana resolves; the shopper writes
// again and the escalation reopens (the thread is told, the alert offers Claim again). A
// manager finds the conversation by searching its words in /admin/conversations.
//
// Slack is the stand-in process (tests/src/bin/slack-standin.rs); Ana's clicks and thread
// replies are the signed callbacks Slack would send (slack.mjs), addressed with the channel
// and ts the stand-in recorded for the alert. Every step waits on a condition, never on time.

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { ADMIN_TOKEN, eventually, launchBrowser, newPage, screenshot, startServer, widget } from "../harness.mjs";
import { click, meta, replyInThread, startBot, startSlackStandIn } from "../slack.mjs";

const CHANNEL = "C0SUPPORT";
const ANA = { id: "U0ANA", name: "ana" };
const ORDER = "NW-55213";
const FIRST_MESSAGE = `The boots pinch at the heel, I would like to send them back. Order ${ORDER}.`;

describe("journey: ask, hand off, Slack and /admin, resolve, reopen, search", { skip: process.env.FRONTLINE_E2E_SERVER && "needs the real widget server and bot (FRONTLINE_E2E_SERVER is set)" }, () => {
  let slack, server, bot, browser, shopper, agentPage, w, escalationId, conversationId;

  /** The alert as the stand-in holds it now. */
  const alert = () => slack.waitFor("alert", (all) => all.find((m) => meta(m, "escalation_id") === escalationId && meta(m, "purpose") === "alert"));
  /** Waits until the alert shows exactly `buttons`. */
  const alertWithButtons = (buttons) =>
    slack.waitFor(`alert with buttons ${buttons}`, (all) =>
      all.find((m) => meta(m, "escalation_id") === escalationId && meta(m, "purpose") === "alert" && m.buttons.join() === buttons.join()));
  /** Waits for a post in the alert's thread whose text contains `text`. */
  const inThread = (parent, text) =>
    slack.waitFor(`post in the thread containing ${JSON.stringify(text)}`, (all) => all.find((m) => m.thread_ts === parent.ts && m.text.includes(text)));

  before(async () => {
    slack = await startSlackStandIn("journey");
    server = await startServer("journey", [], { profile: "release", mail: true });
    bot = await startBot("journey", { profile: "release", databaseUrl: server.databaseUrl, slack, channel: CHANNEL });
    await slack.addMember({ id: ANA.id, name: ANA.name, display_name: "Ana Lima", real_name: "Ana Lima Souza" });
    browser = await launchBrowser();
    shopper = await newPage(browser);
    w = widget(shopper);
    agentPage = await newPage(browser);
    await shopper.goto(server.url + "/");
  });
  after(async () => {
    await browser?.close();
    await bot?.stop();
    await server?.stop();
    await slack?.stop();
  });

  it("suggests an article while the shopper types, then answers the question", async () => {
    await w.launcher.click();
    await w.dialog.waitFor();
    await w.input.pressSequentially("how do I return my boots", { delay: 10 });
    const suggestion = shopper.locator("frontline-widget .suggest .choice").first();
    await suggestion.waitFor();
    assert.match(await suggestion.innerText(), /return/i);
    await w.input.press("Enter");
    const card = w.cards.first();
    await card.waitFor();
    assert.match(await card.locator("h3").innerText(), /return/i);
    assert.match(await card.locator(".body").innerText(), /30 days/);
    await screenshot(shopper, "journey-01-answer");
  });

  it("hands off after No and the alert reaches the Slack channel", async () => {
    await w.cards.first().getByRole("button", { name: "No" }).click();
    await w.email.waitFor();
    await w.email.fill("kim.park@example.com");
    await w.name.fill("Kim Park");
    await w.message.fill(FIRST_MESSAGE);
    await w.handoffSubmit.click();
    await eventually(async () => assert.equal(await w.status.innerText(), "Waiting for an agent"));
    const queued = await server.admin.escalations("queued");
    assert.equal(queued.length, 1);
    escalationId = queued[0].id;
    conversationId = (await shopper.evaluate(() => JSON.parse(localStorage.getItem("frontline:demo")))).id;

    const posted = await alertWithButtons(["claim"]);
    assert.equal(posted.channel, CHANNEL);
    assert.ok(posted.visible_text.includes("Kim Park") && posted.visible_text.includes("kim.park@example.com"), posted.visible_text);
    assert.ok(posted.visible_text.includes(ORDER), posted.visible_text);
    await screenshot(shopper, "journey-02-handed-off");
  });

  it("Ana claims in Slack: the alert says so and the widget shows her display name", async () => {
    await click(bot, slack, ANA, await alert(), "claim");
    const claimed = await alertWithButtons(["release", "resolve"]);
    assert.match(claimed.visible_text, /Claimed by @Ana Lima/);
    await eventually(async () => assert.equal(await w.status.innerText(), "Ana Lima is on it"));
  });

  it("Ana's reply in the thread appears live in the widget", async () => {
    const text = "Hi Kim, sorry about the fit. I have started a return for you.";
    await replyInThread(bot, slack, ANA, await alert(), text);
    const reply = w.agentBubbles.filter({ hasText: "I have started a return for you." });
    await reply.waitFor();
    assert.match(await reply.innerText(), /^Ana Lima/);
    await screenshot(shopper, "journey-03-agent-reply");
  });

  it("Bea's reply typed in /admin appears in the Slack thread and in the widget", async () => {
    await agentPage.goto(server.url + "/admin");
    await agentPage.getByLabel(/admin token/i).fill(ADMIN_TOKEN);
    await agentPage.getByLabel(/your name/i).fill("Bea Okafor");
    await agentPage.getByRole("button", { name: "Sign in" }).click();
    await agentPage.getByRole("link", { name: "Queue" }).click();
    await agentPage.locator(`tr[data-escalation="${escalationId}"]`).getByRole("link").click();
    await agentPage.getByLabel(/reply to the customer/i).fill("The return label is in your inbox, Kim.");
    await agentPage.getByRole("button", { name: "Send reply" }).click();
    await agentPage.getByText("Reply sent.").waitFor();

    const mirrored = await inThread(await alert(), "The return label is in your inbox, Kim.");
    assert.match(mirrored.text, /\*Bea Okafor\* replied to the customer from the dashboard/);
    const reply = w.agentBubbles.filter({ hasText: "The return label is in your inbox" });
    await reply.waitFor();
    assert.match(await reply.innerText(), /^Bea Okafor/);
  });

  it("Ana resolves in Slack: the alert and the widget say Resolved", async () => {
    await click(bot, slack, ANA, await alert(), "resolve");
    const resolved = await alertWithButtons([]);
    assert.match(resolved.visible_text, /Resolved by @Ana Lima/);
    await eventually(async () => assert.equal(await w.status.innerText(), "Resolved"));
    await screenshot(shopper, "journey-04-resolved");
  });

  it("a message after Resolve reopens: the widget waits for a person, the thread is told, the alert offers Claim", async () => {
    // What the assistant shows: answer and "did you mean" cards, its own bubbles (not the
    // "How did we do?" card the resolution brought, which the reopening takes away).
    const assistant = shopper.locator("frontline-widget .card:not([data-csat]), frontline-widget .msg.assistant");
    const rating = shopper.locator("frontline-widget [data-csat]");
    assert.equal(await rating.count(), 1, "the resolution asks how we did");
    const assistantBefore = await assistant.count();
    await w.input.fill("Sorry, one more thing: the replacement pair is too small as well.");
    await w.input.press("Enter");
    await shopper.locator("frontline-widget .msg.customer", { hasText: "the replacement pair is too small" }).waitFor();
    await eventually(async () => assert.equal(await w.status.innerText(), "Waiting for an agent"));

    const told = await inThread(await alert(), "Reopened by the customer");
    assert.ok(told.text.includes("the replacement pair is too small as well"), told.text);
    const reopened = await alertWithButtons(["claim"]);
    assert.ok(!reopened.visible_text.includes("Resolved by"), reopened.visible_text);
    assert.equal(await assistant.count(), assistantBefore, "the message went to the team, not to the assistant");
    assert.equal(await rating.count(), 0, "a reopened conversation no longer asks for a rating");
    await screenshot(shopper, "journey-05-reopened");
    assert.deepEqual(shopper.errors, []);
  });

  it("a manager finds the conversation by searching its words in /admin/conversations", async () => {
    // Another shopper's conversation, which the search must leave out.
    const other = await fetch(server.url + "/api/v1/sites/demo/ask", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ text: "how long does shipping take" }),
    });
    assert.equal(other.status, 200);

    await agentPage.getByRole("link", { name: "Conversations" }).click();
    await agentPage.getByLabel("Search messages").fill(ORDER);
    await agentPage.getByRole("button", { name: "Find" }).click();
    const rows = agentPage.locator("tr[data-conversation]");
    await eventually(async () => assert.equal(await rows.count(), 1));
    const row = agentPage.locator(`tr[data-conversation="${conversationId}"]`);
    assert.match(await row.innerText(), /Kim Park/);
    assert.match(await row.locator(".badge").innerText(), /queued/);
    await screenshot(agentPage, "journey-06-search");

    await row.getByRole("link").click();
    const transcript = agentPage.locator(".transcript");
    await transcript.getByText("I have started a return for you.").waitFor();
    await transcript.getByText("The return label is in your inbox, Kim.").waitFor();
    await transcript.getByText("the replacement pair is too small as well").waitFor();
  });
});
