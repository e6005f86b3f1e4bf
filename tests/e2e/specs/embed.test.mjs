// The embed contract: the queue stub lets the page call Frontline.identify before the script
// loads; data-customer-* and identify() fields reach /ask and /handoff with the page URL;
// data-locale / the browser language pick German; data-title, data-greeting and data-accent
// theme it; outside business hours it says when the team is back and still takes the handoff.

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { launchBrowser, newPage, screenshot, startServer, widget } from "../harness.mjs";

const STUB = `<script>
window.Frontline = window.Frontline || { q: [] };
["identify", "open", "close"].forEach(function (m) {
  window.Frontline[m] = window.Frontline[m] || function () { window.Frontline.q.push([m, arguments]); };
});
window.Frontline.identify({ plan: "gold", order_count: 3 });
</script>`;

/** Serves an extra storefront page from the server's own origin (the server is not changed). */
async function embedPage(page, url, path, scriptAttrs, stub = STUB) {
  await page.route(url + path, (route) =>
    route.fulfill({
      contentType: "text/html",
      body: `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title></head><body><h1>Shop</h1>${stub}
<script src="/widget.js" ${scriptAttrs} async></script></body></html>`,
    }),
  );
  await page.goto(url + path);
}

describe("embedding: identify, customer fields, locale, theming, business hours", () => {
  let server, browser;

  before(async () => {
    server = await startServer("embed", [], { mail: true });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("sends identify() and data-customer-* fields with the page URL on ask and handoff", async () => {
    const page = await newPage(browser);
    const w = widget(page);
    await embedPage(page, server.url, "/shop/jackets?ref=mail", 'data-site="demo" data-customer-account-id="A-42"');
    await w.launcher.click();
    await page.evaluate(() => window.Frontline.identify({ tier: "vip" }));
    const askRequest = page.waitForRequest((r) => r.url().endsWith("/api/v1/sites/demo/ask"));
    await w.input.fill("how long does shipping take");
    await w.input.press("Enter");
    const ask = (await askRequest).postDataJSON();
    assert.equal(ask.page_url, server.url + "/shop/jackets?ref=mail");
    assert.deepEqual(ask.customer, { account_id: "A-42", plan: "gold", order_count: "3", tier: "vip" });
    await w.cards.first().waitFor();

    await page.getByRole("button", { name: "Talk to a person" }).click();
    await w.email.fill("vip@example.com");
    const handoffRequest = page.waitForRequest((r) => r.url().endsWith("/api/v1/sites/demo/handoff"));
    await w.handoffSubmit.click();
    const handoff = (await handoffRequest).postDataJSON();
    assert.deepEqual(handoff.customer, { account_id: "A-42", plan: "gold", order_count: "3", tier: "vip" });
    assert.equal(handoff.page_url, server.url + "/shop/jackets?ref=mail");
    assert.equal(handoff.email, "vip@example.com");
    assert.ok(handoff.conversation_id, "the handoff continues the conversation");
    await page.locator("frontline-widget .status", { hasText: "Waiting for an agent" }).waitFor();
    assert.equal(await page.evaluate(() => typeof window.Frontline.open), "function");
    await page.context().close();
  });

  it("also replays a simpler stub that queues [method, argument]", async () => {
    const page = await newPage(browser);
    const w = widget(page);
    const simple = `<script>window.Frontline = window.Frontline || { q: [], identify: function (c) { this.q.push(["identify", c]); } };
window.Frontline.identify({ name: "Sam Rivera", order_id: "NW-10492" });</script>`;
    await embedPage(page, server.url, "/simple", 'data-site="demo"', simple);
    await w.launcher.click();
    const askRequest = page.waitForRequest((r) => r.url().endsWith("/api/v1/sites/demo/ask"));
    await w.input.fill("where is my order");
    await w.input.press("Enter");
    assert.deepEqual((await askRequest).postDataJSON().customer, { name: "Sam Rivera", order_id: "NW-10492" });
    await page.context().close();
  });

  it("speaks German from data-locale and from the browser language", async () => {
    const page = await newPage(browser);
    const w = widget(page);
    await embedPage(page, server.url, "/de", 'data-site="demo" data-locale="de"', "");
    assert.equal(await w.launcher.innerText(), "Hilfe");
    await w.launcher.click();
    await page.getByRole("heading", { name: "Wie können wir helfen?" }).waitFor();
    await page.getByRole("button", { name: "Mit einem Menschen sprechen" }).waitFor();
    await page.context().close();

    const browserDe = await newPage(browser, { locale: "de-DE" });
    await browserDe.goto(server.url + "/");
    assert.equal(await widget(browserDe).launcher.innerText(), "Hilfe");
    await browserDe.context().close();
  });

  it("applies data-title, data-greeting, data-accent and data-position", async () => {
    const page = await newPage(browser);
    const w = widget(page);
    await embedPage(page, server.url, "/themed", 'data-site="demo" data-title="Northwind help" data-greeting="Hello hiker!" data-accent="#2d4a3e" data-position="left"', "");
    await w.launcher.click();
    await page.getByRole("heading", { name: "Northwind help" }).waitFor();
    await page.getByText("Hello hiker!").waitFor();
    assert.equal(await w.launcher.evaluate((el) => getComputedStyle(el).backgroundColor), "rgb(45, 74, 62)");
    const box = await w.launcher.boundingBox();
    assert.ok(box.x < 100, `launcher on the left: ${box.x}`);
    await screenshot(page, "embed-01-themed");
    await page.context().close();
  });

  it("says when the team is back outside business hours and still takes the handoff", async () => {
    const page = await newPage(browser);
    const w = widget(page);
    const when = "Monday 09:00 (Europe/Berlin)";
    // Business hours depend on the clock: pin "closed" on the wire, keep the real handoff call.
    await page.route("**/api/v1/sites/demo/config", async (route) => {
      const response = await route.fetch();
      const config = await response.json();
      // No timestamp: the widget falls back to the server's text (shopper.test.mjs covers the formatted day).
      config.business_hours = { ...config.business_hours, open_now: false, next_open: null, next_open_text: when };
      await route.fulfill({ response, json: config });
    });
    await page.route("**/api/v1/sites/demo/handoff", async (route) => {
      const response = await route.fetch();
      const body = await response.json();
      await route.fulfill({ response, json: response.ok() ? { ...body, outside_hours: true, next_open: null, next_open_text: when } : body });
    });
    await page.goto(server.url + "/");
    await w.launcher.click();
    await page.locator("frontline-widget .note", { hasText: `back ${when}` }).waitFor();
    await page.getByRole("button", { name: "Talk to a person" }).click();
    await page.locator("frontline-widget form.handoff", { hasText: when }).waitFor();
    await w.email.fill("night@example.com");
    await w.message.fill("Where is my order?");
    await w.handoffSubmit.click();
    await page.getByText(`Our team is back ${when} and will answer then.`).waitFor();
    const queued = await server.admin.escalations("queued");
    assert.ok(queued.length >= 1, "the handoff was stored");
    await screenshot(page, "embed-02-outside-hours");
    await page.context().close();
  });
});
