import { getScore, SCORE_HISTORY_LENGTH } from "../../../contracts/scoring/index.ts";
import type { ScoringDeps } from "../deps.ts";

/** get-score: the latest calculation and the history; nulls and empty lists before the first. */
export function serveGetScore({ ctx, repo }: ScoringDeps) {
  return ctx.query(getScore, async (payload, _envelope, tx) => {
    const history = await repo.history(tx, payload.userId, SCORE_HISTORY_LENGTH);
    const latest = history[0];
    return {
      score: latest?.score ?? null,
      tier: latest?.tier ?? null,
      factors: latest?.factors ?? [],
      calculatedAt: latest?.calculatedAt.toISOString() ?? null,
      history: history.map((h) => ({
        score: h.score,
        tier: h.tier,
        calculatedAt: h.calculatedAt.toISOString(),
      })),
    };
  });
}
