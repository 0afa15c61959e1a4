import type { z } from "zod";
import type { createAdmin as createAdminCommand } from "../../../contracts/accounts/index.ts";
import {
  checkPassword,
  normaliseEmail,
  passwordProblemMessages,
} from "../../../contracts/accounts/password-policy.ts";
import { accountErrors } from "../../../contracts/errors.ts";
import type { Envelope } from "../../../messaging/envelope.ts";
import { newId } from "../../../platform/ids.ts";
import type { Rejection, Tx } from "../../../runtime/service-context.ts";
import { reject } from "../../../runtime/service-context.ts";
import type { AccountsDeps } from "../deps.ts";
import { createAdmin } from "../domain/decide.ts";
import { publish } from "../publish.ts";

type Request = z.infer<typeof createAdminCommand.request.schema>;
type Result = z.infer<typeof createAdminCommand.result>;

/**
 * create-admin (CLI, first start): an ACTIVE admin when the email is free (unknown or only
 * EXPIRED); an email already held is left unchanged and answered with its user id.
 */
export function createAdminHandler({ ctx, users, clock }: AccountsDeps) {
  return async (request: Request, envelope: Envelope, tx: Tx): Promise<Result | Rejection> => {
    const email = normaliseEmail(request.email);
    const existing = await users.holderOf(tx, email);
    if (existing) return { userId: existing.id, created: false };
    const password = ctx.sealer.unseal(request.password);
    const min = ctx.config.PASSWORD_MIN_LENGTH;
    const problem = checkPassword(password, email, min);
    if (problem) {
      return reject(
        accountErrors.PASSWORD_TOO_WEAK({
          details: [{ path: "password", message: passwordProblemMessages[problem](min) }],
        }),
      );
    }
    const decision = createAdmin(
      { id: newId(), email, passwordHash: await ctx.hasher.hash(password) },
      clock.now(),
    );
    if (!(await users.insert(tx, decision.state))) {
      const holder = await users.holderOf(tx, email);
      if (!holder) throw new Error(`email ${email} is neither free nor held`);
      return { userId: holder.id, created: false };
    }
    publish(tx, decision.events, envelope);
    return { userId: decision.state.id, created: true };
  };
}
