// The storefront's own CSS must not break the widget: `* { all: unset }` and
// `div { display: none }` (also with !important) are injected before the panel opens.

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { launchBrowser, newPage, screenshot, startServer, widget } from "../harness.mjs";

const HOSTILE = `
* { all: unset; }
div { display: none; }
button, input, textarea, form { display: none !important; }
frontline-widget { opacity: 0; transform: scale(0.1); }
`;

describe("hostile storefront CSS", () => {
  let server, browser, page, w;

  before(async () => {
    server = await startServer("hostile-css");
    browser = await launchBrowser();
    page = await newPage(browser);
    w = widget(page);
    await page.goto(server.url + "/");
    await w.launcher.waitFor();
    await page.addStyleTag({ content: HOSTILE });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("still shows a usable launcher and panel", async () => {
    const launcher = await w.launcher.boundingBox();
    assert.ok(launcher && launcher.width > 60 && launcher.height > 30, `launcher box ${JSON.stringify(launcher)}`);
    await w.launcher.click();
    await w.dialog.waitFor();
    const panel = await w.dialog.boundingBox();
    assert.ok(panel && panel.width >= 300 && panel.height >= 400, `panel box ${JSON.stringify(panel)}`);
    const styles = await w.launcher.evaluate((el) => ({ opacity: getComputedStyle(el.getRootNode().host).opacity, bg: getComputedStyle(el).backgroundColor }));
    assert.equal(styles.opacity, "1");
    assert.notEqual(styles.bg, "rgba(0, 0, 0, 0)", "the launcher keeps its accent background");
  });

  it("answers a question as usual", async () => {
    await w.input.fill("how long does shipping take");
    await w.input.press("Enter");
    await w.cards.first().waitFor();
    assert.ok(await w.cards.first().isVisible());
    await screenshot(page, "css-01-hostile-page");
  });
});
