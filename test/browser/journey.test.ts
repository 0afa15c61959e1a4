import { readFileSync } from "node:fs";
import type { Browser, Page } from "playwright-core";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "../e2e/stack.ts";
import { ADMIN } from "../e2e/stack.ts";
import { announceSkip, unique } from "../support/index.ts";
import { CHROMIUM_ARGS, chromiumPath, hasChromium, startWebStack } from "./harness.ts";
import {
  clearScreenshots,
  markDocument,
  nav,
  openMail,
  shot,
  signIn,
  signOut,
  stillSamePage,
} from "./helpers.ts";

if (!hasChromium) announceSkip("Browser suite", "install Debian's chromium or set LEDGERLINE_CHROMIUM");

/**
 * A person's journey through the web app, in the UI only: sign up, activate from the dev mailbox,
 * sign in, issue an invoice and watch it turn generated without a reload, download its PDF, see the
 * score and the event flow, page through older invoices, get locked out and unblocked by the admin, reset the password from the
 * mailbox (the open dashboard is signed out live), and use the app at phone width.
 */
describe.skipIf(!hasChromium)("web app journey (Chromium)", { timeout: 120_000 }, () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const email = `${unique("grace")}@example.test`;
  const password = "a long and quiet river";
  const newPassword = "seven copper kettles humming";

  const watch = (p: Page) => {
    p.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    p.on("console", (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
    });
  };
  const newPage = async (options: Parameters<Browser["newContext"]>[0] = {}) => {
    const ctx = await browser.newContext({ viewport: { width: 1200, height: 760 }, ...options });
    // Generous: CI runs this beside other suites on two cores.
    ctx.setDefaultTimeout(45_000);
    const p = await ctx.newPage();
    watch(p);
    return { ctx, page: p };
  };

  beforeAll(async () => {
    clearScreenshots();
    stack = await startWebStack();
    browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
    ({ page } = await newPage());
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it("signs up from the landing page", async () => {
    await page.goto(stack.url);
    await shot(page, "landing");
    await page.getByRole("link", { name: "Create an account" }).click();
    await page.getByLabel("Email", { exact: true }).fill(email);
    await page.getByLabel("Password", { exact: true }).fill(password);
    await page.getByLabel("Full name (optional)").fill("Grace Hopper");
    await shot(page, "signup");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.getByRole("heading", { name: "Check your email" }).waitFor();
  });

  it("activates from the link in the dev mailbox, inside the app", async () => {
    await openMail(page, email, /activate/i);
    await shot(page, "mailbox", { docs: true, fullPage: false });
    await markDocument(page);
    await page.locator(".mail__links a", { hasText: "/activate?token=" }).click();
    await page.getByText("Your account is active.").waitFor();
    expect(new URL(page.url()).pathname).toBe("/activate");
    expect(await stillSamePage(page)).toBe(true);
    await shot(page, "activated");
  });

  it("signs in", async () => {
    await page.getByRole("link", { name: "Sign in", exact: true }).last().click();
    await signIn(page, email, password);
    await page.waitForURL((url) => url.pathname === "/dashboard");
    await page.getByText("No invoices yet.").waitFor();
  });

  it("creates an invoice with two lines and sees its row turn generated without a reload", async () => {
    await markDocument(page);
    await nav(page, "New invoice");
    await page.getByLabel("Name", { exact: true }).fill("Analytical Engines Ltd");
    await page.getByLabel("Email (optional)").fill("billing@engines.test");
    await page.getByLabel("Description, line 1").fill("Consulting, March");
    await page.getByLabel("Quantity").first().fill("2");
    await page.getByLabel("Unit price (EUR)").first().fill("120");
    await page.getByRole("button", { name: "Add a line" }).click();
    await page.getByLabel("Description, line 2").fill("Travel");
    await page.getByLabel("Unit price (EUR)").nth(1).fill("49.50");
    // 2 × 120.00 + 49.50 = 289.50; 20 % tax = 57.90; total 347.40
    await expect.poll(() => page.getByTestId("invoice-total").textContent()).toContain("347.40");
    // The API's details[].path lands next to its field: a due date before the invoice date.
    await page.getByLabel("Due date (optional)").fill("2020-01-31");
    await page.getByRole("button", { name: "Create invoice" }).click();
    const due = page.getByLabel("Due date (optional)");
    await expect.poll(() => due.getAttribute("aria-invalid")).toBe("true");
    const describedBy = (await due.getAttribute("aria-describedby")) ?? "";
    expect(await page.locator(`[id="${describedBy.split(" ")[0]}"]`).textContent()).toMatch(/due date/i);
    await shot(page, "new-invoice-error");
    await due.fill("");
    await shot(page, "new-invoice");
    await page.getByRole("button", { name: "Create invoice" }).click();
    await page.waitForURL((url) => url.pathname === "/dashboard");
    const row = page.locator("tr[data-invoice-id]").first();
    await row.waitFor();
    await page.locator('tr[data-status="generated"]').first().waitFor();
    expect(await row.textContent()).toContain("347.40");
    expect(await stillSamePage(page)).toBe(true);
  });

  it("downloads the invoice's PDF", async () => {
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page
        .getByRole("link", { name: /Download PDF/ })
        .first()
        .click(),
    ]);
    const bytes = readFileSync(await download.path());
    expect(bytes.subarray(0, 4).toString("latin1")).toBe("%PDF");
  });

  it("sees the customer score after a recalculation", async () => {
    await page.getByRole("button", { name: "Recalculate" }).click();
    await page.getByTestId("score-value").waitFor();
    await page
      .getByText(/Score updated|Calculated/)
      .first()
      .waitFor();
    expect(Number(await page.getByTestId("score-value").textContent())).toBeGreaterThanOrEqual(0);
    await page.locator(".chart svg").waitFor();
    await shot(page, "dashboard", { docs: true });
  });

  it("shows the event flow of what the clicks set off", async () => {
    await nav(page, "Event flow");
    await page.locator(".flow", { hasText: "invoice.generated" }).first().waitFor();
    await shot(page, "event-flow", { docs: true, fullPage: false });
  });

  it("shows older invoices a page at a time", async () => {
    // 25 more over the API (the list's page is INVOICES_PER_PAGE = 25 rows): 26 in all.
    const login = await fetch(`${stack.url}/api/v1/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password }),
    });
    const { token } = (await login.json()) as { token: string };
    for (let i = 1; i <= 25; i++) {
      const created = await fetch(`${stack.url}/api/v1/invoices`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({
          customer: { name: `Customer ${i}` },
          items: [{ description: "Hours", quantity: 1, unitPriceCents: 100 * i }],
          currency: "EUR",
        }),
      });
      expect(created.status).toBe(202);
    }
    await nav(page, "Dashboard");
    const rows = page.locator("tr[data-invoice-id]");
    const older = page.getByRole("button", { name: "Show older invoices" });
    await older.waitFor();
    expect(await rows.count()).toBe(25);
    // The first invoice, made in the form above, is the oldest: on the second page.
    expect(await page.getByRole("cell", { name: "Analytical Engines Ltd" }).count()).toBe(0);
    await older.click();
    await page.getByRole("cell", { name: "Analytical Engines Ltd" }).waitFor();
    expect(await rows.count()).toBe(26);
    await expect.poll(() => older.count()).toBe(0);
  });

  it("saves the profile and lists the sessions", async () => {
    await nav(page, "Profile");
    await page.getByLabel("Phone").fill("+1 555 0100");
    await page.getByRole("button", { name: "Save profile" }).click();
    await page.getByText("Your profile was saved.").waitFor();
    await shot(page, "profile");
    await nav(page, "Sessions");
    await page.getByText("This device").waitFor();
    await page.getByRole("cell", { name: "success" }).first().waitFor();
    await shot(page, "sessions");
  });

  it("changes the password on the profile page, refusing the current one again at its field", async () => {
    await nav(page, "Profile");
    const change = async (current: string, next: string) => {
      await page.getByLabel("Current password").fill(current);
      await page.getByLabel("New password", { exact: true }).fill(next);
      await page.getByLabel("Repeat the new password").fill(next);
      await page.getByRole("button", { name: "Change password" }).click();
    };
    await change(password, password);
    await page.getByText("the new password is the current one; choose another").waitFor();
    const interim = `${password} for a while`;
    // A change that went through empties the form and says so.
    const changed = async () => {
      await page.getByText("Your password was changed. Your other sessions were signed out.").waitFor();
      await expect.poll(() => page.getByLabel("Current password").inputValue()).toBe("");
    };
    await change(password, interim);
    await changed();
    // And back, so the steps below sign in with `password`; this tab's session stayed open.
    await change(interim, password);
    await changed();
  });

  it("locks the account with wrong passwords; the admin unblocks it, suspends and unsuspends it", async () => {
    await signOut(page);
    await nav(page, "Sign in");
    for (let i = 0; i < 10; i++) {
      await page.getByLabel("Email", { exact: true }).fill(email);
      await page.getByLabel("Password", { exact: true }).fill(`not my password ${i}`);
      await page.getByRole("button", { name: "Sign in", exact: true }).click();
      await page.locator(".status--error").waitFor();
      await page
        .getByRole("button", { name: "Sign in", exact: true })
        .and(page.locator(":enabled"))
        .waitFor();
      if (/locked/i.test((await page.locator(".status--error").textContent()) ?? "")) break;
    }
    await page.getByText(/This account is locked/).waitFor();
    await shot(page, "login-locked");

    const admin = await newPage();
    await admin.page.goto(`${stack.url}/login`);
    await signIn(admin.page, ADMIN.email, ADMIN.password);
    await nav(admin.page, "Admin");
    const entry = admin.page.locator(`[data-blocked-email="${email}"]`);
    await entry.waitFor();
    await shot(admin.page, "admin");
    await entry.getByRole("button", { name: /Unblock/ }).click();
    await admin.page.getByText(`${email} is unlocked`).waitFor();
    await entry.waitFor({ state: "detached" });

    await admin.page.getByLabel("Search by email or name").fill(email);
    const user = admin.page.locator(`[data-user-email="${email}"]`);
    await user.getByRole("button", { name: /^Suspend / }).click();
    await user.getByLabel(/Reason for suspending/).fill("Checking the admin page");
    await user.getByRole("button", { name: "Suspend", exact: true }).click();
    await admin.page.getByText(`${email} is suspended`).waitFor();
    await user.getByText("Suspended", { exact: true }).waitFor();
    await user.getByRole("button", { name: /^Unsuspend/ }).click();
    await admin.page.getByText(`${email} is active again.`).waitFor();
    await admin.ctx.close();

    await signIn(page, email, password);
    await page.waitForURL((url) => url.pathname === "/dashboard");
  });

  it("resets the password from the mailbox link; the open dashboard is signed out live", async () => {
    const other = await newPage();
    await other.page.goto(`${stack.url}/login`);
    await other.page.getByRole("link", { name: "Forgot your password?" }).click();
    await other.page.getByLabel("Email", { exact: true }).fill(email);
    await other.page.getByRole("button", { name: "Send the link" }).click();
    await other.page.getByText(/we emailed it a link/).waitFor();
    await openMail(other.page, email, /reset/i);
    await other.page.locator(".mail__links a", { hasText: "/reset-password?token=" }).click();
    await other.page.getByLabel("New password", { exact: true }).fill(newPassword);
    await other.page.getByLabel("Repeat the new password").fill(newPassword);
    await shot(other.page, "reset-password");
    await other.page.getByRole("button", { name: "Set the new password" }).click();
    await other.page.getByText("Your password was changed.").waitFor();

    // Every session ended: the dashboard still open in the first window learns it from the stream.
    await page.waitForURL((url) => url.pathname === "/login" && url.searchParams.has("ended"));
    await page.getByText("Your session has ended.").waitFor();

    await signIn(other.page, email, newPassword);
    await other.page.waitForURL((url) => url.pathname === "/dashboard");
    await other.ctx.close();
  });

  it("works at phone width (375 px)", async () => {
    const phone = await newPage({ viewport: { width: 375, height: 780 }, isMobile: true, hasTouch: true });
    await phone.page.goto(`${stack.url}/login`);
    await signIn(phone.page, email, newPassword);
    await phone.page.locator('tr[data-status="generated"]').first().waitFor();
    const overflow = await phone.page.evaluate("document.documentElement.scrollWidth - window.innerWidth");
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(phone.page, "phone-dashboard");
    await phone.page.getByRole("button", { name: "Menu" }).click();
    await shot(phone.page, "phone-menu", { fullPage: false });
    await nav(phone.page, "New invoice");
    await shot(phone.page, "phone-new-invoice");
    await phone.ctx.close();
  });

  it("met no CSP violation and no script error on the way", () => {
    expect(problems).toEqual([]);
  });
});
