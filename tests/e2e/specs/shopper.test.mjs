// What a shopper sees first (issue 18): restored answers keep their formatting (widget and the
// admin conversation view), the demo works under any host name it is reached by and a refused
// origin is explained in the console and the server log, an always-handoff intent says it is
// getting a person, the away banner and note go once an agent claims, days are in the
// widget's language, and the demo page has a favicon and draws its product tiles without emoji.

import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ADMIN_TOKEN, ARTIFACTS, eventually, launchBrowser, newPage, screenshot, startServer, widget } from "../harness.mjs";

const TOKEN = ADMIN_TOKEN;

/** Pins the site's business hours to "closed until `nextOpen`" on the wire (the clock is real). */
async function closedUntil(page, nextOpen) {
  await page.route("**/api/v1/sites/demo/config", async (route) => {
    const response = await route.fetch();
    const config = await response.json();
    config.business_hours = { ...config.business_hours, open_now: false, next_open: nextOpen, next_open_text: "Monday 09:00 (Europe/Berlin)" };
    await route.fulfill({ response, json: config });
  });
  await page.route("**/api/v1/sites/demo/handoff", async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    const closed = { outside_hours: true, next_open: nextOpen, next_open_text: "Monday 09:00 (Europe/Berlin)" };
    await route.fulfill({ response, json: response.ok() ? { ...body, ...closed } : body });
  });
}

/** An RFC 9557 timestamp two days from now at 09:00 UTC. */
function inTwoDays() {
  const at = new Date(Date.now() + 2 * 864e5);
  at.setUTCHours(9, 0, 0, 0);
  return { at, stamp: at.toISOString().replace(/\.\d+Z$/, "+00:00[UTC]") };
}

const serverLog = () => readFileSync(join(ARTIFACTS, "shopper.server.log"), "utf8");

describe("shopper: formatting after reload, origins, handoff wording, away status, locale, demo page", () => {
  let server, browser;

  before(async () => {
    server = await startServer("shopper", [], { mail: true });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("renders a restored answer as it did live: bold and link, no raw Markdown, also in the admin view", async () => {
    const page = await newPage(browser);
    const w = widget(page);
    await page.goto(server.url + "/");
    await w.launcher.click();
    await w.input.fill("How do I return my boots?");
    await w.input.press("Enter");
    const live = w.cards.first();
    await live.waitFor();
    assert.equal(await live.locator(".body strong").first().innerText(), "30 days of delivery");
    const liveTitle = await live.locator("h3").innerText();

    await page.reload();
    await w.launcher.click();
    const restored = page.locator("frontline-widget .card[data-restored]");
    await restored.waitFor();
    assert.equal(await restored.locator("h3").innerText(), liveTitle, "the same heading");
    assert.equal(await restored.locator(".body strong").first().innerText(), "30 days of delivery");
    const link = restored.locator(".body a", { hasText: "returns portal" });
    assert.equal(await link.getAttribute("href"), "https://northwind.example/returns");
    assert.equal(await link.getAttribute("rel"), "noopener noreferrer nofollow");
    const text = await page.locator("frontline-widget .log").innerText();
    assert.ok(!text.includes("**") && !text.includes("]("), `no raw Markdown in the log: ${text}`);
    await screenshot(page, "shopper-01-restored-answer");

    // Hand off, then the agent opens the conversation in the dashboard.
    await page.getByRole("button", { name: "Talk to a person" }).click();
    await w.email.fill("boots@example.com");
    await w.handoffSubmit.click();
    await page.locator("frontline-widget .status", { hasText: "Waiting for an agent" }).waitFor();
    const escalation = (await server.admin.escalations("queued")).find((e) => e.email === "boots@example.com");
    await page.goto(server.url + "/admin/login");
    await page.getByLabel(/admin token/i).fill(TOKEN);
    await page.getByLabel(/your name/i).fill("Ana");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "How demand moved" }).waitFor();
    await page.goto(`${server.url}/admin/escalations/${escalation.id}`);
    const transcript = page.locator(".transcript");
    await transcript.locator("strong", { hasText: "30 days of delivery" }).waitFor();
    assert.equal(await transcript.locator("a", { hasText: "returns portal" }).getAttribute("href"), "https://northwind.example/returns");
    assert.ok(!(await transcript.innerText()).includes("**30 days"), "no raw Markdown in the admin view");
    await screenshot(page, "shopper-02-admin-transcript");
    await page.context().close();
  });

  it("answers a German shopper from the German version of an article, and says in German when an answer is only in English, also after a reload", async () => {
    const page = await newPage(browser);
    const w = widget(page);
    await page.goto(server.url + "/");
    await w.launcher.click();
    await w.input.fill("Kann ich eine Vorbestellung stornieren, bevor sie verschickt wird?");
    await w.input.press("Enter");
    const german = w.cards.first();
    await german.waitFor();
    assert.equal(await german.locator("h3").innerText(), "So funktionieren Vorbestellungen");
    assert.ok((await german.locator(".body").innerText()).includes("jederzeit kostenlos stornieren"));
    assert.equal(await german.locator(".lang-note").count(), 0, "no note on an answer in the shopper's language");

    await w.input.fill("Meine Karte wurde bei der Zahlung abgelehnt");
    await w.input.press("Enter");
    const english = w.cards.nth(1);
    await english.waitFor();
    assert.equal(await english.locator(".lang-note").innerText(), "Diese Antwort gibt es nur auf Englisch.");
    // Shown between the title and the answer.
    const order = await english.evaluate((card) => [...card.children].map((c) => c.className || c.tagName.toLowerCase()));
    assert.deepEqual(order.slice(0, 3), ["h3", "lang-note", "body"]);
    await screenshot(page, "shopper-german-note");

    // After a reload the restored answers look as they did live: the note is still there,
    // between title and body, and still absent on the German answer.
    await page.reload();
    await w.launcher.click();
    const restored = page.locator("frontline-widget .card[data-restored]");
    await restored.nth(1).waitFor();
    assert.equal(await restored.count(), 2);
    assert.equal(await restored.first().locator("h3").innerText(), "So funktionieren Vorbestellungen");
    assert.equal(await restored.first().locator(".lang-note").count(), 0, "still no note on the German answer");
    const note = restored.nth(1).locator(".lang-note");
    assert.equal(await note.innerText(), "Diese Antwort gibt es nur auf Englisch.");
    assert.equal(await note.evaluate((p) => getComputedStyle(p).fontStyle), "italic");
    const restoredOrder = await restored.nth(1).evaluate((card) => [...card.children].map((c) => c.className || c.tagName.toLowerCase()));
    assert.deepEqual(restoredOrder.slice(0, 3), ["h3", "lang-note", "body"]);
    await restored.nth(1).scrollIntoViewIfNeeded();
    await screenshot(page, "shopper-german-note-restored");
    await page.context().close();
  });

  it("works when the demo is opened as localhost although the server listens on 127.0.0.1", async () => {
    const page = await newPage(browser);
    const w = widget(page);
    const localhost = server.url.replace("127.0.0.1", "localhost");
    await page.goto(localhost + "/");
    await w.launcher.click();
    await w.input.fill("How long does shipping take?");
    await w.input.press("Enter");
    await w.cards.first().waitFor();
    assert.equal(await page.getByText("Something went wrong").count(), 0);
    assert.ok(!serverLog().includes(`origin=${localhost}`), "nothing refused");
    await page.context().close();
  });

  it("explains a refused www origin in the console, and the server logs it once with site and origin", async () => {
    const page = await newPage(browser);
    const w = widget(page);
    const errors = [];
    page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
    const shop = "http://www.northwind.localhost";
    // The shop page embeds a widget served from another loopback origin: Chromium asks for
    // local-network access first (a real shop and its help server are both public).
    await page.context().grantPermissions(["local-network-access"]);
    await page.route(shop + "/**", (route) =>
      route.fulfill({
        contentType: "text/html",
        body: `<!doctype html><html><head><meta charset="utf-8"><title>Shop</title></head><body><h1>Shop</h1>
<script src="${server.url}/widget.js" data-site="demo" async></script></body></html>`,
      }),
    );
    for (let load = 0; load < 2; load++) {
      await page.goto(shop + "/");
      await w.launcher.click();
      await w.input.fill("How long does shipping take?");
      await w.input.press("Enter");
      await page.getByText("Something went wrong").waitFor();
    }
    const explained = await eventually(() => {
      const found = errors.find((e) => e.startsWith("Frontline:"));
      assert.ok(found, `a Frontline console error among: ${errors.join(" | ")}`);
      return found;
    });
    for (const part of ["403 origin_not_allowed", `origin ${shop} is not allowed for site "demo"`, `"${shop}"`, "sites.origins", '"demo"', "http://northwind.localhost", "different origins"]) {
      assert.ok(explained.includes(part), `${part} in: ${explained}`);
    }
    const refusals = await eventually(() => {
      const lines = serverLog().split("\n").filter((l) => l.includes("WARN") && l.includes(`origin=${shop}`));
      assert.ok(lines.length > 0, "the refusal is logged");
      return lines;
    });
    assert.equal(refusals.length, 1, `once a minute, not per request: ${refusals.join("\n")}`);
    assert.match(refusals[0], /site=demo/);
    assert.ok(!serverLog().includes("\u001b["), "no ANSI colour codes in a log that is not a terminal");
    await page.context().close();
  });

  it("says an always-handoff intent is getting a person, in the intent's own words", async () => {
    const page = await newPage(browser);
    const w = widget(page);
    await page.goto(server.url + "/");
    await w.launcher.click();
    await w.input.fill("this is the worst service ever, I'm absolutely furious");
    await w.input.press("Enter");
    await w.email.waitFor();
    const log = page.locator("frontline-widget .log");
    await log.getByText("I'm getting a person from our team").waitFor();
    assert.ok(!(await log.innerText()).includes("couldn't find an answer"), "not worded as a failure");
    await screenshot(page, "shopper-03-always-handoff");
    await page.context().close();
  });

  it("drops the away banner and note once an agent claims, keeps the explanation in view, never says it twice", async () => {
    const page = await newPage(browser, { viewport: { width: 375, height: 667 }, timezoneId: "Europe/Berlin" });
    const w = widget(page);
    const { at, stamp } = inTwoDays();
    const when = new Intl.DateTimeFormat("en-US", { weekday: "long", hour: "numeric", minute: "2-digit", timeZone: "Europe/Berlin" }).format(at);
    await closedUntil(page, stamp);
    await page.goto(server.url + "/");
    await w.launcher.click();
    const note = page.locator("frontline-widget .note");
    await note.getByText(`back ${when}`).waitFor();
    const awayCount = async () => (await page.locator("frontline-widget .panel").innerText()).split(when).length - 1;

    await w.input.fill("I'm absolutely furious, third time I've written and NOBODY answers!!!");
    await w.input.press("Enter");
    await w.email.waitFor();
    assert.equal(await awayCount(), 1, "the form says when the team is back; the banner does not repeat it");
    const explanation = page.locator("frontline-widget .log > *").last();
    const inView = await explanation.evaluate((el) => {
      const log = el.parentElement.getBoundingClientRect();
      const box = el.getBoundingClientRect();
      return box.bottom <= log.bottom + 1 && box.bottom > log.top;
    });
    assert.ok(inView, "the assistant's explanation stays in view above the form");

    await w.email.fill("angry@example.com");
    await w.handoffSubmit.click();
    await page.getByText(`Our team is back ${when} and will answer then.`).waitFor();
    assert.equal(await awayCount(), 1, "after the handoff only the note says it");
    const escalation = (await server.admin.escalations("queued")).find((e) => e.email === "angry@example.com");
    await server.admin.claim(escalation.id, "Ana");
    await eventually(async () => assert.equal(await w.status.innerText(), "Ana is on it"));
    assert.equal(await note.isVisible(), false, "no away banner while Ana is on it");
    assert.equal(await awayCount(), 0, "no 'back on …' note while Ana is on it");
    await screenshot(page, "shopper-04-claimed");
    await page.context().close();
  });

  it("says the day in the widget's language (German)", async () => {
    const page = await newPage(browser, { locale: "de-DE", timezoneId: "Europe/Berlin" });
    const w = widget(page);
    const { at, stamp } = inTwoDays();
    const tag = new Intl.DateTimeFormat("de-DE", { weekday: "long", timeZone: "Europe/Berlin" }).format(at);
    await closedUntil(page, stamp);
    await page.goto(server.url + "/");
    await w.launcher.click();
    const note = page.locator("frontline-widget .note");
    await note.getByText(tag).waitFor();
    const text = await note.innerText();
    assert.ok(!/Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday/.test(text), text);
    assert.match(text, /Wir sind gerade nicht da/);
    await screenshot(page, "shopper-05-german-away");
    await page.context().close();
  });

  it("serves a favicon and draws the product tiles without emoji", async () => {
    const page = await newPage(browser);
    await page.goto(server.url + "/");
    const icon = await page.locator('link[rel="icon"]').getAttribute("href");
    const response = await fetch(new URL(icon, server.url));
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type"), /^image\/svg\+xml/);
    assert.match(await response.text(), /^<svg/);
    const tiles = page.locator(".grid .img");
    assert.equal(await tiles.count(), 6);
    assert.equal(await page.locator(".grid .img svg").count(), 6, "each tile draws an SVG");
    const tileText = (await tiles.allInnerTexts()).join(" ");
    assert.ok(!/\p{Extended_Pictographic}/u.test(tileText), `no emoji: ${tileText}`);
    await page.context().close();
  });
});
