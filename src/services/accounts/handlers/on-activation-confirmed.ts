import type { z } from "zod";
import type { activationConfirmed } from "../../../contracts/activation/index.ts";
import type { Envelope } from "../../../messaging/envelope.ts";
import type { Tx } from "../../../runtime/service-context.ts";
import type { AccountsDeps } from "../deps.ts";
import { activate } from "../domain/decide.ts";
import { publish } from "../publish.ts";

/** activation.confirmed: the PENDING user becomes ACTIVE. A stale or repeated event changes nothing. */
export function onActivationConfirmed({ ctx, users, clock }: AccountsDeps) {
  return async (envelope: Envelope, tx: Tx): Promise<void> => {
    const event = envelope.payload as z.infer<typeof activationConfirmed.schema>;
    const user = await users.byId(tx, event.userId, true);
    if (!user) {
      ctx.log.warn({ userId: event.userId }, "activation.confirmed for an unknown user ignored");
      return;
    }
    const decision = activate(user, clock.now());
    if (decision.state === user) {
      ctx.log.info(
        { userId: user.id, status: user.status },
        "activation.confirmed for a user not PENDING ignored",
      );
      return;
    }
    await users.update(tx, decision.state);
    publish(tx, decision.events, envelope);
  };
}
