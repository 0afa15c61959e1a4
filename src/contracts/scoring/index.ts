/** Messages owned by the `scoring` service. */
export type { ScoreFactor, ScoreTier } from "./common.ts";
export { scoreFactor, scoreTier, scoreTrigger, scoreValue } from "./common.ts";
export { calculateScore } from "./calculate-score.ts";
export { getScore, SCORE_HISTORY_LENGTH } from "./get-score.ts";
export { scoreCalculated } from "./score-calculated.ts";
