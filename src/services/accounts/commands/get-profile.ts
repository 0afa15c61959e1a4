import type { z } from "zod";
import type { getProfile, Profile } from "../../../contracts/accounts/index.ts";
import { accountErrors } from "../../../contracts/errors.ts";
import type { Rejection, Tx } from "../../../runtime/service-context.ts";
import { reject } from "../../../runtime/service-context.ts";
import type { AccountsDeps } from "../deps.ts";
import { toProfile } from "../domain/user.ts";

/** get-profile: a user's profile (never the hash). */
export function getProfileHandler({ users }: AccountsDeps) {
  return async (
    request: z.infer<typeof getProfile.request.schema>,
    _envelope: unknown,
    tx: Tx,
  ): Promise<Profile | Rejection> => {
    const user = await users.byId(tx, request.userId);
    return user ? toProfile(user) : reject(accountErrors.USER_NOT_FOUND());
  };
}
