import type { Database, Executor } from "../db/database.ts";
import { ident } from "../db/database.ts";
import type { Migration } from "../db/migrate.ts";
import { sleep } from "../platform/clock.ts";
import { newId } from "../platform/ids.ts";
import type { Logger } from "../platform/logger.ts";
import type { Metrics } from "../platform/metrics.ts";
import { checkPayload } from "./contracts.ts";
import type { OutgoingMessage, Transport } from "./transport.ts";

/** The outbox and inbox tables every service schema has (component "messaging"). */
export const messagingMigrations: Migration[] = [
  {
    version: 1,
    name: "outbox-inbox",
    up: (s) => `
      create table ${s}.outbox (
        seq bigserial primary key,
        topic text not null,
        key text not null,
        envelope jsonb not null,
        headers jsonb not null default '{}',
        created_at timestamptz not null default now());
      create table ${s}.outbox_lease (
        id integer primary key check (id = 1),
        holder text not null,
        until timestamptz not null);
      create table ${s}.inbox (
        consumer text not null,
        message_id uuid not null,
        processed_at timestamptz not null default now(),
        primary key (consumer, message_id));
    `,
  },
  {
    version: 2,
    name: "inbox-retention",
    // Rows past INBOX_RETENTION_HOURS are deleted by age (src/messaging/inbox.ts).
    up: (s) => `create index inbox_processed_at on ${s}.inbox (processed_at);`,
  },
];

/** Writes outgoing messages into the outbox table, inside the caller's transaction. */
export async function addToOutbox(
  tx: Executor,
  schema: string,
  messages: readonly OutgoingMessage[],
): Promise<void> {
  if (messages.length === 0) return;
  const s = ident(schema);
  const values: unknown[] = [];
  const tuples = messages.map((m) => {
    checkPayload(m.envelope);
    const n = values.length;
    // Objects, not JSON text: postgres.js would encode a string a second time.
    values.push(m.topic, m.key, m.envelope, m.headers ?? {});
    return `($${n + 1}, $${n + 2}, $${n + 3}::jsonb, $${n + 4}::jsonb)`;
  });
  await tx.query(
    `insert into ${s}.outbox (topic, key, envelope, headers) values ${tuples.join(", ")}`,
    values,
  );
}

/**
 * Publishes what services committed to their outbox, in commit order, and deletes it once the
 * log has it. One relay per schema is active at a time (a lease row, renewed while it works,
 * taken over when it expires), so order holds across instances; a crash between publish and
 * delete republishes, which consumers' inboxes absorb.
 */
export class OutboxRelay {
  private readonly s: string;
  private readonly holder: string;
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private kicked = false;
  /** Until when (performance.now()) the lease is surely still ours without renewing it. */
  private leaseSureUntil = 0;
  private readonly batchSize: number;

  constructor(
    private readonly options: {
      db: Database;
      schema: string;
      service: string;
      transport: Transport;
      log: Logger;
      metrics: Metrics;
      pollMs: number;
      batchSize?: number;
      leaseMs?: number;
      /**
       * Names the lease holder: a process restarted with the same (unique) instance id takes its
       * lease back at once instead of waiting for it to expire. Default: a new id per relay.
       */
      holder?: string;
    },
  ) {
    this.s = ident(options.schema);
    this.holder = options.holder ?? newId();
    this.batchSize = options.batchSize ?? 500;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Asks the relay to look now (called after a transaction that wrote to the outbox commits). */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.wake?.();
    await this.loop;
    await this.options.db
      .query(`delete from ${this.s}.outbox_lease where holder = $1`, [this.holder])
      .catch(() => undefined);
  }

  /**
   * Publishes every row there is now, once, instead of relaying continuously: for a service whose
   * messages no longer go through its outbox, what an earlier run left there. Returns how many.
   */
  async drain(): Promise<number> {
    let total = 0;
    for (let n = await this.relayOnce(); n > 0; n = await this.relayOnce()) total += n;
    return total;
  }

  /** Publishes one batch if this relay holds the lease; returns how many rows it published. */
  async relayOnce(): Promise<number> {
    const { db, transport, metrics, service } = this.options;
    if (!(await this.takeLease())) return 0;
    const rows = await db.query<{ seq: number; topic: string; key: string; envelope: never; headers: never }>(
      `select seq, topic, key, envelope, headers from ${this.s}.outbox order by seq limit $1`,
      [this.batchSize],
    );
    if (rows.length === 0) {
      metrics.outboxBacklog.set({ service }, 0);
      return 0;
    }
    await transport.publish(
      rows.map((r) => ({ topic: r.topic, key: r.key, envelope: r.envelope, headers: r.headers })),
    );
    // Exactly the rows published: a transaction that took a lower seq and committed after the
    // select (PostgreSQL runs them concurrently) must stay for the next batch, not be deleted.
    await db.query(`delete from ${this.s}.outbox where seq = any($1::text::bigint[])`, [
      `{${rows.map((r) => r.seq).join(",")}}`,
    ]);
    metrics.relayed.inc({ service }, rows.length);
    return rows.length;
  }

  /**
   * Takes or renews the lease. A lease taken less than half its length ago is still ours (nobody
   * else may take it before it expires), so a busy relay renews it only every leaseMs / 2.
   */
  private async takeLease(): Promise<boolean> {
    const leaseMs = this.options.leaseMs ?? 10_000;
    const asked = performance.now();
    if (asked < this.leaseSureUntil) return true;
    const rows = await this.options.db.query(
      `insert into ${this.s}.outbox_lease (id, holder, until) values (1, $1, now() + make_interval(secs => $2))
       on conflict (id) do update set holder = excluded.holder, until = excluded.until
         where ${this.s}.outbox_lease.holder = excluded.holder or ${this.s}.outbox_lease.until < now()
       returning holder`,
      [this.holder, leaseMs / 1000],
    );
    this.leaseSureUntil = rows.length === 1 ? asked + leaseMs / 2 : 0;
    return rows.length === 1;
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    let failures = 0;
    while (!signal.aborted) {
      this.kicked = false;
      let published: number;
      try {
        published = await this.relayOnce();
        failures = 0;
      } catch (error) {
        failures++;
        this.options.log.warn({ err: error, schema: this.options.schema }, "outbox relay failed; will retry");
        await sleep(Math.min(100 * 2 ** failures, 5_000), signal);
        continue;
      }
      // A batch shorter than the limit took every row committed before its select; rows this
      // process commits after it kick the relay, rows of other processes wait for the poll. So
      // only a full batch or a kick is worth selecting again at once.
      if (published >= this.batchSize || this.kicked) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.options.pollMs);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = undefined;
    }
    // Publish what is left before stopping (best effort within the lifecycle's grace period).
    try {
      await this.drain();
    } catch (error) {
      this.options.log.warn(
        { err: error },
        "outbox not fully drained at stop; it will be published at next start",
      );
    }
  }
}
