import { z } from "zod";
import { defineContract } from "../../messaging/contracts.ts";
import { isoTime, userId } from "../common.ts";
import { scoreFactor, scoreTier, scoreTrigger, scoreValue } from "./common.ts";

/**
 * Keyed by userId, once per calculation. `requestId` is the calculate-score request's, or for a
 * recalculation caused by invoice.generated the id of that event.
 */
export const scoreCalculated = defineContract({
  type: "score.calculated",
  kind: "event",
  schema: z.object({
    userId,
    requestId: z.uuid(),
    trigger: scoreTrigger,
    score: scoreValue,
    tier: scoreTier,
    factors: z.array(scoreFactor),
    calculatedAt: isoTime,
  }),
  description: "A user's customer score was calculated.",
});
