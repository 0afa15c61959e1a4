import { accountErrors } from "../../../contracts/errors.ts";
import {
  getSession,
  listLogins,
  listSessions,
  revokeSessions,
  sessionRevoked,
} from "../../../contracts/login/index.ts";
import type { Envelope } from "../../../messaging/envelope.ts";
import { platformErrors } from "../../../platform/errors.ts";
import type { ServiceContext, Tx } from "../../../runtime/service-context.ts";
import { reject } from "../../../runtime/service-context.ts";
import type { LoginRepository } from "../db/repository.ts";

/** Ends sessions and tells every gateway, so a revocation holds everywhere within a second. */
export async function revokeAndAnnounce(
  tx: Tx,
  repo: LoginRepository,
  userId: string,
  which: { only?: string; except?: string },
  reason: string,
  cause: Envelope,
): Promise<number> {
  const now = new Date();
  const revoked = await repo.revoke(tx, userId, which, reason, now);
  for (const session of revoked) {
    tx.emit(
      sessionRevoked,
      userId,
      { sessionId: session.id, userId, tokenHash: session.tokenHash, reason, at: now.toISOString() },
      cause,
    );
  }
  return revoked.length;
}

export async function serveSessionCommands(ctx: ServiceContext, repo: LoginRepository): Promise<void> {
  const idleMs = ctx.config.SESSION_IDLE_MINUTES * 60_000;

  await ctx.serve(getSession, async ({ tokenHash }, _envelope, tx) => {
    const now = new Date();
    const session = await repo.touchSession(tx, tokenHash, now, new Date(now.getTime() - idleMs));
    const user = session && (await repo.credentialsById(tx, session.userId));
    if (!session || !user || user.status !== "ACTIVE") throw platformErrors.UNAUTHENTICATED();
    return {
      sessionId: session.id,
      user: { id: user.userId, email: user.email, role: user.role, fullName: user.fullName },
      status: user.status,
      createdAt: session.createdAt.toISOString(),
      expiresAt: session.expiresAt.toISOString(),
      idleExpiresAt: new Date(now.getTime() + idleMs).toISOString(),
    };
  });

  await ctx.serve(revokeSessions, async (payload, envelope, tx) => {
    const which = {
      ...(payload.sessionId ? { only: payload.sessionId } : {}),
      ...(payload.allExcept ? { except: payload.allExcept } : {}),
    };
    const revoked = await revokeAndAnnounce(tx, repo, payload.userId, which, payload.reason, envelope);
    if (payload.sessionId && revoked === 0 && payload.reason !== "logout")
      return reject(accountErrors.SESSION_NOT_FOUND());
    return { revoked };
  });

  await ctx.query(listSessions, async ({ userId, currentSessionId }, _envelope, tx) => ({
    sessions: (await repo.liveSessions(tx, userId, new Date()))
      .filter((s) => s.lastSeenAt.getTime() > Date.now() - idleMs)
      .map((s) => ({
        id: s.id,
        createdAt: s.createdAt.toISOString(),
        lastSeenAt: s.lastSeenAt.toISOString(),
        ip: s.ip,
        userAgent: s.userAgent,
        current: s.id === currentSessionId,
      })),
  }));

  await ctx.query(listLogins, async ({ userId, limit }, _envelope, tx) => ({
    logins: (await repo.history(tx, userId, limit)).map((h) => ({ ...h, at: h.at.toISOString() })),
  }));
}
