import { z } from "zod";
import { changePassword, registerUser, updateProfile } from "../../contracts/accounts/index.ts";
import { checkPassword, passwordProblemMessages } from "../../contracts/accounts/password-policy.ts";
import { confirmActivation, resendActivation } from "../../contracts/activation/index.ts";
import { accountErrors } from "../../contracts/errors.ts";
import { listLogins, listSessions, login, revokeSessions } from "../../contracts/login/index.ts";
import { requestPasswordReset, resetPassword } from "../../contracts/password/index.ts";
import type { Contract } from "../../messaging/contracts.ts";
import { createEnvelope } from "../../messaging/envelope.ts";
import { AppError, platformErrors } from "../../platform/errors.ts";
import { newToken } from "../../platform/ids.ts";
import { hashToken } from "../../platform/secrets.ts";
import type { GatewayContext } from "../context.ts";
import type { RateLimiter } from "../rate-limit.ts";

const email = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.email({ message: "expected an email address" }).max(254));
const password = z.string().min(1, { message: "required" }).max(1024, { message: "too long" });
const token = z.string().min(16).max(200);
/** An optional profile field: trimmed, and a blank one is no value (null), as the web app sends it. */
const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .transform((v) => (v === "" ? null : v))
    .nullable()
    .optional();
const profileBody = z.strictObject({ fullName: text(200), phone: text(40), address: text(500) });

const ACCEPTED = { status: "accepted" } as const;

/** Signup, activation, login, logout, profile, password and session routes of API.md. */
export function accountRoutes(g: GatewayContext): void {
  const { api, platform, requester, sessions, profiles, limits } = g;
  const { config, sealer } = platform;

  /** Fire-and-forget commands: acknowledged once they are durable (outbox or log). */
  async function send<P>(
    contract: Contract<z.ZodType<P>>,
    key: string,
    payload: P,
    correlationId: string,
  ): Promise<void> {
    // Into the gateway's outbox when it has one, so a broker outage does not refuse signups
    // (docs/decisions/0006); 503 UNAVAILABLE when nothing takes the command.
    await platform.dispatch([
      {
        topic: contract.topic,
        key,
        envelope: createEnvelope({ type: contract.type, key, payload, correlationId, source: "gateway" }),
      },
    ]);
  }

  function limit(limiter: RateLimiter, key: string): void {
    if (limiter.hit(key)) {
      throw platformErrors.RATE_LIMITED({
        headers: { "Retry-After": String(limiter.retryAfterSeconds(key)) },
      });
    }
  }

  function weakPassword(field: string, value: string, owner: string): AppError | undefined {
    const problem = checkPassword(value, owner, config.PASSWORD_MIN_LENGTH);
    if (!problem) return undefined;
    return accountErrors.PASSWORD_TOO_WEAK({
      details: [{ path: field, message: passwordProblemMessages[problem](config.PASSWORD_MIN_LENGTH) }],
    });
  }

  api.route(
    {
      method: "POST",
      url: "/api/v1/signup",
      summary: "Sign up; an activation link is emailed. Same answer for registered emails.",
      tag: "accounts",
      access: "public",
      body: z.strictObject({ email, password, fullName: text(200), phone: text(40), address: text(500) }),
      success: { 202: "pending_activation" },
      errors: ["PASSWORD_TOO_WEAK", "RATE_LIMITED"],
    },
    async ({ body, request, reply }) => {
      const weak = weakPassword("password", body.password, body.email);
      if (weak) throw weak;
      limit(limits.requestsPerIp, `signup:${request.ip}`);
      limit(limits.requestsPerEmail, `signup:${body.email}`);
      await send(
        registerUser,
        body.email,
        {
          email: body.email,
          password: sealer.seal(body.password),
          ...(body.fullName !== undefined ? { fullName: body.fullName } : {}),
          ...(body.phone !== undefined ? { phone: body.phone } : {}),
          ...(body.address !== undefined ? { address: body.address } : {}),
        },
        request.id,
      );
      return reply.status(202).send({ status: "pending_activation" });
    },
  );

  api.route(
    {
      method: "POST",
      url: "/api/v1/activation/confirm",
      summary: "Activate an account with the emailed token.",
      tag: "accounts",
      access: "public",
      body: z.strictObject({ token }),
      success: { 200: "active" },
      errors: ["TOKEN_INVALID"],
    },
    async ({ body }) => {
      const tokenHash = hashToken(body.token);
      await requester.request(confirmActivation, tokenHash, { tokenHash });
      return { status: "active" };
    },
  );

  api.route(
    {
      method: "POST",
      url: "/api/v1/activation/resend",
      summary: "Send the activation link again (always 202).",
      tag: "accounts",
      access: "public",
      body: z.strictObject({ email }),
      success: { 202: "accepted" },
      errors: ["RATE_LIMITED"],
    },
    async ({ body, request, reply }) => {
      limit(limits.requestsPerIp, `resend:${request.ip}`);
      limit(limits.requestsPerEmail, `resend:${body.email}`);
      await send(resendActivation, body.email, { email: body.email }, request.id);
      return reply.status(202).send(ACCEPTED);
    },
  );

  api.route(
    {
      method: "POST",
      url: "/api/v1/login",
      summary: "Sign in with email and password; sets the session cookie and returns a bearer token.",
      tag: "accounts",
      access: "public",
      body: z.strictObject({ email, password }),
      success: { 200: "signed in" },
      errors: [
        "INVALID_CREDENTIALS",
        "ACCOUNT_LOCKED",
        "ACCOUNT_NOT_ACTIVE",
        "ACCOUNT_SUSPENDED",
        "RATE_LIMITED",
      ],
    },
    async ({ body, request, reply }) => {
      const ipKey = `login:${request.ip}`;
      if (limits.loginFailuresPerIp.exceeded(ipKey)) {
        throw platformErrors.RATE_LIMITED({
          headers: { "Retry-After": String(limits.loginFailuresPerIp.retryAfterSeconds(ipKey)) },
        });
      }
      // The browser session this client signs in from (re-authentication) ends once the new one
      // exists (ASVS 7.2.4). API clients manage their bearer tokens themselves.
      const previous =
        request.headers.authorization === undefined && request.cookies?.[sessions.cookieName]
          ? await sessions.authenticate(request)
          : undefined;
      const sessionToken = newToken();
      const sessionTokenHash = hashToken(sessionToken);
      try {
        const result = await requester.request(
          login,
          body.email,
          {
            email: body.email,
            password: sealer.seal(body.password),
            sessionTokenHash,
            ip: request.ip,
            userAgent: String(request.headers["user-agent"] ?? "").slice(0, 512),
          },
          { correlationId: request.id },
        );
        if (previous) {
          await requester.request(revokeSessions, previous.session.user.id, {
            userId: previous.session.user.id,
            sessionId: previous.session.sessionId,
            reason: "logout",
          });
          sessions.forget(previous.tokenHash);
        }
        sessions.setCookies(reply, sessionToken, sessionTokenHash, new Date(result.expiresAt));
        return { user: result.user, token: sessionToken, csrfToken: sessions.csrfToken(sessionTokenHash) };
      } catch (error) {
        if (
          error instanceof AppError &&
          (error.code === "INVALID_CREDENTIALS" || error.code === "ACCOUNT_LOCKED")
        ) {
          limits.loginFailuresPerIp.hit(ipKey);
        }
        throw error;
      }
    },
  );

  api.route(
    {
      method: "POST",
      url: "/api/v1/logout",
      summary: "End this session.",
      tag: "accounts",
      access: "public",
      success: { 204: "signed out" },
    },
    async ({ request, reply }) => {
      const auth = await sessions.authenticate(request);
      if (auth) {
        await sessions.require(request);
        await requester.request(revokeSessions, auth.session.user.id, {
          userId: auth.session.user.id,
          sessionId: auth.session.sessionId,
          reason: "logout",
        });
        sessions.forget(auth.tokenHash);
      }
      sessions.clearCookies(reply);
      return reply.status(204).send();
    },
  );

  api.route(
    {
      method: "GET",
      url: "/api/v1/me",
      summary: "Your profile.",
      tag: "profile",
      access: "user",
      success: { 200: "profile" },
    },
    async ({ request }) => {
      const { session } = await sessions.require(request);
      return profiles.get(session.user.id);
    },
  );

  api.route(
    {
      method: "PATCH",
      url: "/api/v1/me",
      summary: "Update your profile.",
      tag: "profile",
      access: "user",
      body: profileBody,
      success: { 200: "the updated profile" },
    },
    async ({ request, body }) => {
      const { session } = await sessions.require(request);
      const updated = await requester.request(updateProfile, session.user.id, {
        userId: session.user.id,
        ...stripUndefined(body),
      });
      // Read-your-writes on this instance even before user.changed arrives.
      profiles.evict(session.user.id);
      return updated;
    },
  );

  api.route(
    {
      method: "POST",
      url: "/api/v1/password/forgot",
      summary: "Email a reset link (always 202, same body and timing for unknown emails).",
      tag: "password",
      access: "public",
      body: z.strictObject({ email }),
      success: { 202: "accepted" },
      errors: ["RATE_LIMITED"],
    },
    async ({ body, request, reply }) => {
      limit(limits.requestsPerIp, `forgot:${request.ip}`);
      limit(limits.requestsPerEmail, `forgot:${body.email}`);
      await send(requestPasswordReset, body.email, { email: body.email }, request.id);
      return reply.status(202).send(ACCEPTED);
    },
  );

  api.route(
    {
      method: "POST",
      url: "/api/v1/password/reset",
      summary: "Set a new password with the emailed token; every session ends. Does not sign in.",
      tag: "password",
      access: "public",
      body: z.strictObject({ token, password }),
      success: { 200: "password_changed" },
      errors: ["TOKEN_INVALID", "PASSWORD_TOO_WEAK"],
    },
    async ({ body }) => {
      const tokenHash = hashToken(body.token);
      if (body.password.length > 128)
        throw weakPassword("password", body.password, "") ?? platformErrors.VALIDATION_FAILED();
      return requester.request(resetPassword, tokenHash, { tokenHash, password: sealer.seal(body.password) });
    },
  );

  api.route(
    {
      method: "POST",
      url: "/api/v1/password/change",
      summary: "Change your password; your other sessions end.",
      tag: "password",
      access: "user",
      // A "change" to the same password would still end the other sessions, yet leave the
      // password a thief may know in place: it is refused, naming the field.
      body: z
        .strictObject({ currentPassword: password, newPassword: password })
        .refine((b) => b.newPassword !== b.currentPassword, {
          path: ["newPassword"],
          message: "the new password is the current one; choose another",
        }),
      success: { 200: "password_changed" },
      errors: ["INVALID_CREDENTIALS", "PASSWORD_TOO_WEAK", "CSRF_INVALID"],
    },
    async ({ request, body }) => {
      const { session } = await sessions.require(request);
      return requester.request(changePassword, session.user.id, {
        userId: session.user.id,
        sessionId: session.sessionId,
        currentPassword: sealer.seal(body.currentPassword),
        newPassword: sealer.seal(body.newPassword),
      });
    },
  );

  api.route(
    {
      method: "GET",
      url: "/api/v1/me/sessions",
      summary: "Your open sessions.",
      tag: "sessions",
      access: "user",
      success: { 200: "sessions" },
    },
    async ({ request }) => {
      const { session } = await sessions.require(request);
      return requester.request(listSessions, session.user.id, {
        userId: session.user.id,
        currentSessionId: session.sessionId,
      });
    },
  );

  api.route(
    {
      method: "DELETE",
      url: "/api/v1/me/sessions/:id",
      summary: "End one of your sessions.",
      tag: "sessions",
      access: "user",
      params: z.object({ id: z.uuid({ error: "expected a session id" }) }),
      success: { 204: "ended" },
      errors: ["SESSION_NOT_FOUND", "CSRF_INVALID"],
    },
    async ({ request, reply, params }) => {
      const { session } = await sessions.require(request);
      await requester.request(revokeSessions, session.user.id, {
        userId: session.user.id,
        sessionId: params.id,
        reason: "revoked",
      });
      return reply.status(204).send();
    },
  );

  api.route(
    {
      method: "DELETE",
      url: "/api/v1/me/sessions",
      summary: "End all your sessions but this one.",
      tag: "sessions",
      access: "user",
      success: { 204: "ended" },
      errors: ["CSRF_INVALID"],
    },
    async ({ request, reply }) => {
      const { session } = await sessions.require(request);
      await requester.request(revokeSessions, session.user.id, {
        userId: session.user.id,
        allExcept: session.sessionId,
        reason: "revoked-others",
      });
      return reply.status(204).send();
    },
  );

  api.route(
    {
      method: "GET",
      url: "/api/v1/me/logins",
      summary: "Your login history, newest first.",
      tag: "sessions",
      access: "user",
      success: { 200: "logins" },
    },
    async ({ request }) => {
      const { session } = await sessions.require(request);
      return requester.request(listLogins, session.user.id, { userId: session.user.id, limit: 50 });
    },
  );
}

function stripUndefined<T extends Record<string, unknown>>(
  value: T,
): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
