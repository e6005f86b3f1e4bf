// Vague input gets a clarifying choice (issue 18, item 4): "help" is not handed straight to
// the form and "my order" is not answered with a guess; the widget asks which topic it is
// about, offers the site's top questions (or the close candidates) plus "Talk to a person",
// and a picked option is answered as if the customer had asked it, also after a reload.
// An explicit "talk to a human" still opens the form at once.

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { launchBrowser, newPage, screenshot, startServer, widget } from "../harness.mjs";

const QUESTION = "Happy to help! Which of these is it about?";

async function ask(page, w, text) {
  await w.input.fill(text);
  await w.input.press("Enter");
}

describe("clarify: a vague question gets a choice, not a guess or a form", () => {
  let server, browser;

  before(async () => {
    server = await startServer("clarify", [], { mail: true });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("'help' offers the site's top questions; picking one answers it, and a reload keeps it", async () => {
    const page = await newPage(browser);
    const w = widget(page);
    await page.goto(server.url + "/");
    await w.launcher.click();
    await ask(page, w, "help");
    const choice = page.getByRole("group", { name: QUESTION });
    await choice.waitFor();
    assert.deepEqual(await choice.getByRole("button").allInnerTexts(), [
      "Where is my order?",
      "How much is shipping?",
      "How do I return something?",
      "Which payment methods do you accept?",
      "Talk to a person",
    ]);
    assert.equal(await w.email.count(), 0, "no handoff form for a vague question");
    assert.equal(await w.cards.count(), 0, "no guessed answer");
    await screenshot(page, "clarify-01-help");

    await choice.getByRole("button", { name: "Where is my order?" }).click();
    await page.locator("frontline-widget .msg.customer", { hasText: "Where is my order?" }).waitFor();
    const card = w.cards.last();
    await card.waitFor();
    assert.equal(await card.getAttribute("data-answer"), "intent:order_status");
    assert.match(await card.innerText(), /tracking link/);
    assert.match(await card.innerText(), /Did this help\?/);
    await screenshot(page, "clarify-02-picked");

    await page.reload();
    await w.launcher.click();
    const restored = page.locator("frontline-widget .card[data-restored]");
    await restored.waitFor();
    assert.equal(await restored.locator("h3").innerText(), "Where is my order?");
    const customer = await page.locator("frontline-widget .msg.customer").allInnerTexts();
    assert.deepEqual(customer.map((t) => t.replace(/^You\s*/, "")), ["help", "Where is my order?"]);
    await page.context().close();
  });

  it("'my order' offers the order questions instead of guessing one", async () => {
    const page = await newPage(browser);
    const w = widget(page);
    await page.goto(server.url + "/");
    await w.launcher.click();
    await ask(page, w, "my order");
    const choice = page.getByRole("group", { name: QUESTION });
    await choice.waitFor();
    const options = await choice.getByRole("button").allInnerTexts();
    assert.ok(options.includes("Where is my order?") && options.includes("Cancel or change my order"), options.join(" | "));
    assert.equal(options[options.length - 1], "Talk to a person");
    assert.equal(await w.cards.count(), 0, "no guessed answer");
    await page.context().close();
  });

  it("'Talk to a person' in the choice opens the form with the customer's words", async () => {
    const page = await newPage(browser);
    const w = widget(page);
    await page.goto(server.url + "/");
    await w.launcher.click();
    await ask(page, w, "it doesn't work");
    const choice = page.getByRole("group", { name: QUESTION });
    await choice.getByRole("button", { name: "Talk to a person" }).click();
    await w.email.waitFor();
    assert.equal(await w.message.inputValue(), "it doesn't work");
    await page.context().close();
  });

  it("an explicit request for a person still opens the form at once", async () => {
    const page = await newPage(browser);
    const w = widget(page);
    await page.goto(server.url + "/");
    await w.launcher.click();
    await ask(page, w, "talk to a human");
    await w.email.waitFor();
    assert.equal(await page.getByRole("group", { name: QUESTION }).count(), 0);
    await page.context().close();
  });
});
