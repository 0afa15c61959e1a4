import type { z } from "zod";
import { normaliseEmail } from "../../../contracts/accounts/password-policy.ts";
import type { resendActivation } from "../../../contracts/activation/index.ts";
import type { Envelope } from "../../../messaging/envelope.ts";
import type { Tx } from "../../../runtime/service-context.ts";
import type { ActivationDeps } from "../deps.ts";
import { isPending } from "../domain/activation.ts";
import { sendActivationLink } from "../send-link.ts";

/**
 * resend-activation (fire-and-forget; the gateway answered 202 whatever the email): a PENDING
 * registration gets a new link and its older links die. Anything else: nothing happens.
 */
export function resendActivationHandler(deps: ActivationDeps) {
  return async (envelope: Envelope, tx: Tx): Promise<void> => {
    const { email } = envelope.payload as z.infer<typeof resendActivation.schema>;
    const now = deps.clock.now();
    const registration = await deps.repo.openRegistrationOf(tx, normaliseEmail(email));
    if (!registration || !isPending(registration, now, deps.policy)) return;
    await deps.repo.voidTokens(tx, [registration.userId], now);
    await sendActivationLink(deps, tx, registration, now, envelope);
  };
}
