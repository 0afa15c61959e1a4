import { minorDigits } from "../../../contracts/invoicing/index.ts";
import type { ScoreFactor, ScoreTier } from "../../../contracts/scoring/index.ts";

/** What scoring knows about a user, from other services' events. */
export interface ScoreInputs {
  /** From user.changed; null before the first one arrived. */
  readonly status: "PENDING" | "ACTIVE" | "SUSPENDED" | "EXPIRED" | null;
  readonly accountCreatedAt: Date | null;
  /** invoice.generated in the last 90 days. */
  readonly invoicesLast90Days: number;
  /** Totals of invoice.generated in the last 365 days, per currency, in minor units. */
  readonly volumeLast365Days: readonly { readonly currency: string; readonly totalCents: number }[];
  /** Distinct UTC days with a login.succeeded in the last 30 days. */
  readonly loginDaysLast30: number;
  /** account.locked in the last 365 days. */
  readonly locksLast365Days: number;
}

export interface Score {
  readonly score: number;
  readonly tier: ScoreTier;
  readonly factors: ScoreFactor[];
}

const DAY_MS = 86_400_000;

/**
 * The factor table. Each factor's value is its level in 0..1 (three decimals); its weight is the
 * points that level 1 is worth. The positive weights add up to 1000; locks subtract.
 *
 * | factor         | value                                                      | weight |
 * |----------------|------------------------------------------------------------|--------|
 * | activation     | 1 if the account is ACTIVE, else 0                          |   150  |
 * | accountAge     | days since signup / 365, capped at 1                        |   200  |
 * | recentInvoices | invoices generated in the last 90 days / 20, capped at 1    |   250  |
 * | invoicedVolume | log10(1 + volume) / 6, capped at 1; volume = the largest    |   250  |
 * |                | 365-day total in one currency, in major units (no FX)       |        |
 * | loginActivity  | distinct login days in the last 30 / 10, capped at 1        |   150  |
 * | accountLocks   | lockouts in the last 365 days / 5, capped at 1              |  −300  |
 */
export const FACTOR_WEIGHTS = {
  activation: 150,
  accountAge: 200,
  recentInvoices: 250,
  invoicedVolume: 250,
  loginActivity: 150,
  accountLocks: -300,
} as const;

/** Tier lower bounds, highest first: Exemplary ≥ 850, Trusted ≥ 650, Established ≥ 400, else Starter. */
export const TIERS: readonly { readonly tier: ScoreTier; readonly from: number }[] = [
  { tier: "Exemplary", from: 850 },
  { tier: "Trusted", from: 650 },
  { tier: "Established", from: 400 },
  { tier: "Starter", from: 0 },
];

export function tierOf(score: number): ScoreTier {
  return TIERS.find((t) => score >= t.from)?.tier ?? "Starter";
}

const level = (x: number): number =>
  Math.round(Math.min(Math.max(Number.isFinite(x) ? x : 0, 0), 1) * 1000) / 1000;

/** Minor-unit digits of a currency (EUR 2, JPY 0); 2 for a code ICU does not know. */
function digitsOf(currency: string): number {
  try {
    return minorDigits(currency);
  } catch {
    return 2;
  }
}

/**
 * The score, 0..1000: Σ value × weight over the factor table, from the rounded values shown (so
 * anyone can recompute it from the factors), rounded to an integer and clamped.
 */
export function computeScore(inputs: ScoreInputs, now: Date): Score {
  const ageDays = inputs.accountCreatedAt ? (now.getTime() - inputs.accountCreatedAt.getTime()) / DAY_MS : 0;
  const volume = Math.max(
    0,
    ...inputs.volumeLast365Days.map((v) => v.totalCents / 10 ** digitsOf(v.currency)),
  );
  const values: Record<keyof typeof FACTOR_WEIGHTS, number> = {
    activation: inputs.status === "ACTIVE" ? 1 : 0,
    accountAge: level(ageDays / 365),
    recentInvoices: level(inputs.invoicesLast90Days / 20),
    invoicedVolume: level(Math.log10(1 + volume) / 6),
    loginActivity: level(inputs.loginDaysLast30 / 10),
    accountLocks: level(inputs.locksLast365Days / 5),
  };
  const factors = (Object.keys(FACTOR_WEIGHTS) as (keyof typeof FACTOR_WEIGHTS)[]).map((name) => ({
    name,
    value: values[name],
    weight: FACTOR_WEIGHTS[name],
  }));
  // In thousandths, as integers: the sum is exact and a half rounds up.
  const milli = factors.reduce((sum, f) => sum + Math.round(f.value * 1000) * f.weight, 0);
  const score = Math.min(Math.max(Math.round(milli / 1000), 0), 1000);
  return { score, tier: tierOf(score), factors };
}
