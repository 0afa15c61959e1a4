import type { z } from "zod";
import type { setPassword as setPasswordCommand } from "../../../contracts/accounts/index.ts";
import type { Envelope } from "../../../messaging/envelope.ts";
import type { Tx } from "../../../runtime/service-context.ts";
import type { AccountsDeps } from "../deps.ts";
import { setPassword } from "../domain/decide.ts";
import { publish } from "../publish.ts";

type SetPassword = z.infer<typeof setPasswordCommand.schema>;

/**
 * set-password, from `password` after a redeemed reset token (which checked the policy): store
 * the new hash, end every session, tell the owner.
 */
export function setPasswordHandler({ ctx, users, clock }: AccountsDeps) {
  return async (envelope: Envelope, tx: Tx): Promise<void> => {
    const command = envelope.payload as SetPassword;
    const passwordHash = await ctx.hasher.hash(ctx.sealer.unseal(command.password));
    const user = await users.byId(tx, command.userId, true);
    if (!user) {
      ctx.log.warn({ userId: command.userId }, "set-password for an unknown user ignored");
      return;
    }
    const decision = setPassword(user, passwordHash, clock.now());
    if (decision.state !== user) await users.update(tx, decision.state);
    publish(tx, decision.events, envelope);
  };
}
