import type { z } from "zod";
import { normaliseEmail } from "../../../contracts/accounts/password-policy.ts";
import { sendEmail } from "../../../contracts/mailer/send-email.ts";
import type { requestPasswordReset } from "../../../contracts/password/index.ts";
import type { Envelope } from "../../../messaging/envelope.ts";
import { newToken } from "../../../platform/ids.ts";
import { hashToken } from "../../../platform/secrets.ts";
import type { Tx } from "../../../runtime/service-context.ts";
import type { PasswordDeps } from "../deps.ts";
import { canRequestReset, issueResetToken, resetLink } from "../domain/reset.ts";

/**
 * request-password-reset (fire-and-forget; the gateway answered 202 whatever the email): an
 * ACTIVE user gets a new link, sealed in the mail request, and older links die. Anyone else:
 * nothing happens.
 */
export function requestPasswordResetHandler({ ctx, repo, clock }: PasswordDeps) {
  return async (envelope: Envelope, tx: Tx): Promise<void> => {
    const { email } = envelope.payload as z.infer<typeof requestPasswordReset.schema>;
    const user = await repo.lockActiveUserByEmail(tx, normaliseEmail(email));
    if (!canRequestReset(user)) return;
    const now = clock.now();
    await repo.voidTokens(tx, user.id, now);
    const token = newToken();
    const issued = issueResetToken(user, { hash: hashToken(token) }, now, ctx.config.RESET_TTL_MINUTES);
    await repo.addToken(tx, issued);
    const link = ctx.sealer.seal(resetLink(ctx.config.publicUrl, token));
    tx.emit(
      sendEmail,
      user.email,
      {
        to: user.email,
        template: "password-reset",
        data: { link, expiresAt: issued.expiresAt.toISOString() },
      },
      envelope,
    );
  };
}
