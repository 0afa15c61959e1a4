import type { z } from "zod";
import type { getProfile, Profile } from "../../../contracts/accounts/index.ts";
import { accountErrors } from "../../../contracts/errors.ts";
import type { Executor } from "../../../db/database.ts";
import type { Rejection } from "../../../runtime/service-context.ts";
import { reject } from "../../../runtime/service-context.ts";
import type { AccountsDeps } from "../deps.ts";
import { toProfile } from "../domain/user.ts";

/** get-profile: a user's profile (never the hash). */
export function getProfileHandler({ users }: AccountsDeps) {
  return async (
    request: z.infer<typeof getProfile.request.schema>,
    _envelope: unknown,
    db: Executor,
  ): Promise<Profile | Rejection> => {
    const user = await users.byId(db, request.userId);
    return user ? toProfile(user) : reject(accountErrors.USER_NOT_FOUND());
  };
}
