import { sendEmail } from "../../contracts/mailer/send-email.ts";
import type { Envelope } from "../../messaging/envelope.ts";
import { newToken } from "../../platform/ids.ts";
import { hashToken } from "../../platform/secrets.ts";
import type { Tx } from "../../runtime/service-context.ts";
import type { ActivationDeps } from "./deps.ts";
import type { ActivationToken, Registration } from "./domain/activation.ts";
import { activationLink, issueToken } from "./domain/activation.ts";

/**
 * Issues a token for a PENDING registration (only its hash is stored) and asks the mailer to send
 * the link, sealed: the token is a secret and the log must not hold it readable.
 */
export async function sendActivationLink(
  { ctx, repo, policy }: ActivationDeps,
  tx: Tx,
  registration: Registration,
  now: Date,
  cause: Envelope,
): Promise<ActivationToken> {
  const token = newToken();
  const issued = issueToken(registration, { hash: hashToken(token) }, now, policy);
  await repo.addToken(tx, issued);
  const link = ctx.sealer.seal(activationLink(ctx.config.publicUrl, token));
  tx.emit(
    sendEmail,
    registration.email,
    {
      to: registration.email,
      template: "activation",
      data: { link, expiresAt: issued.expiresAt.toISOString() },
    },
    cause,
  );
  return issued;
}
