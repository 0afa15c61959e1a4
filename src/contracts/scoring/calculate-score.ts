import { z } from "zod";
import { defineCommand } from "../../messaging/request-reply.ts";
import { userId } from "../common.ts";

/**
 * Keyed by userId. Calculates the user's score now, stores it in the history and emits
 * score.calculated with the same requestId; the reply carries the requestId back. A repeated
 * requestId (a retry) calculates nothing new.
 */
export const calculateScore = defineCommand({
  type: "calculate-score",
  request: z.object({ userId, requestId: z.uuid() }),
  result: z.object({ requestId: z.uuid() }),
  description: "Recalculate a user's customer score; the result follows as score.calculated.",
});
