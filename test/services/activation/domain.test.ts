import { describe, expect, it } from "vitest";
import type { Registration } from "../../../src/services/activation/domain/activation.ts";
import {
  activationLink,
  deadlineOf,
  expiryCutoff,
  isPending,
  isRedeemable,
  issueToken,
} from "../../../src/services/activation/domain/activation.ts";

const HOUR = 3_600_000;
const t0 = new Date("2030-01-01T00:00:00.000Z");
const at = (hours: number) => new Date(t0.getTime() + hours * HOUR);
const policy = { tokenTtlHours: 24, expireAfterHours: 72 };
const registration: Registration = {
  userId: "0190f000-0000-7000-8000-000000000001",
  email: "ada@example.test",
  registeredAt: t0,
  activatedAt: null,
  expiredAt: null,
};

describe("activation domain", () => {
  it("issues tokens that live TTL hours but never beyond the registration's deadline", () => {
    expect(issueToken(registration, { hash: "a" }, t0, policy).expiresAt).toEqual(at(24));
    expect(issueToken(registration, { hash: "b" }, at(60), policy).expiresAt).toEqual(at(72));
    expect(deadlineOf(registration, policy)).toEqual(at(72));
    expect(expiryCutoff(at(72), policy)).toEqual(t0);
  });

  it("redeems a token once, before it expires, for a pending registration", () => {
    const token = issueToken(registration, { hash: "a" }, t0, policy);
    expect(isRedeemable(token, registration, at(1), policy)).toBe(true);
    expect(isRedeemable(token, registration, at(24), policy)).toBe(false);
    expect(isRedeemable({ ...token, usedAt: at(1) }, registration, at(2), policy)).toBe(false);
    expect(isRedeemable({ ...token, voidedAt: at(1) }, registration, at(2), policy)).toBe(false);
    expect(isRedeemable(token, { ...registration, activatedAt: at(1) }, at(2), policy)).toBe(false);
    expect(
      isRedeemable(token, { ...registration, userId: "0190f000-0000-7000-8000-000000000009" }, at(2), policy),
    ).toBe(false);
  });

  it("is pending until activated, expired, or past the deadline", () => {
    expect(isPending(registration, at(71), policy)).toBe(true);
    expect(isPending(registration, at(72), policy)).toBe(false);
    expect(isPending({ ...registration, expiredAt: at(1) }, at(2), policy)).toBe(false);
  });

  it("builds the link the mail carries", () => {
    expect(activationLink("http://app.test", "abc-_1")).toBe("http://app.test/activate?token=abc-_1");
  });
});
