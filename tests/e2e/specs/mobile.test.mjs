// A phone-sized viewport (375×667): the panel takes the full screen and stays usable.

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { launchBrowser, newPage, screenshot, startServer, widget } from "../harness.mjs";

describe("phone viewport", () => {
  let server, browser, page, w;

  before(async () => {
    server = await startServer("mobile", [], { mail: true });
    browser = await launchBrowser();
    page = await newPage(browser, { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true });
    w = widget(page);
    await page.goto(server.url + "/");
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("opens a full-width panel", async () => {
    await w.launcher.tap();
    await w.dialog.waitFor();
    const box = await w.dialog.boundingBox();
    assert.equal(Math.round(box.x), 0);
    assert.equal(Math.round(box.width), 375);
    assert.ok(box.height >= 600, `panel height ${box.height}`);
    const input = await w.input.boundingBox();
    assert.ok(input.y + input.height <= 667 && input.width > 200, `composer ${JSON.stringify(input)}`);
    await screenshot(page, "mobile-01-open");
  });

  it("answers and shows the handoff form within the screen", async () => {
    await w.input.fill("how long does shipping take");
    await w.input.press("Enter");
    await w.cards.first().waitFor();
    await screenshot(page, "mobile-02-answer");
    await page.getByRole("button", { name: "Talk to a person" }).tap();
    await w.email.waitFor();
    for (const field of [w.email, w.handoffSubmit]) {
      await field.scrollIntoViewIfNeeded();
      const box = await field.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 375 && box.y >= 0 && box.y + box.height <= 667, `in view: ${JSON.stringify(box)}`);
    }
    await screenshot(page, "mobile-03-handoff");
  });

  it("closes with the close button", async () => {
    await page.getByRole("button", { name: "Close help" }).tap();
    await w.dialog.waitFor({ state: "hidden" });
    assert.ok(await w.launcher.isVisible());
  });
});
