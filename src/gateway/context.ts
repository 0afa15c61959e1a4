import type { Requester } from "../messaging/request-reply.ts";
import type { Platform } from "../runtime/platform.ts";
import type { Api } from "./api.ts";
import type { RateLimiter } from "./rate-limit.ts";
import type { ProfileCache } from "./profiles.ts";
import type { SessionResolver } from "./sessions.ts";

/** What route modules are given. */
export interface GatewayContext {
  readonly api: Api;
  readonly platform: Platform;
  readonly requester: Requester;
  readonly sessions: SessionResolver;
  readonly profiles: ProfileCache;
  readonly limits: {
    /** Failed logins per client IP per hour. */
    readonly loginFailuresPerIp: RateLimiter;
    /** Signup, forgot and resend requests per client IP per hour. */
    readonly requestsPerIp: RateLimiter;
    /** Signup, forgot and resend requests per email per hour. */
    readonly requestsPerEmail: RateLimiter;
  };
}
