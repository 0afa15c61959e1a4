import type {} from "@fastify/cookie";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import type { sessionInfo } from "../contracts/login/index.ts";
import { getSession, sessionRevoked } from "../contracts/login/index.ts";
import type { Requester } from "../messaging/request-reply.ts";
import type { Subscription } from "../messaging/transport.ts";
import { AppError, platformErrors } from "../platform/errors.ts";
import type { Sealer } from "../platform/secrets.ts";
import { hashToken, safeEqual } from "../platform/secrets.ts";
import type { Platform } from "../runtime/platform.ts";
import { AnswerCache } from "./answer-cache.ts";
import { subscribeInstance } from "./instance-subscription.ts";

export type SessionInfo = z.infer<typeof sessionInfo>;

export interface Authenticated {
  readonly session: SessionInfo;
  readonly tokenHash: string;
  /** Cookie-authenticated requests must carry the CSRF token on state changes. */
  readonly via: "cookie" | "bearer";
}

const CACHE_TTL_MS = 10_000;
const CACHE_MAX = 50_000;

/**
 * Resolves session tokens for the gateway: a short-lived cache in front of `login`'s
 * get-session, emptied of a session the moment a `session.revoked` event arrives, so a
 * revocation holds on every gateway instance within a second. A get-session answer that was in
 * flight when a revocation arrived is not kept (it may predate the revocation).
 */
export class SessionResolver {
  private readonly cache = new AnswerCache<SessionInfo>(CACHE_TTL_MS, CACHE_MAX);
  private subscription: Subscription | undefined;
  private readonly abort = new AbortController();
  readonly cookieName: string;
  readonly csrfCookieName: string;
  readonly secure: boolean;
  /** Called for every revocation (the event stream pushes it to the user's pages). */
  onRevoked: ((event: { userId: string; sessionId: string }) => void) | undefined;

  constructor(
    private readonly platform: Platform,
    private readonly requester: Requester,
    private readonly sealer: Sealer,
  ) {
    this.secure = platform.config.publicUrl.startsWith("https://");
    this.cookieName = this.secure ? "__Host-ll_session" : "ll_session";
    this.csrfCookieName = this.secure ? "__Host-ll_csrf" : "ll_csrf";
  }

  async start(): Promise<void> {
    this.subscription = await subscribeInstance(
      this.platform,
      "sessions",
      [sessionRevoked.topic],
      this.abort.signal,
      (envelope) => {
        const event = envelope.payload as z.infer<typeof sessionRevoked.schema>;
        this.cache.evict(event.tokenHash);
        this.onRevoked?.(event);
      },
    );
    await this.subscription.ready;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.subscription?.stop();
  }

  csrfToken(tokenHash: string): string {
    return this.sealer.mac(`csrf:${tokenHash}`);
  }

  /** The caller's session, or undefined when the request carries no valid one. */
  async authenticate(request: FastifyRequest): Promise<Authenticated | undefined> {
    const header = request.headers.authorization;
    const bearer = header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
    const token = bearer || request.cookies?.[this.cookieName];
    if (!token || token.length > 200) return undefined;
    const tokenHash = hashToken(token);
    const info = this.cache.peek(tokenHash) ?? (await this.load(tokenHash));
    if (!info) return undefined;
    return { session: info, tokenHash, via: bearer ? "bearer" : "cookie" };
  }

  /** Asks `login` (and keeps the answer); undefined for a token that is no session. */
  private async load(tokenHash: string): Promise<SessionInfo | undefined> {
    try {
      return await this.cache.get(
        tokenHash,
        () => this.requester.request(getSession, tokenHash, { tokenHash }),
        // Never past the session's own end: an absolute or idle expiry holds to the second.
        (i) => Math.min(Date.parse(i.expiresAt), Date.parse(i.idleExpiresAt)),
      );
    } catch (error) {
      if (error instanceof AppError && error.code === "UNAUTHENTICATED") return undefined;
      throw error;
    }
  }

  /** Requires a session; with cookies, a state change also requires the CSRF token. */
  async require(request: FastifyRequest, role?: "admin"): Promise<Authenticated> {
    const auth = await this.authenticate(request);
    if (!auth) throw platformErrors.UNAUTHENTICATED();
    const safe = request.method === "GET" || request.method === "HEAD" || request.method === "OPTIONS";
    if (auth.via === "cookie" && !safe) {
      const sent = request.headers["x-csrf-token"];
      if (typeof sent !== "string" || !safeEqual(sent, this.csrfToken(auth.tokenHash))) {
        throw platformErrors.CSRF_INVALID();
      }
    }
    if (role === "admin" && auth.session.user.role !== "admin") throw platformErrors.FORBIDDEN();
    return auth;
  }

  forget(tokenHash: string): void {
    this.cache.evict(tokenHash);
  }

  setCookies(reply: FastifyReply, token: string, tokenHash: string, expiresAt: Date): void {
    const common = { path: "/", sameSite: "lax" as const, secure: this.secure, expires: expiresAt };
    void reply.setCookie(this.cookieName, token, { ...common, httpOnly: true });
    // Readable by the web app, which echoes it in X-CSRF-Token.
    void reply.setCookie(this.csrfCookieName, this.csrfToken(tokenHash), { ...common, httpOnly: false });
  }

  clearCookies(reply: FastifyReply): void {
    const common = { path: "/", sameSite: "lax" as const, secure: this.secure };
    void reply.clearCookie(this.cookieName, common);
    void reply.clearCookie(this.csrfCookieName, common);
  }
}
