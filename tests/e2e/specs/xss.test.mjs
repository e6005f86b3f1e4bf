// Hostile content stays inert. An article answer and a suggestion snippet full of script
// vectors (injected on the wire, so the widget's own sanitizer is what is tested, not the
// server's), and an agent reply and a customer message carrying HTML, must run nothing and
// add no element beyond the allowlist.

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { launchBrowser, newPage, screenshot, startServer, widget } from "../harness.mjs";

const HOSTILE_HTML = [
  "<p>Safe text survives.</p>",
  `<img src=x onerror="window.__pwned='img';alert('img')">`,
  `<script>window.__pwned='script';alert('script')</script>`,
  `<a href="javascript:alert('js')">js link</a> <a href="https://ok.example/path">good link</a> <a href=" JaVaScRiPt:alert(2)">spaced</a>`,
  `<svg onload="alert('svg')"><circle r=1></circle></svg>`,
  `<iframe src="javascript:alert('iframe')"></iframe><object data="javascript:alert(1)"></object>`,
  `<p onclick="alert('click')" style="background:url(javascript:alert(1))" id="styled">styled</p>`,
  `<math><mtext><table><mglyph><style><img src=x onerror="alert('mxss')">`,
  `<form><button formaction="javascript:alert(1)">x</button></form>`,
  `<details open ontoggle="alert('toggle')"><summary>s</summary></details>`,
  `<noscript><p title="</noscript><img src=x onerror=alert('ns')>"></noscript>`,
].join("");

const FORBIDDEN = "img,script,svg,iframe,object,embed,math,form,button:not(.chip):not(.close):not(.launcher):not(.primary):not(.choice):not(.human):not(.secondary),details,style:not(:first-child),noscript";

async function assertInert(page, where) {
  // Image errors and event handlers fire asynchronously: give them a moment to (not) run.
  await page.waitForTimeout(500);
  assert.deepEqual(page.dialogs, [], `${where}: a dialog fired`);
  assert.equal(await page.evaluate(() => window.__pwned), undefined, `${where}: injected code ran`);
  const report = await page.evaluate((forbidden) => {
    const root = document.querySelector("frontline-widget").shadowRoot;
    const log = root.querySelector(".log");
    const suggest = root.querySelector(".suggest");
    const all = [...log.querySelectorAll("*"), ...suggest.querySelectorAll("*")];
    return {
      forbidden: [...log.querySelectorAll(forbidden), ...suggest.querySelectorAll(forbidden)].map((el) => el.outerHTML),
      handlers: all.filter((el) => [...el.attributes].some((a) => /^on|^style$|^formaction$/i.test(a.name))).map((el) => el.outerHTML),
      hrefs: [...log.querySelectorAll("a[href]")].map((a) => a.href),
      pageImages: document.querySelectorAll("img").length,
    };
  }, FORBIDDEN);
  assert.deepEqual(report.forbidden, [], `${where}: disallowed elements`);
  assert.deepEqual(report.handlers, [], `${where}: handler or style attributes`);
  for (const href of report.hrefs) assert.match(href, /^(https?|mailto):/, `${where}: unsafe link ${href}`);
  assert.equal(report.pageImages, 0, `${where}: something escaped into the page`);
  return report;
}

describe("XSS payloads stay inert", () => {
  let server, browser, page, w;

  before(async () => {
    server = await startServer("xss", [], { mail: true });
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

  it("an article answer with script vectors renders only allowed, inert markup", async () => {
    await page.route("**/api/v1/sites/demo/ask", (route) =>
      route.fulfill({
        json: {
          conversation_id: "c-hostile",
          conversation_token: "t-hostile",
          decision: "answer",
          answer: { kind: "article", id: "evil", title: `<img src=x onerror="alert('title')">Evil title`, html: HOSTILE_HTML, text: "t", url: "javascript:alert('url')" },
          suggestions: [],
          confidence: 0.99,
        },
      }),
    );
    await w.launcher.click();
    await w.input.fill("hostile article please");
    await w.input.press("Enter");
    const card = w.cards.first();
    await card.waitFor();
    assert.equal(await card.locator("h3").innerText(), `<img src=x onerror="alert('title')">Evil title`, "the title is text");
    assert.match(await card.innerText(), /Safe text survives\./);
    assert.equal(await card.getByRole("link", { name: "good link" }).getAttribute("href"), "https://ok.example/path");
    assert.equal(await card.getByRole("link", { name: "Read the full article" }).count(), 0, "a javascript: article URL is dropped");
    const report = await assertInert(page, "article");
    assert.deepEqual(report.hrefs, ["https://ok.example/path"]);
    await card.getByText("js link").click();
    await card.locator("p", { hasText: "styled" }).click();
    await assertInert(page, "article after clicks");
    await screenshot(page, "xss-01-article");
    await page.unroute("**/api/v1/sites/demo/ask");
    await page.evaluate(() => localStorage.clear());
  });

  it("a suggestion snippet keeps only <b>", async () => {
    await page.route("**/api/v1/sites/demo/suggest**", (route) =>
      route.fulfill({
        json: { suggestions: [{ kind: "article", id: "evil", title: "<script>alert(1)</script>Shipping", snippet_html: `<b>ship</b>ping <img src=x onerror="alert('snippet')"><a href="javascript:alert(1)">x</a>`, confidence: 0.5 }] },
      }),
    );
    await w.input.fill("shipping");
    const choice = page.locator("frontline-widget .suggest .choice").first();
    await choice.waitFor();
    assert.equal(await choice.locator("strong").innerText(), "<script>alert(1)</script>Shipping");
    assert.equal(await choice.locator("span b").innerText(), "ship");
    assert.equal(await choice.locator("span a").count(), 0);
    await assertInert(page, "snippet");
    await page.unroute("**/api/v1/sites/demo/suggest**");
    await w.input.fill("");
  });

  it("an agent reply and a customer message carrying HTML are shown as text", async () => {
    await page.reload();
    await w.launcher.click();
    await page.getByRole("button", { name: "Talk to a person" }).click();
    await w.email.fill("x@example.com");
    await w.message.fill(`<img src=x onerror="alert('customer')">help`);
    await w.handoffSubmit.click();
    await page.locator("frontline-widget .status", { hasText: "Waiting for an agent" }).waitFor();
    const [escalation] = await server.admin.escalations("queued");
    const payload = `<img src=x onerror="window.__pwned='agent';alert('agent')"><script>alert('agent2')</script><b>bold?</b>`;
    await server.admin.reply(escalation.id, "Ana", payload);
    const bubble = w.agentBubbles.filter({ hasText: "bold?" });
    await bubble.waitFor();
    assert.equal(await bubble.evaluate((el) => el.lastChild.textContent), payload, "the reply is shown verbatim as text");
    await w.input.fill(`<svg onload="alert('typed')"></svg>thanks`);
    await w.input.press("Enter");
    await page.locator("frontline-widget .msg.customer", { hasText: "thanks" }).waitFor();
    await assertInert(page, "agent reply");
    await screenshot(page, "xss-02-agent-reply");
  });
});

// The same, end to end through the real server: a hostile article in a knowledge base given
// with --config is indexed, matched, rendered by the server, and shown inert by the widget.
const HOSTILE_ARTICLE = `+++
id = "glitter-wrapping"
title = "Glitter gift wrapping <img src=x onerror=alert('title')>"
url = "https://northwind.example/help/glitter"
tags = ["store"]
questions = ["do you offer glitter gift wrapping", "can you wrap my gift in glitter paper"]
+++
Glitter gift wrapping is available for every order. <img src=x onerror="window.__pwned='kb';alert('kb-img')"> <script>alert('kb-script')</script>

[click me](javascript:alert('kb-link')) and <a href="javascript:alert(2)" onclick="alert(3)">raw link</a> <iframe src="javascript:alert(4)"></iframe>

<svg onload="alert('kb-svg')"></svg><details open ontoggle="alert('kb-toggle')">x</details>
`;

describe("a hostile knowledge-base article through the real server", { skip: process.env.FRONTLINE_E2E_SERVER ? "the dev mock has no --config" : false }, () => {
  let server, browser, page, w;

  before(async () => {
    const { mkdtempSync, writeFileSync, cpSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const { REPO } = await import("../harness.mjs");
    const dir = mkdtempSync(join(tmpdir(), "frontline-kb-"));
    const demo = join(REPO, "widget-server", "demo");
    cpSync(join(demo, "kb"), join(dir, "kb"), { recursive: true });
    writeFileSync(join(dir, "kb", "glitter-wrapping.md"), HOSTILE_ARTICLE);
    writeFileSync(
      join(dir, "frontline.toml"),
      `[[sites]]\nid = "demo"\nname = "Northwind Outfitters"\nknowledge_dir = "${join(dir, "kb")}"\nintents_file = "${join(demo, "intents.toml")}"\n`,
    );
    server = await startServer("xss-kb", ["--config", join(dir, "frontline.toml")]);
    browser = await launchBrowser();
    page = await newPage(browser);
    w = widget(page);
    await page.goto(server.url + "/");
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("shows the hostile article's text and runs none of it", async () => {
    await w.launcher.click();
    await w.input.fill("do you offer glitter gift wrapping");
    await w.input.press("Enter");
    const card = page.locator("frontline-widget .card", { hasText: "Glitter gift wrapping is available" });
    await card.waitFor();
    await assertInert(page, "knowledge-base article");
    await screenshot(page, "xss-03-kb-article");
  });
});
