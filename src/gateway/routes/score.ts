import type { FastifyInstance, FastifyRequest } from "fastify";
import { calculateScore, getScore } from "../../contracts/scoring/index.ts";
import type { Requester } from "../../messaging/request-reply.ts";
import { newId } from "../../platform/ids.ts";
import { Api } from "../api.ts";

/**
 * The customer score (API.md). A recalculation answers 202 with its requestId; the result comes
 * as score.calculated on the event stream (and in GET /api/v1/score). Pass the gateway's `api`
 * for the routes to land in /openapi.json.
 */
export function scoreRoutes(
  app: FastifyInstance,
  deps: {
    requester: Requester;
    requireUser: (request: FastifyRequest) => Promise<{ userId: string }>;
    api?: Api;
  },
): void {
  const { requester, requireUser } = deps;
  const api = deps.api ?? new Api(app);

  api.route(
    {
      method: "POST",
      url: "/api/v1/score/recalculate",
      summary: "Recalculate the customer score; the result follows as score.calculated on /api/v1/events.",
      tag: "score",
      access: "user",
      success: { 202: "{ requestId }" },
    },
    async ({ request, reply }) => {
      const { userId } = await requireUser(request);
      const result = await requester.request(calculateScore, userId, { userId, requestId: newId() });
      return reply.status(202).send(result);
    },
  );

  api.route(
    {
      method: "GET",
      url: "/api/v1/score",
      summary: "The latest customer score with its factors, and its history (null before the first).",
      tag: "score",
      access: "user",
      success: { 200: "{ score, tier, factors, calculatedAt, history }" },
    },
    async ({ request }) => {
      const { userId } = await requireUser(request);
      return requester.request(getScore, userId, { userId });
    },
  );
}
