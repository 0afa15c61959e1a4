import type { z } from "zod";
import { credentialsChanged } from "../../../contracts/accounts/index.ts";
import type { ServiceContext } from "../../../runtime/service-context.ts";
import type { LoginRepository } from "../db/repository.ts";
import { revokeAndAnnounce } from "../commands/sessions.ts";

/** The handler's name: the login command asks whether it is behind (`ctx.isBehind`). */
export const CREDENTIALS_VIEW = "on-credentials-changed";

/** Keeps login's credentials view in step with accounts, and ends sessions the change revokes. */
export function onCredentialsChanged(ctx: ServiceContext, repo: LoginRepository) {
  return ctx.on(credentialsChanged, CREDENTIALS_VIEW, async (envelope, tx) => {
    const c = envelope.payload as z.infer<typeof credentialsChanged.schema>;
    const applied = await repo.upsertCredentials(tx, {
      userId: c.userId,
      email: c.email,
      role: c.role,
      status: c.status,
      fullName: c.fullName,
      passwordHash: c.passwordHash,
      version: c.version,
    });
    if (!applied) return;
    const revokeAll = c.revokeSessions === "all" || c.status === "SUSPENDED" || c.status === "EXPIRED";
    if (revokeAll) await revokeAndAnnounce(tx, repo, c.userId, {}, c.reason, envelope);
    else if (c.revokeSessions === "all-but-one" && c.keepSessionId) {
      await revokeAndAnnounce(tx, repo, c.userId, { except: c.keepSessionId }, c.reason, envelope);
    }
  });
}
