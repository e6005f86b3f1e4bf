// Satisfaction after a resolution: the customer hands off, an agent resolves, the widget asks
// "How did we do?" (1–5 and an optional comment), the rating reaches the admin stats, a
// reload does not ask again, and after the conversation is reopened and resolved again the
// widget asks again and the new rating replaces the first.

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { ADMIN_TOKEN, eventually, launchBrowser, newPage, screenshot, startServer, widget } from "../harness.mjs";

describe("csat: How did we do? after a resolution", () => {
  let server, browser, page, w, escalation;
  const question = () => page.getByRole("heading", { name: "How did we do?" });
  const sendRating = () => page.getByRole("button", { name: "Send rating" });

  before(async () => {
    server = await startServer("csat");
    browser = await launchBrowser();
    page = await newPage(browser);
    w = widget(page);
    await page.goto(server.url + "/");
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("does not ask before anything is resolved", async () => {
    await w.launcher.click();
    await page.getByRole("button", { name: "Talk to a person" }).click();
    await w.message.fill("Where is my refund for order 77?");
    await w.handoffSubmit.click();
    await eventually(async () => assert.equal(await w.status.innerText(), "Waiting for an agent"));
    escalation = (await server.admin.escalations("queued"))[0];
    await server.admin.claim(escalation.id, "Ana");
    await eventually(async () => assert.equal(await w.status.innerText(), "Ana is on it"));
    assert.equal(await question().count(), 0);
  });

  it("asks after the agent resolves, and the rating needs a pick before it can be sent", async () => {
    await server.admin.resolve(escalation.id, "Ana");
    await question().waitFor();
    assert.equal(await sendRating().isDisabled(), true, "nothing picked yet");
    await page.getByRole("button", { name: "4 of 5" }).click();
    assert.equal(await page.getByRole("button", { name: "4 of 5" }).getAttribute("aria-pressed"), "true");
    assert.equal(await sendRating().isDisabled(), false);
    await page.getByRole("textbox", { name: /anything to add/i }).fill("Quick and kind.");
    await screenshot(page, "csat-01-asked");
    await sendRating().click();
    await page.getByText("Thanks for your rating!").waitFor();
    assert.equal(await question().count(), 0, "the question is replaced by the thanks");
    await screenshot(page, "csat-02-thanks");
  });

  it("stores the rating: the stats count one 4 with its comment", async () => {
    const csat = await eventually(async () => {
      const figures = (await stats()).csat;
      assert.equal(figures.ratings, 1);
      return figures;
    });
    assert.equal(csat.resolved, 1);
    assert.equal(csat.average, 4);
    assert.equal(csat.csat_percent, 100);
    assert.deepEqual(
      csat.lowest.map((c) => [c.rating, c.comment, c.agent]),
      [[4, "Quick and kind.", "Ana"]],
    );
  });

  it("does not ask again after a reload", async () => {
    await page.reload();
    await w.launcher.click();
    await eventually(async () => assert.equal(await w.status.innerText(), "Resolved"));
    await page.locator("frontline-widget .msg.customer", { hasText: "Where is my refund" }).waitFor();
    assert.equal(await question().count(), 0);
  });

  it("asks again after a reopened conversation is resolved again; the new rating replaces the old", async () => {
    await w.input.fill("Actually, the refund is still missing.");
    await w.input.press("Enter");
    await eventually(async () => assert.notEqual(await w.status.innerText(), "Resolved"));
    await server.admin.resolve(escalation.id, "Ana");
    await question().waitFor();
    await page.getByRole("button", { name: "2 of 5" }).click();
    await sendRating().click();
    await page.getByText("Thanks for your rating!").last().waitFor();
    const csat = await eventually(async () => {
      const figures = (await stats()).csat;
      assert.equal(figures.average, 2);
      return figures;
    });
    assert.equal(csat.ratings, 1, "one escalation, one rating");
    assert.equal(csat.csat_percent, 0);
    assert.deepEqual(page.errors, []);
  });

  async function stats() {
    const response = await fetch(server.url + "/api/v1/admin/stats?site=demo", { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(response.status, 200);
    return response.json();
  }
});
