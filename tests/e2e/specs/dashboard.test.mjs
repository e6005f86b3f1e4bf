// The manager's dashboard and the web agent queue: sign in, see the figures and the chart,
// see a waiting escalation in the queue, claim it (one owner), reply, and draft an article
// from a knowledge gap.

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ADMIN_TOKEN, launchBrowser, newPage, REPO, screenshot, startServer } from "../harness.mjs";

const TOKEN = ADMIN_TOKEN;

async function post(url, path, body) {
  const response = await fetch(url + path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
}

describe("dashboard: figures, queue, claim, reply", () => {
  let server, browser, page, escalation, demo;
  const violations = [];

  before(async () => {
    // A private copy of the demo site: drafting an article writes into its knowledge folder.
    demo = mkdtempSync(join(tmpdir(), "frontline-demo-"));
    cpSync(join(REPO, "widget-server", "demo"), demo, { recursive: true });
    server = await startServer("dashboard", ["--config", join(demo, "frontline.toml")]);
    // A little history: answered questions, an unanswered one, and a handoff.
    for (const text of ["how long does shipping take", "do you accept paypal"]) {
      await post(server.url, "/api/v1/sites/demo/ask", { text });
    }
    const gap = await post(server.url, "/api/v1/sites/demo/ask", { text: "do you sell surfboards" });
    assert.notEqual(gap.body.decision, "answer", "the demo shop has no answer about surfboards");
    const handoff = await post(server.url, "/api/v1/sites/demo/handoff", {
      email: "sam@example.com", name: "Sam <b>Rivera</b>", message: "My parcel never arrived",
    });
    assert.equal(handoff.status, 201);
    escalation = handoff.body.escalation_id;
    browser = await launchBrowser();
    page = await newPage(browser);
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    if (demo) rmSync(demo, { recursive: true, force: true });
  });

  it("asks for the admin token and refuses a wrong one", async () => {
    await page.goto(server.url + "/admin");
    assert.match(page.url(), /\/admin\/login$/);
    await page.getByLabel(/admin token/i).fill("wrong");
    await page.getByLabel(/your name/i).fill("Ana");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("That token is not valid.").waitFor();
  });

  it("signs in and shows the figures with a chart readable without JavaScript", async () => {
    await page.getByLabel(/admin token/i).fill(TOKEN);
    await page.getByLabel(/your name/i).fill("Ana");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "How demand moved" }).waitFor();
    assert.equal(await page.locator('[data-figure="conversations"]').innerText(), "4");
    assert.equal(await page.locator('[data-figure="handoffs"]').innerText(), "1");
    assert.equal(await page.locator("svg.chart circle").count() > 0, true, "the SVG chart has points");
    await screenshot(page, "dashboard-01-overview");
  });

  it("lists the escalation in the queue, escaped, and claims it", async () => {
    await page.getByRole("link", { name: "Queue" }).click();
    const row = page.locator(`tr[data-escalation="${escalation}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /Sam <b>Rivera<\/b>/, "customer text is shown as text");
    assert.equal(await page.locator("td b").count(), 0, "no injected markup");
    await screenshot(page, "dashboard-02-queue");
    await row.getByRole("button", { name: "Claim" }).click();
    await page.getByText("You own this escalation now.").waitFor();
    const stored = (await server.admin.escalations("claimed")).find((e) => e.id === escalation);
    assert.equal(stored?.claimed_by, "Ana");
    // A second agent's claim through the API loses.
    const second = await fetch(`${server.url}/api/v1/admin/escalations/${escalation}/claim`, {
      method: "POST", headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ agent: "Ben" }),
    });
    assert.equal(second.status, 409);
    assert.match((await second.json()).error.message, /already claimed by Ana/);
  });

  it("replies from the conversation view and the transcript shows it", async () => {
    await page.getByLabel(/reply to the customer/i).fill("Hi Sam, I'm checking with the carrier.");
    await page.getByRole("button", { name: "Send reply" }).click();
    await page.getByText("Reply sent.").waitFor();
    await page.getByText("I'm checking with the carrier.").waitFor();
    await screenshot(page, "dashboard-03-conversation");
  });

  it("drafts an article from a knowledge gap", async () => {
    await page.goto(server.url + "/admin?site=demo");
    const gap = page.locator("tr", { hasText: "do you sell surfboards" });
    await gap.getByRole("button", { name: "Draft article" }).click();
    await page.getByText(/Draft article created/).waitFor();
    const drafts = join(demo, "kb", "drafts");
    assert.ok(existsSync(drafts) && readdirSync(drafts).some((f) => f.startsWith("do-you-sell-surfboards")), "the stub is in kb/drafts/");
  });

  it("shows the Planning page: a 7-day by 24-hour heat map, the inputs, forecast against actual", async () => {
    await page.getByRole("link", { name: "Planning" }).click();
    await page.getByRole("heading", { name: "Planning", exact: true }).waitFor();
    const rows = page.locator("[data-heatmap] tbody tr");
    assert.equal(await rows.count(), 7, "seven days");
    // 24 hour columns plus the day and the total (23 or 25 hours on a DST day still
    // show 24 clock-hour columns).
    assert.equal(await page.locator("[data-heatmap] thead th").count(), 26);
    // History began today: the forecast says how little it rests on.
    assert.match(await page.locator("[data-confidence]").innerText(), /low confidence: \d+ days of history/);
    assert.match(await page.locator('[data-input="service_level"]').innerText(), /^80%$/);
    assert.match(await page.locator('[data-input="shrinkage"]').innerText(), /^30%$/);
    assert.equal(await page.locator("[data-accuracy] tbody tr").count(), 12, "4 weeks × 3 channels");
    // Each channel's expected total over the heat map's days, e-mail among them.
    const totals = page.locator("[data-channel-totals] [data-channel]");
    assert.deepEqual(await totals.evaluateAll((spans) => spans.map((s) => s.dataset.channel)), ["conversations", "handoffs", "email"]);
    assert.match(await page.locator('[data-channel="email"] strong').innerText(), /^\d+$/);
    const background = await page.locator("[data-heatmap] td.heat-0").first().evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(background, "rgb(255, 255, 255)", "heat classes come from the stylesheet");
    await screenshot(page, "dashboard-04-planning");
  });

  it("keeps to its Content-Security-Policy: styled, scripted, nothing refused", async () => {
    await page.goto(server.url + "/admin/queue");
    const background = await page.locator("header").evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(background, "rgb(17, 24, 39)", "the stylesheet applies");
    // The queue's refresh script runs (it is a file, allowed by script-src 'self').
    await page.waitForResponse((r) => r.url().endsWith("/admin/queue/table"), { timeout: 10_000 });
    assert.deepEqual(violations, [], "no CSP violations on any page visited");
  });
});
