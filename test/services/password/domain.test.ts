import { describe, expect, it } from "vitest";
import type { UserView } from "../../../src/services/password/domain/reset.ts";
import {
  canRequestReset,
  isRedeemable,
  issueResetToken,
  resetLink,
  weakPasswordDetail,
} from "../../../src/services/password/domain/reset.ts";

const t0 = new Date("2030-01-01T00:00:00.000Z");
const minutes = (n: number) => new Date(t0.getTime() + n * 60_000);
const user: UserView = {
  id: "0190f000-0000-7000-8000-000000000001",
  email: "ada@example.test",
  status: "ACTIVE",
  version: 2,
};

describe("password domain", () => {
  it("gives links to ACTIVE users only", () => {
    expect(canRequestReset(user)).toBe(true);
    expect(canRequestReset({ ...user, status: "PENDING" })).toBe(false);
    expect(canRequestReset({ ...user, status: "SUSPENDED" })).toBe(false);
    expect(canRequestReset(undefined)).toBe(false);
  });

  it("redeems a token once, within its lifetime, while its user is ACTIVE", () => {
    const token = issueResetToken(user, { hash: "a" }, t0, 30);
    expect(token.expiresAt).toEqual(minutes(30));
    expect(isRedeemable(token, user, minutes(29))).toBe(true);
    expect(isRedeemable(token, user, minutes(30))).toBe(false);
    expect(isRedeemable({ ...token, usedAt: minutes(1) }, user, minutes(2))).toBe(false);
    expect(isRedeemable({ ...token, voidedAt: minutes(1) }, user, minutes(2))).toBe(false);
    expect(isRedeemable(token, { ...user, status: "SUSPENDED" }, minutes(2))).toBe(false);
    expect(isRedeemable(token, undefined, minutes(2))).toBe(false);
  });

  it("explains a weak password under the path `password`", () => {
    expect(weakPasswordDetail("Harbor-lamp-Sunlit-42", user.email, 8)).toBeUndefined();
    expect(weakPasswordDetail("short", user.email, 8)).toEqual({
      path: "password",
      message: expect.stringContaining("8") as string,
    });
    expect(weakPasswordDetail("password1", user.email, 8)?.path).toBe("password");
    expect(weakPasswordDetail("xx-ada-xx-ada-1", user.email, 8)?.message).toMatch(/email/);
  });

  it("builds the link the mail carries", () => {
    expect(resetLink("http://app.test", "tok")).toBe("http://app.test/reset-password?token=tok");
  });
});
