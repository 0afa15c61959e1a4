import type { z } from "zod";
import type { activationExpired } from "../../../contracts/activation/index.ts";
import type { Envelope } from "../../../messaging/envelope.ts";
import type { Tx } from "../../../runtime/service-context.ts";
import type { AccountsDeps } from "../deps.ts";
import { expire } from "../domain/decide.ts";
import { publish } from "../publish.ts";

/**
 * activation.expired (the saga's compensation): a user still PENDING becomes EXPIRED and frees
 * the email. One that was activated meanwhile is left alone.
 */
export function onActivationExpired({ ctx, users, clock }: AccountsDeps) {
  return async (envelope: Envelope, tx: Tx): Promise<void> => {
    const event = envelope.payload as z.infer<typeof activationExpired.schema>;
    const user = await users.byId(tx, event.userId, true);
    if (!user) {
      ctx.log.warn({ userId: event.userId }, "activation.expired for an unknown user ignored");
      return;
    }
    const decision = expire(user, clock.now());
    if (decision.state === user) {
      ctx.log.info(
        { userId: user.id, status: user.status },
        "activation.expired for a user not PENDING ignored",
      );
      return;
    }
    await users.update(tx, decision.state);
    publish(tx, decision.events, envelope);
  };
}
