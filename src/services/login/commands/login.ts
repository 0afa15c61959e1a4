import { accountErrors } from "../../../contracts/errors.ts";
import type { login } from "../../../contracts/login/index.ts";
import { accountLocked, loginFailed, loginSucceeded } from "../../../contracts/login/index.ts";
import { platformErrors } from "../../../platform/errors.ts";
import { newId } from "../../../platform/ids.ts";
import { CREDENTIALS_VIEW } from "../handlers/on-credentials-changed.ts";
import type { z } from "zod";
import type { Envelope } from "../../../messaging/envelope.ts";
import type { InboxKey } from "../../../messaging/inbox.ts";
import type { Rejection, ServiceContext, Tx } from "../../../runtime/service-context.ts";
import { HANDLED, reject } from "../../../runtime/service-context.ts";
import type { Credentials, LoginRepository } from "../db/repository.ts";
import type { LockoutPolicy } from "../domain/lockout-policy.ts";
import type { AttemptState } from "../domain/lockout-policy.ts";
import { cleanState, lockStatus, recordFailure, recordSuccess } from "../domain/lockout-policy.ts";

type Request = z.infer<typeof login.request.schema>;
type Result = z.infer<typeof login.result>;

/** What is known before the transaction: the lock state, the user, and whether the password matched. */
export interface Checked {
  /** The counters as read before the hash check (nothing else writes them meanwhile). */
  readonly attempts: AttemptState;
  readonly locked: { retryAfterSeconds: number } | undefined;
  readonly user: Credentials | undefined;
  readonly passwordMatches: boolean;
  /** The credentials view is behind (its handler is waiting for the database): do not judge. */
  readonly viewBehind?: boolean;
}

export function loginCommand(ctx: ServiceContext, repo: LoginRepository, policy: LockoutPolicy) {
  const verifications = ctx.metrics.counter(
    "ledgerline_password_verifications_total",
    "Password hash verifications done by login (unknown emails included)",
  );

  /**
   * Outside the transaction: a locked account costs no hash; an unknown email costs the same
   * hash work as a known one; a redelivered command that was handled costs none (its inbox row
   * is read with the counters). Attempts for one email arrive on one partition, one at a time,
   * so the state read here cannot change before the transaction below.
   */
  async function prepare(payload: Request, inbox: InboxKey): Promise<Checked | typeof HANDLED> {
    if (ctx.isBehind(CREDENTIALS_VIEW)) {
      // After a database outage the credentials of a user who signed up or changed a password
      // meanwhile may not be here yet: judging now would count a right password as a failure.
      // The refusal reads and writes nothing, so the counters are not needed.
      return {
        attempts: cleanState,
        locked: undefined,
        user: undefined,
        passwordMatches: false,
        viewBehind: true,
      };
    }
    const { attempts, user, handled } = await repo.attemptsAndCredentials(ctx.db, payload.email, inbox);
    if (handled) return HANDLED;
    const status = lockStatus(attempts, new Date(), policy);
    if (status.locked) return { attempts, locked: status, user, passwordMatches: false };
    const password = ctx.sealer.unseal(payload.password);
    verifications.inc();
    const passwordMatches = user
      ? await ctx.hasher.verify(user.passwordHash, password)
      : await ctx.hasher.verifyNothing(password);
    return { attempts, locked: undefined, user, passwordMatches };
  }

  async function handle(
    payload: Request,
    envelope: Envelope,
    tx: Tx,
    checked: Checked,
  ): Promise<Result | Rejection> {
    const now = new Date();
    const { user } = checked;
    const client = { ip: payload.ip, userAgent: payload.userAgent };
    const fail = async (reason: string) => {
      if (user) await repo.addHistory(tx, { userId: user.userId, at: now, ...client, outcome: reason });
      tx.emit(
        loginFailed,
        payload.email,
        { email: payload.email, userId: user?.userId ?? null, at: now.toISOString(), reason, ...client },
        envelope,
      );
    };

    if (checked.viewBehind) return reject(platformErrors.UNAVAILABLE({ headers: { "Retry-After": "1" } }));
    if (checked.locked) {
      await fail("locked");
      return reject(
        accountErrors.ACCOUNT_LOCKED({
          headers: { "Retry-After": String(checked.locked.retryAfterSeconds) },
        }),
      );
    }
    if (!checked.passwordMatches || !user || user.status === "EXPIRED") {
      const outcome = recordFailure(await repo.attempts(tx, payload.email), now, policy);
      await repo.saveAttempts(tx, payload.email, outcome.state);
      await fail("invalid_credentials");
      if (outcome.lock) {
        tx.emit(
          accountLocked,
          payload.email,
          {
            email: payload.email,
            userId: user?.userId ?? null,
            lockedAt: now.toISOString(),
            lockedUntil: outcome.lock.until?.toISOString() ?? null,
            failures: outcome.lock.failures,
            lockCount: outcome.state.lockCount,
            permanent: outcome.lock.permanent,
          },
          envelope,
        );
      }
      return reject(accountErrors.INVALID_CREDENTIALS());
    }

    // A success resets the counters; most logins find them clean already and write nothing. An
    // admin unlock, the only other writer, can only make them clean.
    if (!sameState(checked.attempts, cleanState)) await repo.saveAttempts(tx, payload.email, recordSuccess());
    if (user.status === "PENDING") {
      await fail("not_active");
      return reject(accountErrors.ACCOUNT_NOT_ACTIVE());
    }
    if (user.status === "SUSPENDED") {
      await fail("suspended");
      return reject(accountErrors.ACCOUNT_SUSPENDED());
    }
    const sessionId = newId();
    const expiresAt = new Date(now.getTime() + ctx.config.SESSION_ABSOLUTE_HOURS * 3_600_000);
    // The session and its line in the login history, in one statement.
    await repo.openSession(tx, {
      id: sessionId,
      userId: user.userId,
      tokenHash: payload.sessionTokenHash,
      createdAt: now,
      lastSeenAt: now,
      expiresAt,
      ...client,
    });
    tx.emit(
      loginSucceeded,
      user.userId,
      { userId: user.userId, email: user.email, sessionId, at: now.toISOString(), ...client },
      envelope,
    );
    return {
      user: { id: user.userId, email: user.email, role: user.role, fullName: user.fullName },
      sessionId,
      expiresAt: expiresAt.toISOString(),
    };
  }

  return { prepare, handle };
}

function sameState(a: AttemptState, b: AttemptState): boolean {
  return (
    a.failures === b.failures &&
    a.lockCount === b.lockCount &&
    a.permanent === b.permanent &&
    (a.lockedUntil?.getTime() ?? null) === (b.lockedUntil?.getTime() ?? null)
  );
}
