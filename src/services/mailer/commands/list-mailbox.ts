import type { z } from "zod";
import type { listMailbox } from "../../../contracts/mailer/list-mailbox.ts";
import type { Executor } from "../../../db/database.ts";
import type { MailerRepository } from "../db/repository.ts";

export const DEFAULT_MAILBOX_LIMIT = 50;

type Request = z.infer<typeof listMailbox.request.schema>;
type Result = z.infer<typeof listMailbox.result>;

/** Answers list-mailbox from the catcher's table, newest first. */
export function listMailboxHandler(
  repository: MailerRepository,
): (payload: Request, tx: Executor) => Promise<Result> {
  return async (payload, tx) => ({
    messages: await repository.listCaught(tx, {
      to: payload.to,
      limit: payload.limit ?? DEFAULT_MAILBOX_LIMIT,
    }),
  });
}
