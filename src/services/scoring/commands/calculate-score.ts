import { calculateScore } from "../../../contracts/scoring/index.ts";
import type { ScoringDeps } from "../deps.ts";
import { recalculate } from "../recalculate.ts";

/**
 * calculate-score: the calculation is a few indexed reads and a pure function, so it runs in
 * the request's own transaction; the reply ({ requestId }) and score.calculated commit together.
 */
export function serveCalculateScore(deps: ScoringDeps) {
  return deps.ctx.serve(calculateScore, async (payload, envelope, tx) => {
    await recalculate(deps, tx, {
      userId: payload.userId,
      requestId: payload.requestId,
      trigger: "request",
      cause: envelope,
    });
    return { requestId: payload.requestId };
  });
}
