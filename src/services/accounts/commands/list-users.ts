import type { z } from "zod";
import type { listUsers } from "../../../contracts/accounts/index.ts";
import { platformErrors } from "../../../platform/errors.ts";
import type { Executor } from "../../../db/database.ts";
import type { Rejection } from "../../../runtime/service-context.ts";
import { reject } from "../../../runtime/service-context.ts";
import type { AccountsDeps } from "../deps.ts";
import { decodeCursor, encodeCursor } from "../domain/cursor.ts";
import { toProfile } from "../domain/user.ts";

type Request = z.infer<typeof listUsers.request.schema>;
type Result = z.infer<typeof listUsers.result>;

/** list-users (admin): newest first, filtered by text and status, one page per keyset cursor. */
export function listUsersHandler({ users }: AccountsDeps) {
  return async (request: Request, _envelope: unknown, db: Executor): Promise<Result | Rejection> => {
    const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor);
    if (request.cursor !== undefined && !after) {
      return reject(
        platformErrors.VALIDATION_FAILED({
          details: [{ path: "cursor", message: "This cursor is not valid." }],
        }),
      );
    }
    const limit = request.limit;
    // One more than asked: whether it comes tells if there is a next page.
    const rows = await users.list(db, {
      query: request.query,
      status: request.status,
      after,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      users: page.map(toProfile),
      nextCursor:
        rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
    };
  };
}
