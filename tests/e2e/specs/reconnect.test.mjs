// The live stream survives failures: refused connections are retried with growing delays and
// a visible "Reconnecting…"; a stream that ends mid-way is resumed with `after=<last id>`, and
// nothing already shown appears twice.

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { launchBrowser, newPage, screenshot, startServer, widget } from "../harness.mjs";

/** Reads the real stream until `count` complete events arrived, then hangs up. */
async function firstEvents(url, count) {
  const response = await fetch(url);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while ((text.match(/\n\n/g) || []).length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text.slice(0, text.lastIndexOf("\n\n") + 2);
}

describe("SSE reconnect with back-off", () => {
  let server, browser, page, w;

  before(async () => {
    server = await startServer("reconnect", [], { mail: true });
    browser = await launchBrowser();
    page = await newPage(browser);
    w = widget(page);
    await page.goto(server.url + "/");
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("retries refused connections with growing delays, then resumes a cut stream after its last id", async () => {
    const attempts = [];
    let cutAfter = null;
    await page.route("**/events?**", async (route) => {
      attempts.push({ at: Date.now(), url: new URL(route.request().url()) });
      if (attempts.length <= 2) return route.abort("connectionrefused");
      if (attempts.length === 3) {
        const body = await firstEvents(route.request().url(), 1);
        cutAfter = [...body.matchAll(/^id: ?(.*)$/gm)].pop()?.[1];
        return route.fulfill({ status: 200, headers: { "content-type": "text/event-stream" }, body });
      }
      return route.continue();
    });

    await w.launcher.click();
    await page.getByRole("button", { name: "Talk to a person" }).click();
    await w.email.fill("drop@example.com");
    await w.message.fill("Is my order shipped?");
    await w.handoffSubmit.click();
    await page.locator("frontline-widget .status", { hasText: "Reconnecting" }).waitFor();
    await screenshot(page, "reconnect-01-reconnecting");

    const [escalation] = await server.admin.escalations("queued");
    await server.admin.claim(escalation.id, "Ana");
    await server.admin.reply(escalation.id, "Ana", "Checking now.");
    await w.agentBubbles.filter({ hasText: "Checking now." }).waitFor({ timeout: 20_000 });
    await page.locator("frontline-widget .status", { hasText: /^Ana is on it$/ }).waitFor();

    assert.ok(attempts.length >= 4, `attempts: ${attempts.length}`);
    const gap1 = attempts[1].at - attempts[0].at;
    const gap2 = attempts[2].at - attempts[1].at;
    assert.ok(gap1 >= 700 && gap2 > gap1, `back-off grows: ${gap1} ms then ${gap2} ms`);
    assert.ok(cutAfter, "the first real events carried an id");
    assert.equal(attempts[3].url.searchParams.get("after"), cutAfter, "resumed after the last event seen");
    assert.equal(await w.agentBubbles.filter({ hasText: "Checking now." }).count(), 1);
    assert.equal(await page.locator("frontline-widget .msg.customer", { hasText: "Is my order shipped?" }).count(), 1);
  });
});
