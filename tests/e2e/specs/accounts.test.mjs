// Agents as people (issue 21): an admin invites an agent through the admin API, the agent
// opens the link, sets a password and signs in with it; the agent gets 403 on an admin
// page; an admin sees the sign-in in the audit log. Then (issue 24) the admin looks a
// customer up on the Customers page, downloads the export and erases it after typing the
// e-mail again.

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { ADMIN_TOKEN, launchBrowser, newPage, screenshot, startServer } from "../harness.mjs";

describe("accounts: invitation, sign-in, role limits, audit page", () => {
  let server, browser, page, invitation;

  before(async () => {
    server = await startServer("accounts");
    const response = await fetch(server.url + "/api/v1/admin/agents", {
      method: "POST",
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ email: "dana@example.com", display_name: "Dana Diaz", role: "agent" }),
    });
    assert.equal(response.status, 201);
    invitation = (await response.json()).invitation_url;
    assert.match(invitation, /\/admin\/invitations\/[0-9a-f]{64}$/);
    browser = await launchBrowser();
    page = await newPage(browser);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("the invited agent sets a password from the link and lands on the queue", async () => {
    await page.goto(invitation);
    await page.getByText("dana@example.com").waitFor();
    await page.getByLabel(/new password/i).fill("a long passphrase");
    await page.getByLabel(/the same again/i).fill("a long passphrase");
    await page.getByRole("button", { name: "Set password and sign in" }).click();
    await page.getByRole("heading", { name: "Escalation queue" }).waitFor();
    assert.match(page.url(), /\/admin\/queue$/);
    await screenshot(page, "accounts-01-queue");
  });

  it("signs out and in again with the e-mail and password", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("E-mail").fill("dana@example.com");
    await page.getByLabel("Password", { exact: true }).fill("a wrong passphrase");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("That e-mail and password do not match an active account.").waitFor();
    await page.getByLabel("E-mail").fill("dana@example.com");
    await page.getByLabel("Password", { exact: true }).fill("a long passphrase");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Escalation queue" }).waitFor();
  });

  it("refuses the agent an admin page with 403", async () => {
    const response = await page.goto(server.url + "/admin/audit");
    assert.equal(response.status(), 403);
    await page.getByText("This page needs the admin role").waitFor();
    await screenshot(page, "accounts-02-forbidden");
  });

  it("shows an admin the agent's sign-in in the audit page", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel(/admin token/i).fill(ADMIN_TOKEN);
    await page.getByLabel(/your name/i).fill("Ana");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("link", { name: "Audit" }).click();
    await page.getByLabel("Actor").fill("Dana Diaz");
    await page.getByLabel("Action").selectOption("sign_in");
    await page.getByRole("button", { name: "Filter" }).click();
    const rows = page.locator("tr[data-audit-row]");
    await rows.first().waitFor();
    // Two: accepting the invitation signs her in (recorded since the audit rows commit
    // with their change), then the password sign-in.
    assert.equal(await rows.count(), 2, "the invitation's sign-in and the password sign-in");
    for (const row of await rows.all()) {
      assert.match(await row.innerText(), /Dana Diaz\s+web\s+127\.0\.0\.1\s+sign_in/);
    }
    const failed = page.locator('tr[data-action="sign_in_failed"]');
    assert.equal(await failed.count(), 0, "filtered to sign_in");
    await screenshot(page, "accounts-03-audit");
  });

  it("lets the admin export and erase a customer on the Customers page", async () => {
    const handoff = await fetch(server.url + "/api/v1/sites/demo/handoff", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: "sam@example.com", name: "Sam", message: "My parcel never came" }),
    });
    assert.equal(handoff.status, 201);
    await page.getByRole("link", { name: "Customers" }).click();
    await page.getByLabel("Customer's e-mail").fill("sam@example.com");
    await page.getByRole("button", { name: "Look up" }).click();
    await page.getByRole("heading", { name: "Held for sam@example.com" }).waitFor();
    assert.equal(await page.locator('[data-count="conversations"]').innerText(), "1");
    assert.equal(await page.locator('[data-count="escalations"]').innerText(), "1");
    await screenshot(page, "accounts-04-customer");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download export" }).click(),
    ]);
    assert.equal(download.suggestedFilename(), "frontline-customer-export.zip");
    await page.getByLabel("To erase, type the e-mail again").fill("sam@example.com");
    await page.getByRole("button", { name: "Erase" }).click();
    await page.getByText("Erased 1 conversation and 1 escalation.").waitFor();
    await page.getByText("Nothing is held for this e-mail.").waitFor();
    await screenshot(page, "accounts-05-erased");
  });
});
