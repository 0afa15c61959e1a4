import { z } from "zod";
import { listUsers, suspendUser, unsuspendUser } from "../../contracts/accounts/index.ts";
import { userStatus } from "../../contracts/common.ts";
import { accountErrors } from "../../contracts/errors.ts";
import { listBlocked, unblockAccount } from "../../contracts/lockout/index.ts";
import type { GatewayContext } from "../context.ts";

const userIdParam = (id: string | undefined): string => {
  const parsed = z.uuid().safeParse(id);
  if (!parsed.success) throw accountErrors.USER_NOT_FOUND();
  return parsed.data;
};

/** The router already decoded the parameter once; a second decoding of a stray "%" must not throw. */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

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
      body: z.strictObject({ reason: z.string().trim().min(1).max(500) }),
      success: { 200: "the user" },
      errors: ["USER_NOT_FOUND", "CSRF_INVALID"],
    },
    async ({ request, body, params }) => {
      const { session } = await sessions.require(request, "admin");
      const userId = userIdParam(params.id);
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
      success: { 200: "the user" },
      errors: ["USER_NOT_FOUND", "CSRF_INVALID"],
    },
    async ({ request, params }) => {
      const { session } = await sessions.require(request, "admin");
      const userId = userIdParam(params.id);
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
      success: { 204: "unlocked" },
      errors: ["CSRF_INVALID"],
    },
    async ({ request, reply, params }) => {
      const { session } = await sessions.require(request, "admin");
      const email = z.email().safeParse(
        safeDecode(params.email ?? "")
          .trim()
          .toLowerCase(),
      );
      if (!email.success) throw accountErrors.USER_NOT_FOUND();
      await requester.request(unblockAccount, email.data, { email: email.data, by: session.user.id });
      return reply.status(204).send();
    },
  );
}
