import type { z } from "zod";
import type { confirmActivation } from "../../../contracts/activation/index.ts";
import { activationConfirmed } from "../../../contracts/activation/index.ts";
import { accountErrors } from "../../../contracts/errors.ts";
import type { Envelope } from "../../../messaging/envelope.ts";
import type { Tx } from "../../../runtime/service-context.ts";
import type { ActivationDeps } from "../deps.ts";
import { expiryCutoff } from "../domain/activation.ts";

type Request = z.infer<typeof confirmActivation.request.schema>;
type Result = z.infer<typeof confirmActivation.result>;

/**
 * confirm-activation: redeems a token once. Unknown, used, voided or expired tokens, and
 * registrations no longer open, are all TOKEN_INVALID (thrown: whatever was written rolls back).
 * Both writes are conditional updates, so of concurrent redemptions exactly one wins.
 */
export function confirmActivationHandler({ repo, clock, policy }: ActivationDeps) {
  return async (request: Request, envelope: Envelope, tx: Tx): Promise<Result> => {
    const now = clock.now();
    const userId = await repo.tokenOwner(tx, request.tokenHash);
    if (!userId) throw accountErrors.TOKEN_INVALID();
    // The registration first (the lock order every writer follows), then the token.
    const registration = await repo.activate(tx, userId, now, expiryCutoff(now, policy));
    if (!registration) throw accountErrors.TOKEN_INVALID();
    if (!(await repo.useToken(tx, request.tokenHash, now))) throw accountErrors.TOKEN_INVALID();
    tx.emit(
      activationConfirmed,
      userId,
      { userId, email: registration.email, at: now.toISOString() },
      envelope,
    );
    return { status: "active", userId };
  };
}
