import type { z } from "zod";
import type { Profile, updateProfile as updateProfileCommand } from "../../../contracts/accounts/index.ts";
import { accountErrors } from "../../../contracts/errors.ts";
import type { Envelope } from "../../../messaging/envelope.ts";
import type { Rejection, Tx } from "../../../runtime/service-context.ts";
import { reject } from "../../../runtime/service-context.ts";
import type { AccountsDeps } from "../deps.ts";
import { updateProfile } from "../domain/decide.ts";
import { toProfile } from "../domain/user.ts";
import { publish } from "../publish.ts";

/** update-profile: fields given are set (null clears one), others kept; user.changed "profile-updated". */
export function updateProfileHandler({ users, clock }: AccountsDeps) {
  return async (
    request: z.infer<typeof updateProfileCommand.request.schema>,
    envelope: Envelope,
    tx: Tx,
  ): Promise<Profile | Rejection> => {
    const user = await users.byId(tx, request.userId, true);
    if (!user) return reject(accountErrors.USER_NOT_FOUND());
    const { userId: _userId, ...patch } = request;
    const decision = updateProfile(user, patch, clock.now());
    if (decision.state !== user) await users.update(tx, decision.state);
    publish(tx, decision.events, envelope);
    return toProfile(decision.state);
  };
}
