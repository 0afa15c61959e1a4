import { z } from "zod";

/** Score bands, lowest first: Starter < 400 ≤ Established < 650 ≤ Trusted < 850 ≤ Exemplary. */
export const scoreTier = z.enum(["Starter", "Established", "Trusted", "Exemplary"]);
export type ScoreTier = z.infer<typeof scoreTier>;

/**
 * One input of a score: `value` is its normalised level (0..1, three decimals) and `weight` the
 * points it is worth at 1 (negative for a penalty); the score is Σ value × weight, 0..1000.
 */
export const scoreFactor = z.object({
  name: z.string().max(40),
  value: z.number().min(0).max(1),
  weight: z.number().int(),
});
export type ScoreFactor = z.infer<typeof scoreFactor>;

export const scoreValue = z.number().int().min(0).max(1000);

/** What caused a calculation: a calculate-score request, or an invoice the user issued. */
export const scoreTrigger = z.enum(["request", "invoice.generated"]);
