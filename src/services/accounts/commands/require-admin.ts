import type { Executor } from "../../../db/database.ts";
import { platformErrors } from "../../../platform/errors.ts";
import type { UsersRepository } from "../db/repository.ts";

/**
 * The gateway lets only admins through; accounts checks again that `by` is an ACTIVE admin, so a
 * command put on the log some other way cannot suspend anyone.
 */
export async function requireAdmin(users: UsersRepository, tx: Executor, by: string): Promise<void> {
  const actor = await users.byId(tx, by);
  if (actor?.role !== "admin" || actor.status !== "ACTIVE") throw platformErrors.FORBIDDEN();
}
