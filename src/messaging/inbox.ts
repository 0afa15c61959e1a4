import type { Executor } from "../db/database.ts";
import { ident } from "../db/database.ts";
import type { Logger } from "../platform/logger.ts";
import { HOUR_MS, Periodic } from "../platform/periodic.ts";

/** The message a consumer handles once, as the inbox records it. */
export interface InboxKey {
  readonly consumer: string;
  readonly messageId: string;
}

/**
 * SQL for "the inbox holds (consumer, message id)": a column that a read of the same schema can
 * carry, to learn whether a message was handled without a statement of its own. `consumer` and
 * `messageId` are the numbers of the statement's parameters that hold the two.
 */
export function inboxHolds(schema: string, consumer: number, messageId: number): string {
  return `exists (select 1 from ${ident(schema)}.inbox where consumer = $${consumer} and message_id = $${messageId})`;
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

/**
 * Deletes the inbox rows of messages handled more than `hours` ago, at most `batch` rows per
 * statement, and answers how many went. Such a message has left the log (whose retention is no
 * longer: LOG_RETENTION_HOURS, or the Kafka topics' retention.ms), so no redelivery can come
 * that its row would have to stop. Without this the inbox grows by a row per message for ever.
 */
export async function pruneInbox(
  db: Executor,
  schema: string,
  hours: number,
  batch = 10_000,
): Promise<number> {
  const s = ident(schema);
  let total = 0;
  for (;;) {
    const [row] = await db.query<{ n: number }>(
      `with gone as (
         delete from ${s}.inbox where ctid = any(array(
           select ctid from ${s}.inbox where processed_at < now() - make_interval(hours => $1) limit $2))
         returning 1)
       select count(*)::int as n from gone`,
      [hours, batch],
    );
    const n = row?.n ?? 0;
    total += n;
    if (n < batch) return total;
  }
}

/** Prunes one service's inbox when it starts and every `everyMs` (an hour) after. */
export function inboxRetention(options: {
  readonly db: Executor;
  readonly schema: string;
  readonly hours: number;
  readonly log: Logger;
  readonly everyMs?: number;
}): Periodic {
  const { db, schema, hours, log } = options;
  return new Periodic({
    name: "inbox retention",
    everyMs: options.everyMs ?? HOUR_MS,
    runAtStart: true,
    log,
    task: async () => {
      const removed = await pruneInbox(db, schema, hours);
      if (removed > 0) log.info({ removed, hours }, "inbox rows past their retention removed");
    },
  });
}
