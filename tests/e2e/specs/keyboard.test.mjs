// Keyboard-only use: Tab reaches the launcher, Enter opens with focus in the composer, Enter
// sends, Tab stays trapped in the dialog, Escape closes and puts focus back on the launcher.

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { focused, launchBrowser, newPage, screenshot, startServer, widget } from "../harness.mjs";

describe("keyboard-only walk-through", () => {
  let server, browser, page, w;

  before(async () => {
    server = await startServer("keyboard");
    browser = await launchBrowser();
    page = await newPage(browser);
    w = widget(page);
    await page.goto(server.url + "/");
    await w.launcher.waitFor();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("reaches the launcher with Tab and opens it with Enter", async () => {
    let found = false;
    for (let i = 0; i < 40 && !found; i++) {
      await page.keyboard.press("Tab");
      const el = await focused(page);
      found = !!el && el.cls.includes("launcher");
    }
    assert.ok(found, "Tab reaches the launcher");
    await screenshot(page, "kb-01-launcher-focused");
    await page.keyboard.press("Enter");
    await w.dialog.waitFor();
    const el = await focused(page);
    assert.equal(el.tag, "input", "focus moved into the panel's composer");
    assert.ok(el.inPanel);
  });

  it("types and sends with Enter, and the answer appears", async () => {
    await page.keyboard.type("how long does shipping take");
    await page.keyboard.press("Enter");
    await w.cards.first().waitFor();
    assert.match(await w.cards.first().locator("h3").innerText(), /ship|deliver/i);
    await screenshot(page, "kb-02-answer");
  });

  it("keeps Tab and Shift+Tab inside the open dialog", async () => {
    const seen = new Set();
    for (let i = 0; i < 25; i++) {
      await page.keyboard.press("Tab");
      const el = await focused(page);
      assert.ok(el && el.inPanel, `Tab ${i + 1} left the dialog: ${JSON.stringify(el)}`);
      seen.add(el.label);
    }
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press("Shift+Tab");
      const el = await focused(page);
      assert.ok(el && el.inPanel, `Shift+Tab ${i + 1} left the dialog`);
    }
    assert.ok(seen.has("Yes") && seen.has("Close help") && seen.has("Talk to a person"), `reached: ${[...seen].join(", ")}`);
  });

  it("shows a visible focus ring", async () => {
    await w.input.focus();
    await page.keyboard.press("Tab"); // keyboard focus, so :focus-visible applies
    const outline = await page.evaluate(() => {
      const el = document.querySelector("frontline-widget").shadowRoot.activeElement;
      const style = getComputedStyle(el);
      return { style: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    });
    assert.notEqual(outline.style, "none");
    assert.ok(outline.width >= 2);
  });

  it("closes with Escape and returns focus to the launcher", async () => {
    await page.keyboard.press("Escape");
    await w.dialog.waitFor({ state: "hidden" });
    const el = await focused(page);
    assert.ok(el && el.cls.includes("launcher"), `focus is on ${JSON.stringify(el)}`);
    assert.equal(await w.launcher.getAttribute("aria-expanded"), "false");
    await screenshot(page, "kb-03-closed");
  });
});
