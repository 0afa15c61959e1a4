import { z } from "zod";
import { listUsers, suspendUser, unsuspendUser } from "../../contracts/accounts/index.ts";
import { email, userStatus } from "../../contracts/common.ts";
import { listBlocked, unblockAccount } from "../../contracts/lockout/index.ts";
import type { GatewayContext } from "../context.ts";

/** A user id in the path: anything else is 400 naming the parameter. */
const userIdParams = z.object({ id: z.uuid({ error: "expected a user id" }) });

/**
 * An email in the path, in the form the contracts take (trimmed, lower case). The router
 * already decoded it once; an address with a "%" in it may come encoded twice, and a stray "%"
 * must not throw.
 */
const emailParams = z.object({
  email: z
    .string()
    .transform((value) => {
      try {
        return decodeURIComponent(value);
      } catch {
        return value;
      }
    })
    .pipe(email)
    // What /openapi.json says of it (a transform's input is only a string there).
    .meta({ format: "email" }),
});

/** Administration (role admin): users, suspension, the blocked list. */
export function adminRoutes({ api, requester, sessions }: GatewayContext): void {
  api.route(
    {
      method: "GET",
      url: "/api/v1/admin/users",
      summary: "List users (newest first), filtered by text and status.",
      tag: "admin",
      access: "admin",
      query: z.strictObject({
        query: z.string().max(200).optional(),
        status: userStatus.optional(),
        cursor: z.string().max(200).optional(),
        limit: z.coerce.number().int().min(1).max(200).optional(),
      }),
      success: { 200: "users and nextCursor" },
    },
    async ({ request, query }) => {
      await sessions.require(request, "admin");
      return requester.request(listUsers, "users", {
        limit: query.limit ?? 50,
        ...(query.query ? { query: query.query } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...(query.cursor ? { cursor: query.cursor } : {}),
      });
    },
  );

  api.route(
    {
      method: "POST",
      url: "/api/v1/admin/users/:id/suspend",
      summary: "Suspend a user; their sessions end.",
      tag: "admin",
      access: "admin",
      params: userIdParams,
      body: z.strictObject({ reason: z.string().trim().min(1).max(500) }),
      success: { 200: "the user" },
      errors: ["USER_NOT_FOUND", "CSRF_INVALID"],
    },
    async ({ request, body, params }) => {
      const { session } = await sessions.require(request, "admin");
      const userId = params.id;
      return requester.request(suspendUser, userId, { userId, reason: body.reason, by: session.user.id });
    },
  );

  api.route(
    {
      method: "POST",
      url: "/api/v1/admin/users/:id/unsuspend",
      summary: "Lift a suspension.",
      tag: "admin",
      access: "admin",
      params: userIdParams,
      success: { 200: "the user" },
      errors: ["USER_NOT_FOUND", "CSRF_INVALID"],
    },
    async ({ request, params }) => {
      const { session } = await sessions.require(request, "admin");
      const userId = params.id;
      return requester.request(unsuspendUser, userId, { userId, by: session.user.id });
    },
  );

  api.route(
    {
      method: "GET",
      url: "/api/v1/admin/blocked",
      summary: "Accounts locked now.",
      tag: "admin",
      access: "admin",
      success: { 200: "blocked" },
    },
    async ({ request }) => {
      await sessions.require(request, "admin");
      return requester.request(listBlocked, "blocked", {});
    },
  );

  api.route(
    {
      method: "DELETE",
      url: "/api/v1/admin/blocked/:email",
      summary: "Unlock an account and reset its failure counter.",
      tag: "admin",
      access: "admin",
      params: emailParams,
      success: { 204: "unlocked" },
      errors: ["CSRF_INVALID"],
    },
    async ({ request, reply, params }) => {
      const { session } = await sessions.require(request, "admin");
      await requester.request(unblockAccount, params.email, { email: params.email, by: session.user.id });
      return reply.status(204).send();
    },
  );
}
