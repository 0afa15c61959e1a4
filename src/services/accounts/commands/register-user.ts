import type { z } from "zod";
import type { registerUser } from "../../../contracts/accounts/index.ts";
import { checkPassword, normaliseEmail } from "../../../contracts/accounts/password-policy.ts";
import type { Envelope } from "../../../messaging/envelope.ts";
import { newId } from "../../../platform/ids.ts";
import type { Tx } from "../../../runtime/service-context.ts";
import type { AccountsDeps } from "../deps.ts";
import { register } from "../domain/decide.ts";
import { publish } from "../publish.ts";

type RegisterUser = z.infer<typeof registerUser.schema>;

/**
 * register-user (fire-and-forget from the gateway, which already answered 202). The password is
 * always hashed, whatever happens next, so the work done does not depend on the email. A free
 * email gets a PENDING user and starts the activation saga; a taken one gets a mail to its owner.
 */
export function registerUserHandler({ ctx, users, clock }: AccountsDeps) {
  return async (envelope: Envelope, tx: Tx): Promise<void> => {
    const command = envelope.payload as RegisterUser;
    const email = normaliseEmail(command.email);
    const password = ctx.sealer.unseal(command.password);
    const passwordHash = await ctx.hasher.hash(password);
    const problem = checkPassword(password, email, ctx.config.PASSWORD_MIN_LENGTH);
    if (problem) {
      // The gateway checks the same policy first: this is a bypass or a policy change in flight.
      ctx.log.warn(
        { problem, envelopeId: envelope.id },
        "register-user dropped: the password fails the policy",
      );
      return;
    }
    const links = {
      loginLink: `${ctx.config.publicUrl}/login`,
      resetLink: `${ctx.config.publicUrl}/forgot-password`,
    };
    const input = {
      id: newId(),
      email,
      passwordHash,
      fullName: command.fullName,
      phone: command.phone,
      address: command.address,
    };
    const now = clock.now();
    let outcome = register(input, await users.holderOf(tx, email), now, links);
    if (outcome.created && !(await users.insert(tx, outcome.created))) {
      // Another transaction took the email between our read and our insert.
      outcome = register(input, await users.holderOf(tx, email), now, links);
      if (outcome.created) throw new Error(`email ${email} is neither free nor held`);
    }
    publish(tx, outcome.events, envelope);
  };
}
