import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { listMailbox, MAILBOX_MAX_LIMIT } from "../../contracts/mailer/list-mailbox.ts";
import type { Requester } from "../../messaging/request-reply.ts";

const query = z.strictObject({
  to: z.preprocess(
    (v) => (v === "" ? undefined : v),
    z.email({ message: "expected an email address" }).max(254).optional(),
  ),
  limit: z.coerce.number().int().min(1).max(MAILBOX_MAX_LIMIT).optional(),
});

/**
 * The dev mailbox: what the embedded SMTP catcher received, newest first, optionally for one
 * recipient. Registered only while the catcher is on (SMTP_URL unset); a bad query is a ZodError,
 * which the error handler answers with 400 VALIDATION_FAILED.
 */
export function devMailboxRoutes(app: FastifyInstance, deps: { requester: Requester }): void {
  app.get("/api/v1/dev/mailbox", async (request) => {
    const { to, limit } = query.parse(request.query);
    const { messages } = await deps.requester.request(listMailbox, "mailbox", {
      ...(to ? { to: to.toLowerCase() } : {}),
      ...(limit ? { limit } : {}),
    });
    return { messages };
  });
}
