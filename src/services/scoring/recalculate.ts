import type { z } from "zod";
import { scoreCalculated } from "../../contracts/scoring/index.ts";
import type { scoreTrigger } from "../../contracts/scoring/index.ts";
import type { Envelope } from "../../messaging/envelope.ts";
import { newId } from "../../platform/ids.ts";
import type { Tx } from "../../runtime/service-context.ts";
import type { ScoringDeps } from "./deps.ts";
import { computeScore } from "./domain/score.ts";

/**
 * Calculates a user's score from scoring's own data, stores it in the history and emits
 * score.calculated, in the caller's transaction. Once per (user, requestId): false when that
 * request was calculated already.
 */
export async function recalculate(
  { repo, clock }: ScoringDeps,
  tx: Tx,
  run: { userId: string; requestId: string; trigger: z.infer<typeof scoreTrigger>; cause: Envelope },
): Promise<boolean> {
  const now = clock.now();
  const { score, tier, factors } = computeScore(await repo.inputs(tx, run.userId, now), now);
  const stored = await repo.addScore(tx, {
    id: newId(),
    userId: run.userId,
    requestId: run.requestId,
    trigger: run.trigger,
    score,
    tier,
    factors,
    calculatedAt: now,
  });
  if (!stored) return false;
  tx.emit(
    scoreCalculated,
    run.userId,
    {
      userId: run.userId,
      requestId: run.requestId,
      trigger: run.trigger,
      score,
      tier,
      factors,
      calculatedAt: now.toISOString(),
    },
    run.cause,
  );
  return true;
}
