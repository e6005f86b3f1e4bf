// Agents as people in the browser (issue 21): a manager signs in with single sign-on against
// the loopback OpenID Connect provider (`oidc-provider`, tests/src/bin) and lands on the
// dashboard; assigns a customer's escalation to a named agent and sees it assigned (and the
// customer's widget says who is on it); picks a saved reply by typing part of its name in
// the reply box, and the customer's widget shows it filled in with their name and its
// Markdown rendered (bold, not asterisks), live and after a reload.

import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { ADMIN_TOKEN, eventually, launchBrowser, newPage, PROFILE, screenshot, startServer, widget } from "../harness.mjs";
import { binary, startProcess } from "../slack.mjs";

async function adminPost(server, path, body) {
  const response = await fetch(server.url + "/api/v1/admin" + path, {
    method: "POST",
    headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.equal(response.status, 201, `${path}: ${text}`);
  return JSON.parse(text);
}

describe("people: single sign-on, assignment, saved replies", () => {
  let provider, server, browser, manager, customer, w, escalation;

  before(async () => {
    // Olga is who the provider signs in; example.com people are admins by the domain rule.
    provider = await startProcess(
      "people.oidc",
      binary(PROFILE, "oidc-provider"),
      { PATH: process.env.PATH },
      (line) => (line.startsWith("{") ? JSON.parse(line) : undefined),
      ["olga@example.com", "Olga Ops"],
    );
    const oidc = provider.value;
    server = await startServer("people", [], {
      toml: `[auth.oidc]\nissuer = "${oidc.issuer}"\nclient_id = "${oidc.client_id}"\n` +
        `allowed_domains = ["example.com"]\nadmin_domains = ["example.com"]\n`,
      env: { FRONTLINE_OIDC_CLIENT_SECRET: oidc.client_secret },
    });
    await adminPost(server, "/agents", { email: "dana@example.com", display_name: "Dana Diaz", role: "agent" });
    await adminPost(server, "/saved-replies", {
      name: "Refund policy",
      body: "Hi {{customer.name}}, refunds reach your card within **5 days**.",
    });
    await adminPost(server, "/saved-replies", { name: "Opening hours", body: "We are here 9 to 5." });
    browser = await launchBrowser();

    // A customer asks for a person in the widget and stays on the page.
    customer = await newPage(browser);
    w = widget(customer);
    await customer.goto(server.url + "/");
    await w.launcher.click();
    await customer.getByRole("button", { name: "Talk to a person" }).click();
    await w.name.fill("Kim");
    await w.message.fill("I returned my shoes, where is my money?");
    await w.handoffSubmit.click();
    await eventually(async () => assert.equal(await w.status.innerText(), "Waiting for an agent"));
    [escalation] = await server.admin.escalations("queued");
    assert.ok(escalation?.id, "the handoff is queued");
    manager = await newPage(browser);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await provider?.stop();
  });

  it("signs the manager in with SSO and lands on the dashboard", async () => {
    await manager.goto(server.url + "/admin");
    assert.match(manager.url(), /\/admin\/login$/);
    await manager.getByRole("link", { name: "Sign in with SSO" }).click();
    // /admin/sso → the provider's /authorize → /admin/sso/callback → /admin.
    await manager.getByRole("heading", { name: "How demand moved" }).waitFor();
    assert.equal(new URL(manager.url()).pathname, "/admin");
    await manager.getByRole("link", { name: "Agents" }).click();
    const olga = manager.locator("tr", { hasText: "olga@example.com" });
    await olga.waitFor();
    assert.match(await olga.innerText(), /Olga Ops[\s\S]*admin/, "the account came from the ID token, admin by domain");
    await screenshot(manager, "people-01-signed-in-with-sso");
  });

  it("assigns the escalation to Dana and shows it assigned, to the manager and the customer", async () => {
    await manager.goto(`${server.url}/admin/escalations/${escalation.id}`);
    await manager.getByLabel("Assign to").selectOption({ label: "Dana Diaz" });
    await manager.getByRole("button", { name: "Assign", exact: true }).click();
    await manager.getByText("Assigned. The agent owns this escalation now.").waitFor();
    await manager.getByText("Owner: Dana Diaz").waitFor();
    // The form now offers a reassignment, with Dana picked.
    await manager.getByLabel("Reassign to").waitFor();
    const stored = (await server.admin.escalations("claimed")).find((e) => e.id === escalation.id);
    assert.equal(stored?.claimed_by, "Dana Diaz");
    await eventually(async () => assert.equal(await w.status.innerText(), "Dana Diaz is on it"));
    await screenshot(manager, "people-02-assigned");
  });

  it("sends a saved reply found by typing, and the customer sees it filled in", async () => {
    const box = manager.getByRole("combobox", { name: /send a saved reply/i });
    await box.pressSequentially("refu", { delay: 20 });
    // The datalist the browser filters as the agent types holds every saved reply by name.
    const names = await manager.locator("#saved-reply-names option").evaluateAll((options) => options.map((o) => o.value));
    assert.deepEqual(names.sort(), ["Opening hours", "Refund policy"]);
    await box.fill("Refund policy");
    await manager.getByRole("button", { name: "Send saved reply" }).click();
    await manager.getByText("Reply sent.").waitFor();
    await manager.getByText("Hi Kim, refunds reach your card within").waitFor();
    await screenshot(manager, "people-03-saved-reply-sent");

    // The saved reply's Markdown reaches the customer rendered: bold text, no asterisks,
    // live and again after a reload.
    const seen = async () => {
      const reply = w.agentBubbles.filter({ hasText: "refunds reach your card" });
      await reply.waitFor();
      assert.match(await reply.innerText(), /^Olga Ops\s+Hi Kim, refunds reach your card within 5 days\.$/, "sent as the signed-in manager");
      assert.doesNotMatch(await reply.innerText(), /\{\{|\*/, "no template or Markdown left over");
      assert.equal(await reply.locator("strong").innerText(), "5 days", "the bold part is bold");
    };
    await seen();
    await screenshot(customer, "people-04-customer-sees-saved-reply");
    await customer.reload();
    await w.launcher.click();
    await seen();
    assert.deepEqual(customer.errors, []);
  });
});
