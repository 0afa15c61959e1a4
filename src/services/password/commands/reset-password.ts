import type { z } from "zod";
import { setPassword } from "../../../contracts/accounts/index.ts";
import { accountErrors } from "../../../contracts/errors.ts";
import type { resetPassword } from "../../../contracts/password/index.ts";
import type { Envelope } from "../../../messaging/envelope.ts";
import type { Rejection, Tx } from "../../../runtime/service-context.ts";
import { reject } from "../../../runtime/service-context.ts";
import type { PasswordDeps } from "../deps.ts";
import { isRedeemable, weakPasswordDetail } from "../domain/reset.ts";

type Request = z.infer<typeof resetPassword.request.schema>;
type Result = z.infer<typeof resetPassword.result>;

/**
 * reset-password: redeems a reset token once and hands the new password to accounts (set-password,
 * sealed again), which stores it and ends every session. A weak password is refused and the token
 * stays usable. Never signs the user in.
 */
export function resetPasswordHandler({ ctx, repo, clock }: PasswordDeps) {
  return async (request: Request, envelope: Envelope, tx: Tx): Promise<Result | Rejection> => {
    const now = clock.now();
    const token = await repo.token(tx, request.tokenHash);
    if (!token) throw accountErrors.TOKEN_INVALID();
    // The user's row first: redemptions and new links of one user go one at a time.
    const user = await repo.lockUser(tx, token.userId);
    if (!user || !isRedeemable(token, user, now)) throw accountErrors.TOKEN_INVALID();
    const password = ctx.sealer.unseal(request.password);
    const weak = weakPasswordDetail(password, user.email, ctx.config.PASSWORD_MIN_LENGTH);
    if (weak) return reject(accountErrors.PASSWORD_TOO_WEAK({ details: [weak] }));
    // Conditional: if a concurrent redemption got here first, this one finds the token used.
    if (!(await repo.useToken(tx, request.tokenHash, now))) throw accountErrors.TOKEN_INVALID();
    await repo.voidTokens(tx, user.id, now);
    tx.emit(
      setPassword,
      user.id,
      { userId: user.id, password: ctx.sealer.seal(password), reason: "reset" },
      envelope,
    );
    return { status: "password_changed" };
  };
}
