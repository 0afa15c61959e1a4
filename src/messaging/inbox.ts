import type { Executor } from "../db/database.ts";
import { ident } from "../db/database.ts";

/** Whether (consumer, message id) is in the inbox: the message was handled and committed. */
export async function wasHandled(
  db: Executor,
  schema: string,
  consumer: string,
  messageId: string,
): Promise<boolean> {
  const rows = await db.query(
    `select 1 from ${ident(schema)}.inbox where consumer = $1 and message_id = $2`,
    [consumer, messageId],
  );
  return rows.length > 0;
}

/**
 * Runs `effect` at most once per (consumer, message id): the inbox row and the effect commit in
 * one transaction, so a redelivered message (at-least-once) finds its row and is skipped.
 * Returns false when the message had already been handled.
 */
export async function handleOnce<Tx extends Executor>(
  db: { transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> },
  schema: string,
  consumer: string,
  messageId: string,
  effect: (tx: Tx) => Promise<void>,
): Promise<boolean> {
  const s = ident(schema);
  return db.transaction(async (tx) => {
    const inserted = await tx.query(
      `insert into ${s}.inbox (consumer, message_id) values ($1, $2) on conflict do nothing returning message_id`,
      [consumer, messageId],
    );
    if (inserted.length === 0) return false;
    await effect(tx);
    return true;
  });
}
