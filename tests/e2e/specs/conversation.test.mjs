// The main customer journey on the demo storefront: ask, get the article, say "No", hand off
// (bad e-mail rejected first), the escalation is stored, an agent claims and replies live,
// the customer writes back, and a reload restores the whole conversation.

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { eventually, launchBrowser, newPage, screenshot, startServer, widget } from "../harness.mjs";

describe("conversation: answer, handoff, live agent, reload", () => {
  let server, browser, page, w, escalation;

  before(async () => {
    server = await startServer("conversation", [], { mail: true });
    browser = await launchBrowser();
    page = await newPage(browser);
    w = widget(page);
    await page.goto(server.url + "/");
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("opens the launcher into a dialog with the composer focused", async () => {
    await w.launcher.click();
    await w.dialog.waitFor();
    assert.equal(await w.launcher.getAttribute("aria-expanded"), "true");
    assert.equal(await w.input.evaluate((el) => el.getRootNode().activeElement === el), true);
    await screenshot(page, "01-open");
  });

  it("suggests articles while typing and answers a shipping question with the article card", async () => {
    await w.input.pressSequentially("how long does shipping take", { delay: 10 });
    const suggestion = page.locator("frontline-widget .suggest .choice").first();
    await suggestion.waitFor();
    assert.match(await suggestion.innerText(), /ship|deliver/i);
    await screenshot(page, "02-suggestions");
    await w.input.press("Enter");
    const card = w.cards.first();
    await card.waitFor();
    assert.match(await card.locator("h3").innerText(), /ship|deliver/i);
    assert.ok((await card.locator(".body").innerText()).length > 20, "the card shows the article text");
    await card.getByRole("button", { name: "Yes" }).waitFor();
    await screenshot(page, "03-answer");
  });

  it("opens the handoff form on No and rejects a bad e-mail first", async () => {
    await w.cards.first().getByRole("button", { name: "No" }).click();
    await w.email.waitFor();
    assert.equal(await w.email.evaluate((el) => el.getRootNode().activeElement === el), true, "focus moves to the e-mail field");
    await w.email.fill("not-an-email");
    await w.handoffSubmit.click();
    await page.getByText("Please enter a valid e-mail address").waitFor();
    assert.equal(await w.email.getAttribute("aria-invalid"), "true");
    assert.equal((await server.admin.escalations()).length, 0, "nothing was escalated");
    await screenshot(page, "04-handoff-invalid");
  });

  it("hands off and the escalation is stored and queued", async () => {
    await w.email.fill("customer@example.com");
    await w.name.fill("Kim");
    await w.message.fill("My parcel is late, order 1042.");
    await w.handoffSubmit.click();
    await eventually(async () => assert.equal(await w.status.innerText(), "Waiting for an agent"));
    const queued = await server.admin.escalations("queued");
    assert.equal(queued.length, 1);
    escalation = queued[0];
    assert.ok(escalation.id);
    assert.equal(await w.email.count(), 0, "the form is gone");
    await w.input.waitFor();
    await screenshot(page, "05-queued");
  });

  it("shows the agent claiming and replying live", async () => {
    await server.admin.claim(escalation.id, "Ana");
    await eventually(async () => assert.equal(await w.status.innerText(), "Ana is on it"));
    await server.admin.reply(escalation.id, "Ana", "Hi Kim, your parcel left our warehouse today.");
    const reply = w.agentBubbles.filter({ hasText: "your parcel left our warehouse" });
    await reply.waitFor();
    assert.match(await reply.innerText(), /^Ana/);
    await screenshot(page, "06-agent-reply");
  });

  it("lets the customer keep writing to the agent", async () => {
    await w.input.fill("Great, thanks!");
    await w.input.press("Enter");
    const mine = page.locator("frontline-widget .msg.customer", { hasText: "Great, thanks!" });
    await mine.waitFor();
    await eventually(async () => {
      const conversation = await fetchTranscript(page, server.url);
      assert.ok(conversation.transcript.some((m) => m.author === "customer" && m.body === "Great, thanks!"), "stored on the server");
    });
    assert.equal(await mine.count(), 1, "the stream's echo is not shown twice");
  });

  it("restores the conversation after a reload and keeps following it", async () => {
    await page.reload();
    await w.launcher.click();
    await page.locator("frontline-widget .msg.agent", { hasText: "your parcel left our warehouse" }).waitFor();
    await page.locator("frontline-widget .msg.customer", { hasText: "Great, thanks!" }).waitFor();
    await eventually(async () => assert.equal(await w.status.innerText(), "Ana is on it"));
    await server.admin.reply(escalation.id, "Ana", "It should arrive on Thursday.");
    await page.locator("frontline-widget .msg.agent", { hasText: "arrive on Thursday" }).waitFor();
    assert.equal(await w.agentBubbles.filter({ hasText: "your parcel left our warehouse" }).count(), 1, "no replayed duplicates");
    await screenshot(page, "07-after-reload");
  });

  it("shows Resolved when the agent resolves", async () => {
    await server.admin.resolve(escalation.id, "Ana");
    await eventually(async () => assert.equal(await w.status.innerText(), "Resolved"));
    assert.deepEqual(page.errors, []);
  });
});

/** Reads the transcript with the widget's own saved credentials, as the widget does. */
async function fetchTranscript(page, url) {
  const saved = await page.evaluate(() => JSON.parse(localStorage.getItem("frontline:demo")));
  const response = await fetch(`${url}/api/v1/conversations/${saved.id}`, { headers: { Authorization: `Bearer ${saved.token}` } });
  assert.equal(response.status, 200);
  return response.json();
}
