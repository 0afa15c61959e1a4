import type { Profile } from "../contracts/accounts/index.ts";
import { getProfile, userChanged } from "../contracts/accounts/index.ts";
import type { Requester } from "../messaging/request-reply.ts";
import type { Subscription } from "../messaging/transport.ts";
import type { Platform } from "../runtime/platform.ts";
import { AnswerCache } from "./answer-cache.ts";
import { subscribeInstance } from "./instance-subscription.ts";

const CACHE_TTL_MS = 10_000;
const CACHE_MAX = 50_000;

/**
 * The gateway's cache of profiles (GET /api/v1/me): `accounts`' get-profile answers, each kept
 * for at most 10 s and evicted the moment that user's `user.changed` arrives (a profile update,
 * suspension, activation…), so a page reload costs no round trip over the log.
 */
export class ProfileCache {
  private readonly cache = new AnswerCache<Profile>(CACHE_TTL_MS, CACHE_MAX);
  private subscription: Subscription | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly platform: Platform,
    private readonly requester: Requester,
  ) {}

  async start(): Promise<void> {
    this.subscription = await subscribeInstance(
      this.platform,
      "profiles",
      [userChanged.topic],
      this.abort.signal,
      (envelope) => {
        if (envelope.type === userChanged.type) this.cache.evict((envelope.payload as Profile).id);
      },
    );
    await this.subscription.ready;
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.subscription?.stop();
  }

  /** The user's profile: at once when kept, else from `accounts`. */
  get(userId: string): Profile | Promise<Profile> {
    return (
      this.cache.peek(userId) ??
      this.cache.get(userId, () => this.requester.request(getProfile, userId, { userId }))
    );
  }

  /** After this gateway changed the profile itself: the next read asks `accounts`. */
  evict(userId: string): void {
    this.cache.evict(userId);
  }
}
