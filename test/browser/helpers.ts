import { copyFileSync, mkdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { expect } from "vitest";

export const SCREENSHOTS = "test-results/screenshots";
const DOCS_SCREENSHOTS = "docs/screenshots";
const DOCS_MAX_BYTES = 150 * 1024;
let counter = 0;

/** Empties test-results/screenshots, so that it holds this run's pictures only. */
export function clearScreenshots(): void {
  rmSync(SCREENSHOTS, { recursive: true, force: true });
  counter = 0;
}

/**
 * Saves what the page shows under test-results/screenshots/NN-name.png. With `docs`, and when
 * LEDGERLINE_UPDATE_SCREENSHOTS=1, also copies it to docs/screenshots/name.png (≤ 150 KB) for the README.
 */
export async function shot(page: Page, name: string, options: { docs?: boolean; fullPage?: boolean } = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = join(SCREENSHOTS, `${String(++counter).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: options.fullPage ?? true, animations: "disabled" });
  if (options.docs && process.env.LEDGERLINE_UPDATE_SCREENSHOTS === "1") {
    expect(statSync(file).size, `${file} is too large for docs/`).toBeLessThanOrEqual(DOCS_MAX_BYTES);
    mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
    copyFileSync(file, join(DOCS_SCREENSHOTS, `${name}.png`));
  }
  return file;
}

/** Follows a link in the top navigation (opening the phone menu first when it is collapsed). */
export async function nav(page: Page, name: string): Promise<void> {
  const toggle = page.getByRole("button", { name: "Menu" });
  if (await toggle.isVisible()) {
    if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
  }
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name, exact: true }).click();
}

export async function signOut(page: Page): Promise<void> {
  const toggle = page.getByRole("button", { name: "Menu" });
  if ((await toggle.isVisible()) && (await toggle.getAttribute("aria-expanded")) !== "true")
    await toggle.click();
  await page.getByRole("button", { name: "Sign out" }).first().click();
  await page.waitForURL((url) => url.pathname === "/");
}

const onLogin = (page: Page) => new URL(page.url()).pathname === "/login";

/**
 * Signs in through the login form. Activation and unsuspension reach the login service as events, so
 * right after them "not active" or "suspended" can come back for a moment: the form is sent again then.
 */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  if (!onLogin(page)) await nav(page, "Sign in");
  const deadline = Date.now() + 30_000;
  for (;;) {
    await page.getByLabel("Email", { exact: true }).fill(email);
    await page.getByLabel("Password", { exact: true }).fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    // Polled from here: a page-side wait would evaluate a string, which the app's CSP forbids.
    const answered = Date.now() + 45_000;
    while (onLogin(page) && (await page.locator(".status--error").count()) === 0) {
      if (Date.now() > answered) throw new Error("sign-in: no answer");
      await page.waitForTimeout(100);
    }
    if (!onLogin(page)) return;
    const text = (await page.locator(".status--error").first().textContent()) ?? "";
    if (!/not active|suspended/i.test(text) || Date.now() > deadline)
      throw new Error(`sign-in failed: ${text}`);
    await page.waitForTimeout(250);
  }
}

/** Opens the newest mail to `to` whose subject matches in the mailbox page, and returns its links. */
export async function openMail(page: Page, to: string, subject: RegExp): Promise<void> {
  await nav(page, "Mailbox");
  await page.getByLabel("Recipient").fill(to);
  const item = page.locator(".maillist__item").filter({ hasText: subject }).first();
  await item.waitFor();
  await item.click();
  await page.getByRole("heading", { level: 2, name: subject }).waitFor();
  await page.frameLocator("iframe.mail__html").locator("body *").first().waitFor();
}

/** Marks the document; `stillSamePage` is true while no full reload happened since. */
export async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    (globalThis as unknown as { __journeyMark?: boolean }).__journeyMark = true;
  });
}

export async function stillSamePage(page: Page): Promise<boolean> {
  return page.evaluate(() => (globalThis as unknown as { __journeyMark?: boolean }).__journeyMark === true);
}
