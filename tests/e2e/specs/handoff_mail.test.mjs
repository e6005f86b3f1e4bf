// What the handoff form says about e-mail follows the server: without `[email]` it asks for
// no address and promises no mail (the agent answers in the chat); with `[email]` it asks
// for one, says replies come by e-mail too, and offers "email me" (replies mailed at once).

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { eventually, launchBrowser, newPage, startServer, widget } from "../harness.mjs";

/** Opens the widget on the demo page and the "Talk to a person" form. */
async function openForm(server, browser) {
  const page = await newPage(browser);
  const w = widget(page);
  await page.goto(server.url + "/");
  await w.launcher.click();
  await page.getByRole("button", { name: "Talk to a person" }).click();
  await w.handoffSubmit.waitFor();
  return { page, w };
}

describe("handoff without [email]: no address asked, no mail promised", () => {
  let server, browser;
  before(async () => {
    server = await startServer("handoff-no-mail");
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("shows no e-mail field and says the answer comes here", async () => {
    const { page, w } = await openForm(server, browser);
    assert.equal(await w.email.count(), 0);
    assert.equal(await page.getByRole("checkbox").count(), 0, "no 'email me'");
    await page.getByText("Our team will answer you here in this chat.").waitFor();
    const form = await page.locator("frontline-widget form.handoff").innerText();
    assert.doesNotMatch(form, /e-?mail/i);
    await w.name.fill("Robin");
    await w.message.fill("Can I change my delivery address?");
    await w.handoffSubmit.click();
    await eventually(async () => assert.equal(await w.status.innerText(), "Waiting for an agent"));
    const [escalation] = await server.admin.escalations("queued");
    assert.equal(escalation.name, "Robin");
    assert.equal(escalation.email, "");
    assert.deepEqual(page.errors, []);
  });
});

describe("handoff with [email]: address required, replies by mail, 'email me'", () => {
  let server, browser;
  before(async () => {
    server = await startServer("handoff-mail", [], { mail: true });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("asks for the address, promises mail and sends the 'email me' choice", async () => {
    const { page, w } = await openForm(server, browser);
    await page.getByText("Leave your e-mail and our team will get back to you here and by e-mail.").waitFor();
    const emailMe = page.getByRole("checkbox", { name: "E-mail me each reply right away instead of waiting here" });
    assert.equal(await emailMe.isChecked(), false, "off unless chosen");
    await w.handoffSubmit.click();
    await page.getByText("Please enter a valid e-mail address").waitFor();
    await w.email.fill("away@example.com");
    await emailMe.check();
    const sent = page.waitForRequest((request) => request.url().endsWith("/handoff") && request.method() === "POST");
    await w.handoffSubmit.click();
    const body = JSON.parse((await sent).postData());
    assert.equal(body.email, "away@example.com");
    assert.equal(body.email_me, true);
    await eventually(async () => assert.equal(await w.status.innerText(), "Waiting for an agent"));
    const [escalation] = await server.admin.escalations("queued");
    assert.equal(escalation.email, "away@example.com");
    assert.deepEqual(page.errors, []);
  });
});
