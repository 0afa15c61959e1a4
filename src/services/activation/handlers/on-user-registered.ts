import type { z } from "zod";
import type { userRegistered } from "../../../contracts/accounts/index.ts";
import type { Envelope } from "../../../messaging/envelope.ts";
import type { Tx } from "../../../runtime/service-context.ts";
import type { ActivationDeps } from "../deps.ts";
import type { Registration } from "../domain/activation.ts";
import { sendActivationLink } from "../send-link.ts";

/** user.registered starts the saga: remember the PENDING signup and mail its first link. */
export function onUserRegistered(deps: ActivationDeps) {
  return async (envelope: Envelope, tx: Tx): Promise<void> => {
    const event = envelope.payload as z.infer<typeof userRegistered.schema>;
    const registration: Registration = {
      userId: event.userId,
      email: event.email,
      registeredAt: new Date(event.registeredAt),
      activatedAt: null,
      expiredAt: null,
    };
    if (!(await deps.repo.addRegistration(tx, registration))) {
      deps.ctx.log.info({ userId: event.userId }, "user.registered for a known registration ignored");
      return;
    }
    await sendActivationLink(deps, tx, registration, deps.clock.now(), envelope);
  };
}
