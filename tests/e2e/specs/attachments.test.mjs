// Attachments in the widget: after a handoff the customer attaches a photo with the 📎 button
// and another by pasting it into the composer; both are previewed, uploaded with a progress
// line and stored with the conversation (read back through the API with the widget's own
// token). An executable renamed `.png` is refused by the server (it checks the bytes) and
// the widget says so in plain words. Then an agent sends an image and a PDF with a reply
// (admin API): the customer sees the image inline and the PDF as a link in the agent's
// bubble, live and again after a reload.

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { ADMIN_TOKEN, eventually, launchBrowser, newPage, screenshot, startServer, widget } from "../harness.mjs";

// A 1×1 PNG (PNG spec: signature, IHDR, IDAT, IEND).
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);
// The start of a Windows executable ("MZ" DOS header).
const EXE = Buffer.from("4d5a90000300000004000000ffff0000b800000000000000", "hex");
const PDF = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

describe("attachments: button, paste, refusal", () => {
  let server, browser, page, w;

  /** The names of the files stored with the widget's conversation. */
  async function stored() {
    const saved = await page.evaluate(() => JSON.parse(localStorage.getItem("frontline:demo") || "null"));
    const response = await fetch(server.url + "/api/v1/conversations/" + saved.id, {
      headers: { Authorization: "Bearer " + saved.token },
    });
    const body = await response.json();
    return body.attachments.map((a) => a.file_name);
  }

  before(async () => {
    server = await startServer("attachments");
    browser = await launchBrowser();
    page = await newPage(browser);
    w = widget(page);
    await page.goto(server.url + "/");
    await w.launcher.click();
    await page.getByRole("button", { name: "Talk to a person" }).click();
    await w.name.fill("Sam");
    await w.message.fill("My parcel arrived broken.");
    await w.handoffSubmit.click();
    await eventually(async () => assert.equal(await w.status.innerText(), "Waiting for an agent"));
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("attaches a photo with the button, previews it and stores it", async () => {
    const button = page.getByRole("button", { name: "Attach a photo or file" });
    const input = page.locator("frontline-widget input[type=file]");
    assert.equal(await input.getAttribute("accept"), "image/*,application/pdf,text/plain");
    const chooser = page.waitForEvent("filechooser");
    await button.click();
    await (await chooser).setFiles({ name: "parcel.png", mimeType: "image/png", buffer: PNG });
    const bubble = page.locator("frontline-widget .msg.customer.files").first();
    await bubble.locator("img.preview[alt='parcel.png']").waitFor();
    await eventually(async () => assert.deepEqual(await stored(), ["parcel.png"]));
    await eventually(async () => assert.equal(await bubble.locator(".progress").count(), 0, "the progress line goes when sent"));
    await screenshot(page, "attachments-01-button");
  });

  it("attaches a pasted image", async () => {
    await w.input.focus();
    await w.input.evaluate((el, bytes) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], "pasted.png", { type: "image/png" }));
      el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    }, [...PNG]);
    await page.locator("frontline-widget img.preview[alt='pasted.png']").waitFor();
    await eventually(async () => assert.deepEqual(await stored(), ["parcel.png", "pasted.png"]));
  });

  it("refuses an executable renamed .png with a clear message", async () => {
    const chooser = page.waitForEvent("filechooser");
    await page.getByRole("button", { name: "Attach a photo or file" }).click();
    await (await chooser).setFiles({ name: "invoice.png", mimeType: "image/png", buffer: EXE });
    await page
      .getByText("invoice.png can't be sent: only photos (PNG, JPEG, GIF, WebP), PDF and text files can.")
      .waitFor();
    assert.deepEqual(await stored(), ["parcel.png", "pasted.png"], "nothing more was stored");
    await screenshot(page, "attachments-02-refused");
  });

  it("shows the agent's image inline and their PDF as a link, live and after a reload", async () => {
    const saved = await page.evaluate(() => JSON.parse(localStorage.getItem("frontline:demo") || "null"));
    const conversation = await (
      await fetch(server.url + "/api/v1/conversations/" + saved.id, { headers: { Authorization: "Bearer " + saved.token } })
    ).json();
    const form = new FormData();
    form.append("agent", "Ana");
    form.append("text", "This is where the label goes");
    form.append("file", new Blob([PNG], { type: "image/png" }), "label-spot.png");
    form.append("file", new Blob([PDF], { type: "application/pdf" }), "label.pdf");
    const response = await fetch(server.url + `/api/v1/admin/escalations/${conversation.escalation.id}/attachments`, {
      method: "POST",
      headers: { Authorization: "Bearer " + ADMIN_TOKEN },
      body: form,
    });
    assert.equal(response.status, 201, await response.text());

    const bubble = w.agentBubbles.last();
    const image = bubble.locator("img.attachment[alt='label-spot.png']");
    await image.waitFor();
    await eventually(async () =>
      assert.ok(await image.evaluate((img) => img.complete && img.naturalWidth === 1), "the image is loaded and shown"),
    );
    const link = bubble.getByRole("link", { name: "label.pdf" });
    assert.match(await link.getAttribute("href"), /\/api\/v1\/attachments\/att_[^?]+\?expires=\d+&sig=/);
    assert.match(await bubble.innerText(), /This is where the label goes/);
    await screenshot(page, "attachments-03-agent-files");

    await page.reload();
    await w.launcher.click();
    const restored = page.locator("frontline-widget .msg.agent img.attachment[alt='label-spot.png']");
    await restored.waitFor();
    await eventually(async () => assert.ok(await restored.evaluate((img) => img.complete && img.naturalWidth === 1)));
  });
});
