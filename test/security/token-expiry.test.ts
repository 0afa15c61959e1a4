import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { confirmActivation } from "../../src/contracts/activation/index.ts";
import { requestPasswordReset, resetPassword } from "../../src/contracts/password/index.ts";
import { loadConfig } from "../../src/platform/config.ts";
import { waitFor } from "../support/index.ts";
import { HOUR, Harness, MINUTE, newEmail, strongPassword } from "../services/accounts/harness.ts";

/**
 * Token lifetimes, with the injectable clock of the accounts, activation and password services
 * (createPasswordService({ clock }) and friends): a reset link dies after RESET_TTL_MINUTES
 * (30 at most), an activation link after ACTIVATION_TTL_HOURS. Service level, embedded log.
 */
describe("token expiry (service level, movable clock)", () => {
  const h = new Harness({ RESET_TTL_MINUTES: "10" });

  beforeAll(() => h.start(), 120_000);
  afterAll(() => h.stop());
  afterEach(() => h.clock.reset());

  async function resetToken(email: string, count = 1): Promise<string> {
    await h.send(requestPasswordReset, email, { email });
    return h.openLink((await h.mail(email, "password-reset", count)).link).tokenHash;
  }

  async function activeInPassword(): Promise<{ userId: string; email: string }> {
    const user = await h.activeUser();
    const db = await h.platform.databases.forService("password");
    await waitFor("password's view to see the user ACTIVE", async () => {
      const rows = await db.query(
        `select 1 from "${h.platform.schemaOf("password")}".users where id = $1 and status = 'ACTIVE'`,
        [user.userId],
      );
      return rows.length === 1;
    });
    return user;
  }

  const reset = (tokenHash: string) =>
    h.request(resetPassword, tokenHash, { tokenHash, password: h.seal(strongPassword()) });

  it("RESET_TTL_MINUTES cannot exceed 30", () => {
    expect(() => loadConfig({ RESET_TTL_MINUTES: "31" })).toThrow(/RESET_TTL_MINUTES/);
    expect(loadConfig({}).RESET_TTL_MINUTES).toBe(30);
  });

  it("a reset link expires after RESET_TTL_MINUTES and works until then", async () => {
    const user = await activeInPassword();
    const expired = await resetToken(user.email);
    h.clock.advance(10 * MINUTE + 1000);
    await expect(reset(expired)).rejects.toMatchObject({ code: "TOKEN_INVALID" });
    h.clock.reset();

    const live = await resetToken(user.email, 2);
    h.clock.advance(10 * MINUTE - 5000);
    await expect(reset(live)).resolves.toEqual({ status: "password_changed" });
  });

  it("an activation link expires after ACTIVATION_TTL_HOURS", async () => {
    const email = newEmail();
    await h.signUp(email, strongPassword());
    const { tokenHash } = h.openLink((await h.mail(email, "activation")).link);
    h.clock.advance(24 * HOUR + 1000);
    await expect(h.request(confirmActivation, tokenHash, { tokenHash })).rejects.toMatchObject({
      code: "TOKEN_INVALID",
    });
  });
});
