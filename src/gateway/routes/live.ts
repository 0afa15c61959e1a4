import { z } from "zod";
import type { GatewayContext } from "../context.ts";
import type { FlowRecorder } from "../flow-recorder.ts";
import type { LiveEvents } from "../live-events.ts";

/** GET /api/v1/events (server-sent events per user) and, in development, GET /api/v1/dev/flow. */
export function liveRoutes(g: GatewayContext, live: LiveEvents, flow: FlowRecorder | undefined): void {
  const { api, sessions } = g;
  api.route(
    {
      method: "GET",
      url: "/api/v1/events",
      summary:
        "Live events for the signed-in user: invoice.generated, invoice.failed, score.calculated, session.revoked.",
      tag: "dashboard",
      access: "user",
      success: { 200: "an event stream (heartbeat every 15 s; resumes from Last-Event-ID)" },
      produces: "text/event-stream",
    },
    async ({ request, reply }) => {
      const { session } = await sessions.require(request);
      // HEAD: the headers only; a stream would never end (Node sends no headers for it).
      if (request.method === "HEAD") return reply.type("text/event-stream; charset=utf-8").send();
      const last = request.headers["last-event-id"];
      // The hooks' headers (security, no-store) sit on the reply, which a hijacked stream bypasses.
      for (const [name, value] of Object.entries(reply.getHeaders())) {
        if (value !== undefined) reply.raw.setHeader(name, value);
      }
      reply.hijack();
      live.open(reply.raw, session.user.id, session.sessionId, typeof last === "string" ? last : undefined);
    },
  );

  if (!flow) return;
  api.route(
    {
      method: "GET",
      url: "/api/v1/dev/flow",
      summary: "Development: the messages of the last minutes across topics, grouped by correlation id.",
      tag: "development",
      access: "public",
      query: z.strictObject({ minutes: z.coerce.number().int().min(1).max(15).optional() }),
      success: { 200: "flows, newest first" },
    },
    async ({ query }) => ({ flows: flow.flows(query.minutes ?? 5) }),
  );
}
