import { describe, expect, it } from "vitest";
import type { ScoreInputs } from "../../../src/services/scoring/domain/score.ts";
import { computeScore, FACTOR_WEIGHTS, tierOf } from "../../../src/services/scoring/domain/score.ts";

const now = new Date("2026-06-01T00:00:00.000Z");
const daysAgo = (days: number) => new Date(now.getTime() - days * 86_400_000);
const inputs = (over: Partial<ScoreInputs> = {}): ScoreInputs => ({
  status: "ACTIVE",
  accountCreatedAt: now,
  invoicesLast90Days: 0,
  volumeLast365Days: [],
  loginDaysLast30: 0,
  locksLast365Days: 0,
  ...over,
});
const factor = (score: ReturnType<typeof computeScore>, name: string) =>
  score.factors.find((f) => f.name === name)?.value;

describe("computeScore", () => {
  it("has positive weights adding up to 1000 and a penalty for locks", () => {
    const positive = Object.values(FACTOR_WEIGHTS).filter((w) => w > 0);
    expect(positive.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(FACTOR_WEIGHTS.accountLocks).toBeLessThan(0);
  });

  it("scores a user nothing is known about at 0, Starter", () => {
    const s = computeScore(inputs({ status: null, accountCreatedAt: null }), now);
    expect(s).toMatchObject({ score: 0, tier: "Starter" });
    expect(s.factors.map((f) => f.name)).toEqual(Object.keys(FACTOR_WEIGHTS));
  });

  it("scores a brand-new active account for its activation only", () => {
    expect(computeScore(inputs(), now)).toMatchObject({ score: 150, tier: "Starter" });
    expect(computeScore(inputs({ status: "PENDING" }), now).score).toBe(0);
  });

  it("reaches 1000, Exemplary, with every factor saturated and no locks", () => {
    const s = computeScore(
      inputs({
        accountCreatedAt: daysAgo(800),
        invoicesLast90Days: 50,
        volumeLast365Days: [{ currency: "EUR", totalCents: 500_000_000 }],
        loginDaysLast30: 30,
      }),
      now,
    );
    expect(s).toMatchObject({ score: 1000, tier: "Exemplary" });
    expect(s.factors.every((f) => f.value === (f.weight > 0 ? 1 : 0))).toBe(true);
  });

  it("grows with invoices and volume (log scale, largest single currency, minor units respected)", () => {
    const one = computeScore(
      inputs({ invoicesLast90Days: 1, volumeLast365Days: [{ currency: "EUR", totalCents: 10_000 }] }),
      now,
    );
    // 1/20 → 0.05 × 250 = 12.5; log10(101)/6 = 0.334 × 250 = 83.5; 150 + 12.5 + 83.5 = 246.
    expect(one.score).toBe(246);
    expect(factor(one, "invoicedVolume")).toBe(0.334);
    const yen = computeScore(inputs({ volumeLast365Days: [{ currency: "JPY", totalCents: 100 }] }), now);
    expect(factor(yen, "invoicedVolume")).toBe(factor(one, "invoicedVolume"));
    const mixed = computeScore(
      inputs({
        volumeLast365Days: [
          { currency: "EUR", totalCents: 10_000 },
          { currency: "USD", totalCents: 99_999_900 },
        ],
      }),
      now,
    );
    expect(factor(mixed, "invoicedVolume")).toBe(1);
  });

  it("ages the account linearly over a year and ignores a signup in the future", () => {
    expect(factor(computeScore(inputs({ accountCreatedAt: daysAgo(73) }), now), "accountAge")).toBe(0.2);
    expect(factor(computeScore(inputs({ accountCreatedAt: daysAgo(-3) }), now), "accountAge")).toBe(0);
  });

  it("takes points off for lockouts and never goes below 0", () => {
    const locked = computeScore(inputs({ locksLast365Days: 2 }), now);
    expect(locked.score).toBe(150 - 120);
    expect(computeScore(inputs({ locksLast365Days: 9 }), now).score).toBe(0);
  });

  it("recomputes to the same score from the factors shown", () => {
    const s = computeScore(
      inputs({
        accountCreatedAt: daysAgo(100),
        invoicesLast90Days: 7,
        loginDaysLast30: 3,
        locksLast365Days: 1,
      }),
      now,
    );
    expect(Math.round(s.factors.reduce((sum, f) => sum + f.value * f.weight, 0))).toBe(s.score);
  });

  it.each([
    [0, "Starter"],
    [399, "Starter"],
    [400, "Established"],
    [649, "Established"],
    [650, "Trusted"],
    [849, "Trusted"],
    [850, "Exemplary"],
    [1000, "Exemplary"],
  ] as const)("puts %i in tier %s", (score, tier) => {
    expect(tierOf(score)).toBe(tier);
  });
});
