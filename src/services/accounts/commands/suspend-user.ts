import type { z } from "zod";
import type { Profile, suspendUser } from "../../../contracts/accounts/index.ts";
import { accountErrors } from "../../../contracts/errors.ts";
import type { Envelope } from "../../../messaging/envelope.ts";
import type { Rejection, Tx } from "../../../runtime/service-context.ts";
import { reject } from "../../../runtime/service-context.ts";
import type { AccountsDeps } from "../deps.ts";
import { suspend } from "../domain/decide.ts";
import { toProfile } from "../domain/user.ts";
import { publish } from "../publish.ts";
import { requireAdmin } from "./require-admin.ts";

/** suspend-user (admin): status SUSPENDED with a reason; every session of the user ends. */
export function suspendUserHandler({ users, clock }: AccountsDeps) {
  return async (
    request: z.infer<typeof suspendUser.request.schema>,
    envelope: Envelope,
    tx: Tx,
  ): Promise<Profile | Rejection> => {
    await requireAdmin(users, tx, request.by);
    const user = await users.byId(tx, request.userId, true);
    if (!user) return reject(accountErrors.USER_NOT_FOUND());
    const decision = suspend(user, request.reason, request.by, clock.now());
    if (decision.state !== user) await users.update(tx, decision.state);
    publish(tx, decision.events, envelope);
    return toProfile(decision.state);
  };
}
