import { z } from "zod";
import { defineCommand } from "../../messaging/request-reply.ts";
import { isoTime, userId } from "../common.ts";
import { scoreFactor, scoreTier, scoreValue } from "./common.ts";

export const SCORE_HISTORY_LENGTH = 20;

/**
 * The latest score with its factors, and the last SCORE_HISTORY_LENGTH calculations newest first
 * (the latest included). Before the first calculation: score, tier and calculatedAt are null,
 * factors and history empty.
 */
export const getScore = defineCommand({
  type: "get-score",
  request: z.object({ userId }),
  result: z.object({
    score: scoreValue.nullable(),
    tier: scoreTier.nullable(),
    factors: z.array(scoreFactor),
    calculatedAt: isoTime.nullable(),
    history: z.array(z.object({ score: scoreValue, tier: scoreTier, calculatedAt: isoTime })),
  }),
  description: "Read a user's latest customer score and its history.",
});
