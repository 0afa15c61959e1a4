import type { z } from "zod";
import type { changePassword as changePasswordCommand } from "../../../contracts/accounts/index.ts";
import { checkPassword, passwordProblemMessages } from "../../../contracts/accounts/password-policy.ts";
import { accountErrors } from "../../../contracts/errors.ts";
import type { Envelope } from "../../../messaging/envelope.ts";
import type { Rejection, Tx } from "../../../runtime/service-context.ts";
import { reject } from "../../../runtime/service-context.ts";
import type { AccountsDeps } from "../deps.ts";
import { changePassword } from "../domain/decide.ts";
import { publish } from "../publish.ts";

type Request = z.infer<typeof changePasswordCommand.request.schema>;
type Result = z.infer<typeof changePasswordCommand.result>;

/**
 * change-password: the current password must match the stored hash (else INVALID_CREDENTIALS and
 * nothing changes); the new one must pass the policy. Every other session of the user ends.
 */
export function changePasswordHandler({ ctx, users, clock }: AccountsDeps) {
  return async (request: Request, envelope: Envelope, tx: Tx): Promise<Result | Rejection> => {
    const current = ctx.sealer.unseal(request.currentPassword);
    const next = ctx.sealer.unseal(request.newPassword);
    const user = await users.byId(tx, request.userId, true);
    if (!user) {
      await ctx.hasher.verifyNothing(current);
      return reject(accountErrors.USER_NOT_FOUND());
    }
    if (!(await ctx.hasher.verify(user.passwordHash, current)))
      return reject(accountErrors.INVALID_CREDENTIALS());
    const min = ctx.config.PASSWORD_MIN_LENGTH;
    const problem = checkPassword(next, user.email, min);
    if (problem) {
      return reject(
        accountErrors.PASSWORD_TOO_WEAK({
          details: [{ path: "newPassword", message: passwordProblemMessages[problem](min) }],
        }),
      );
    }
    const decision = changePassword(user, await ctx.hasher.hash(next), request.sessionId, clock.now());
    await users.update(tx, decision.state);
    publish(tx, decision.events, envelope);
    return { status: "password_changed" };
  };
}
