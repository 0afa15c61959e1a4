import { EventEmitter } from "node:events";
import type { Database, Executor } from "../../db/database.ts";
import { ident } from "../../db/database.ts";
import { migrate } from "../../db/migrate.ts";
import { sleep } from "../../platform/clock.ts";
import { InUseError } from "../../platform/in-use.ts";
import { HOUR_MS, Periodic } from "../../platform/periodic.ts";
import type { Logger } from "../../platform/logger.ts";
import type { Envelope } from "../envelope.ts";
import { partitionFor } from "../partitioner.ts";
import type {
  AppendingTransaction,
  AppendWithin,
  Delivery,
  OutgoingMessage,
  SubscribeOptions,
  Subscription,
  TopicInfo,
  Transport,
} from "../transport.ts";
import type { GroupMember, PartitionRef } from "./group.ts";
import { ConsumerGroup } from "./group.ts";
import type { OffsetCommit } from "./offset-commits.ts";
import { OffsetCommits } from "./offset-commits.ts";
import { logMigrations } from "./schema.ts";

export interface EmbeddedTransportOptions {
  readonly db: Database;
  readonly log: Logger;
  /** Schema holding the log (unique per test). */
  readonly schema?: string;
  readonly partitions?: number;
  readonly retentionHours?: number;
  /** Messages a partition reader fetches at once. */
  readonly batchSize?: number;
  /** How long a reader that saw nothing waits before looking again (writes wake it at once). */
  readonly idlePollMs?: number;
  /** Newest messages per partition kept in memory, so readers that keep up never query. */
  readonly tailSize?: number;
  /**
   * How long a handled offset waits before it is committed: the commits of every reader handled
   * meanwhile go in one statement (OffsetCommits). A crash inside the window redelivers, which
   * the inbox absorbs, as after any crash between an effect and its commit. Stopping or handing
   * a partition over commits at once.
   */
  readonly commitDelayMs?: number;
}

type PendingWrite =
  | { readonly messages: readonly OutgoingMessage[]; resolve(): void; reject(error: unknown): void }
  | {
      readonly run: (tx: Executor, append: AppendWithin) => Promise<unknown>;
      resolve(value: unknown): void;
      reject(error: unknown): void;
    };

/** What one append wrote, applied to the in-memory offsets, tails and topics once it committed. */
interface Appended {
  readonly next: Map<string, number>;
  readonly entries: [string, TailEntry][];
  readonly topics: Map<string, number>;
}

const nothingAppended = (): Appended => ({ next: new Map(), entries: [], topics: new Map() });

type MessageRow = {
  topic: string;
  partition: number;
  offset: number;
  key: string;
  envelope: Envelope;
  headers: Record<string, string>;
};

/** A message as appended, kept in memory: JSON text, parsed per delivery as a row read back would be. */
interface TailEntry {
  readonly offset: number;
  readonly key: string;
  readonly envelope: string;
  readonly headers: string;
}

const slotOf = (ref: PartitionRef): string => `${ref.topic}:${ref.partition}`;

/** Another process writes this embedded log: it has one writer, which assigns the offsets. */
export class EmbeddedLogInUseError extends InUseError {
  constructor(readonly schema: string) {
    super(
      "LOG_IN_USE",
      `The embedded log (schema ${schema}) is in use by another process: it has one writer. ` +
        "Run every service in one process, or give processes that run apart a log they can share: " +
        "Kafka (KAFKA_BROKERS).",
    );
  }
}

/**
 * A durable, partitioned log kept in the embedded database, for one process. Writes go through
 * one queue, so offsets are assigned and committed in order and a reader never sees offset n+1
 * before n; concurrent publishes are coalesced into one INSERT. The writer is this process, so
 * it knows every partition's end: a reader that has caught up waits on an in-process signal for
 * its partition without querying, and reads what was just appended from an in-memory tail. Only
 * a reader that is behind (after a restart, or on a backlog) reads the table.
 */
export class EmbeddedTransport implements Transport {
  readonly kind = "embedded" as const;
  private readonly db: Database;
  private readonly log: Logger;
  private readonly schemaName: string;
  private readonly s: string;
  private readonly defaultPartitions: number;
  private readonly batchSize: number;
  private readonly idlePollMs: number;
  private readonly retentionHours: number;
  private readonly tailSize: number;
  /** Handled offsets not committed yet, written for all readers at once. */
  readonly offsets: OffsetCommits;
  private readonly tails = new Map<string, TailEntry[]>();
  private readonly topics = new Map<string, number>();
  private readonly nextOffsets = new Map<string, number>();
  private readonly appended = new EventEmitter().setMaxListeners(0);
  private readonly groups = new Map<string, ConsumerGroup>();
  private readonly subscriptions = new Set<EmbeddedSubscription>();
  private queue: PendingWrite[] = [];
  private writing = false;
  private readonly retention: Periodic;
  private started = false;
  private releaseWriter: (() => Promise<void>) | undefined;
  /**
   * On PostgreSQL, the writer epoch this process raised at start (its fencing token); undefined
   * on PGlite, whose data directory's lock already keeps every other process out.
   */
  private epoch: number | undefined;
  /** Another process became the writer (this one's lock went with a lost connection). */
  private fenced: EmbeddedLogInUseError | undefined;

  constructor(options: EmbeddedTransportOptions) {
    this.db = options.db;
    this.log = options.log;
    this.schemaName = options.schema ?? "ledgerline_log";
    this.s = ident(this.schemaName);
    this.defaultPartitions = options.partitions ?? 4;
    this.batchSize = options.batchSize ?? 200;
    this.idlePollMs = options.idlePollMs ?? 1_000;
    this.retentionHours = options.retentionHours ?? 168;
    this.retention = new Periodic({
      name: "log retention",
      everyMs: HOUR_MS,
      log: this.log,
      task: async () => {
        await this.applyRetention();
      },
    });
    this.tailSize = options.tailSize ?? 256;
    this.offsets = new OffsetCommits(
      (commits) => this.writeOffsets(commits),
      options.commitDelayMs ?? 100,
      this.log,
    );
  }

  async start(): Promise<void> {
    if (this.started) return;
    // This process assigns the offsets from what it knows: a second writer would reuse them.
    this.releaseWriter = await this.db.tryLock(`log:${this.schemaName}`);
    if (!this.releaseWriter) throw new EmbeddedLogInUseError(this.schemaName);
    try {
      await this.load();
    } catch (error) {
      await this.releaseWriterLock();
      throw error;
    }
    this.retention.start();
    this.started = true;
  }

  /** The log's tables, its topics and every partition's end. */
  private async load(): Promise<void> {
    await migrate(this.db, this.schemaName, logMigrations);
    const rows = await this.db.query<{ topic: string; partitions: number }>(
      `select topic, partitions from ${this.s}.topics`,
    );
    for (const row of rows) this.topics.set(row.topic, row.partitions);
    const ends = await this.db.query<{ topic: string; partition: number; next: number }>(
      `select topic, partition, max("offset") + 1 as next from ${this.s}.messages group by topic, partition`,
    );
    for (const row of ends) this.nextOffsets.set(`${row.topic}:${row.partition}`, Number(row.next));
    if (this.db.kind === "postgres") await this.raiseEpoch();
  }

  /**
   * The advisory lock keeps a second writer from starting, but it lives on one connection: if that
   * connection is lost (a database restart, a network cut), PostgreSQL drops the lock while this
   * process keeps writing, and another process could then start and assign the same offsets. So
   * each writer raises the log's epoch at start, after it took the lock, and each of its appends
   * inserts only while the epoch is still its own (holding the row FOR SHARE, so a new writer's
   * raise waits for an append under way and the new writer then sees it). An append that inserts
   * nothing means another writer started: this one is fenced off (see fence).
   */
  private async raiseEpoch(): Promise<void> {
    const [row] = await this.db.query<{ epoch: number }>(
      `update ${this.s}.writer set epoch = epoch + 1 returning epoch`,
    );
    this.epoch = Number(row?.epoch);
  }

  /**
   * Another process is the writer now: refuse every further publish with LOG_IN_USE, fail the
   * readiness check (ping), and stop this process's readers (their offsets are the new writer's
   * business), once, saying why.
   */
  private fence(): EmbeddedLogInUseError {
    if (this.fenced) return this.fenced;
    const error = new EmbeddedLogInUseError(this.schemaName);
    this.fenced = error;
    this.log.error(
      { schema: this.schemaName },
      "another process became the embedded log's writer after this one lost its database connection: " +
        "this process no longer writes or reads the log; stop it (it reports not ready)",
    );
    void Promise.all([...this.subscriptions].map((s) => s.stop())).catch((error: unknown) =>
      this.log.warn({ err: error }, "could not stop the log's readers"),
    );
    return error;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    await this.offsets.flush();
    await this.retention.stop();
    // Let queued writes finish: they were acknowledged to nobody yet, but losing them is worse.
    while (this.writing || this.queue.length > 0) await sleep(5);
    this.started = false;
    await this.releaseWriterLock();
  }

  private async releaseWriterLock(): Promise<void> {
    const release = this.releaseWriter;
    this.releaseWriter = undefined;
    // A lost connection took the lock with it already.
    await release?.().catch((error: unknown) =>
      this.log.warn({ err: error }, "could not release the log's writer lock"),
    );
  }

  async ping(): Promise<void> {
    if (this.fenced) throw this.fenced;
    await this.db.ping();
  }

  async ensureTopics(topics: readonly string[]): Promise<void> {
    for (const topic of topics) await this.partitionsOf(topic);
  }

  async listTopics(): Promise<TopicInfo[]> {
    return [...this.topics].map(([topic, partitions]) => ({ topic, partitions }));
  }

  /** Deletes messages older than the retention period, as Kafka's time-based retention does. */
  async applyRetention(): Promise<number> {
    const rows = await this.db.query<{ n: number }>(
      `with gone as (delete from ${this.s}.messages
         where appended_at < now() - make_interval(hours => $1) returning 1)
       select count(*)::int as n from gone`,
      [this.retentionHours],
    );
    return rows[0]?.n ?? 0;
  }

  private async partitionsOf(topic: string): Promise<number> {
    const known = this.topics.get(topic);
    if (known !== undefined) return known;
    const partitions = await this.lookUpPartitions(topic, this.db);
    this.topics.set(topic, partitions);
    return partitions;
  }

  /** Registers a topic the log has not seen (keeping a count set before) and returns its partitions. */
  private async lookUpPartitions(topic: string, via: Executor): Promise<number> {
    await via.query(
      `insert into ${this.s}.topics (topic, partitions) values ($1, $2) on conflict (topic) do nothing`,
      [topic, this.defaultPartitions],
    );
    const rows = await via.query<{ partitions: number }>(
      `select partitions from ${this.s}.topics where topic = $1`,
      [topic],
    );
    return rows[0]?.partitions ?? this.defaultPartitions;
  }

  publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    if (this.fenced) return Promise.reject(this.fenced);
    return new Promise<void>((resolve, reject) => this.enqueue({ messages, resolve, reject }));
  }

  /**
   * When the log lives in `db` and that is PGlite: a way to run a service's transaction as this
   * log's writer, in which `append` writes messages to the log itself, so they commit with the
   * service's writes or not at all and no outbox is needed (it saves the outbox row, the relay's
   * select and delete: three statements per message). PGlite runs one transaction at a time
   * anyway, so serialising them here costs no concurrency. Undefined for any other database:
   * there transactions run concurrently and services keep writing to their outbox.
   *
   * fn must not wait on another publish or transaction of this log (it would wait behind
   * itself); on PGlite it could not before either, the open transaction holds the database.
   */
  transactionIn(db: Database): AppendingTransaction | undefined {
    if (db !== this.db || db.kind !== "pglite") return undefined;
    return <T>(fn: (tx: Executor, append: AppendWithin) => Promise<T>) =>
      new Promise<T>((resolve, reject) =>
        this.enqueue({ run: fn, resolve: resolve as (value: unknown) => void, reject }),
      );
  }

  private enqueue(write: PendingWrite): void {
    this.queue.push(write);
    if (!this.writing) void this.drain();
  }

  /**
   * The single writer, so offsets are assigned and committed in order: runs queued transactions
   * one at a time, and appends each run of queued publishes in one INSERT.
   */
  private async drain(): Promise<void> {
    this.writing = true;
    try {
      for (let head = this.queue[0]; head; head = this.queue[0]) {
        if ("run" in head) {
          this.queue.shift();
          await this.runTransaction(head);
          continue;
        }
        const end = this.queue.findIndex((w) => "run" in w);
        const batch = this.queue.splice(0, end === -1 ? this.queue.length : end);
        try {
          const appended = nothingAppended();
          const messages = batch.flatMap((w) => ("messages" in w ? w.messages : []));
          await this.insert(this.db, messages, appended);
          this.applied(appended);
          for (const w of batch) w.resolve(undefined as never);
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async runTransaction(job: Extract<PendingWrite, { run: unknown }>): Promise<void> {
    const appended = nothingAppended();
    try {
      const value = await this.db.transaction((tx) =>
        job.run(tx, (messages) => this.insert(tx, messages, appended)),
      );
      this.applied(appended);
      job.resolve(value);
    } catch (error) {
      job.reject(error);
    }
  }

  /** Inserts messages in one INSERT through `via`, recording what it wrote into `appended`. */
  private async insert(
    via: Executor,
    messages: readonly OutgoingMessage[],
    appended: Appended,
  ): Promise<void> {
    if (messages.length === 0) return;
    const values: unknown[] = [];
    const tuples: string[] = [];
    for (const message of messages) {
      let partitions = this.topics.get(message.topic) ?? appended.topics.get(message.topic);
      if (partitions === undefined) {
        partitions = await this.lookUpPartitions(message.topic, via);
        appended.topics.set(message.topic, partitions);
      }
      const partition = partitionFor(message.key, partitions);
      const slot = `${message.topic}:${partition}`;
      const offset = appended.next.get(slot) ?? this.nextOffsets.get(slot) ?? 0;
      appended.next.set(slot, offset + 1);
      const n = values.length;
      // JSON text, cast in SQL: the same text feeds the tail, and no driver encodes it twice.
      tuples.push(
        `($${n + 1}::text, $${n + 2}::int, $${n + 3}::bigint, $${n + 4}::text, $${n + 5}::text::jsonb, $${n + 6}::text::jsonb)`,
      );
      const envelope = JSON.stringify(message.envelope);
      const headers = JSON.stringify(message.headers ?? {});
      values.push(message.topic, partition, offset, message.key, envelope, headers);
      appended.entries.push([slot, { offset, key: message.key, envelope, headers }]);
    }
    const columns = `(topic, partition, "offset", key, envelope, headers)`;
    if (this.epoch === undefined) {
      await via.query(`insert into ${this.s}.messages ${columns} values ${tuples.join(", ")}`, values);
      return;
    }
    // PostgreSQL: only while the epoch is this writer's (raiseEpoch), in the same statement.
    values.push(this.epoch);
    const [row] = await via.query<{ n: number }>(
      `with writer as (select 1 from ${this.s}.writer where epoch = $${values.length} for share),
            appended as (
              insert into ${this.s}.messages ${columns}
              select v.* from (values ${tuples.join(", ")}) as v ${columns}
              where exists (select 1 from writer)
              returning 1)
       select count(*)::int as n from appended`,
      values,
    );
    if (row?.n !== messages.length) throw this.fence();
  }

  /** Only a committed append moves the offsets on, reaches the tails and wakes the readers. */
  private applied(appended: Appended): void {
    for (const [topic, partitions] of appended.topics) this.topics.set(topic, partitions);
    for (const [slot, offset] of appended.next) this.nextOffsets.set(slot, offset);
    for (const [slot, entry] of appended.entries) {
      let tail = this.tails.get(slot);
      if (!tail) this.tails.set(slot, (tail = []));
      tail.push(entry);
      if (tail.length > this.tailSize) tail.splice(0, tail.length - this.tailSize);
    }
    for (const slot of appended.next.keys()) this.appended.emit(slot);
  }

  async read(topic: string, options: { limit?: number; fromTimestamp?: Date } = {}): Promise<Delivery[]> {
    const rows = await this.db.query<MessageRow>(
      `select topic, partition, "offset", key, envelope, headers from ${this.s}.messages
        where topic = $1 and appended_at >= $2 order by appended_at, partition, "offset" limit $3`,
      [topic, options.fromTimestamp ?? new Date(0), options.limit ?? 1000],
    );
    return rows.map(toDelivery);
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    if (!this.started) throw new Error("transport not started");
    await this.ensureTopics(options.topics);
    let group = this.groups.get(options.groupId);
    if (!group) {
      group = new ConsumerGroup((topic) => this.partitionsOf(topic));
      this.groups.set(options.groupId, group);
    }
    const subscription = new EmbeddedSubscription(this, group, options, () => {
      this.subscriptions.delete(subscription);
    });
    this.subscriptions.add(subscription);
    await subscription.join();
    return subscription;
  }

  // ---- used by partition readers ----

  /** The offset a group resumes from on one partition, or undefined when it never committed. */
  async committedOffset(groupId: string, ref: PartitionRef): Promise<number | undefined> {
    const rows = await this.db.query<{ next_offset: number }>(
      `select next_offset from ${this.s}.offsets where group_id = $1 and topic = $2 and partition = $3`,
      [groupId, ref.topic, ref.partition],
    );
    return rows[0] ? Number(rows[0].next_offset) : undefined;
  }

  /** Every pending commit in one statement (OffsetCommits): one row per group and partition. */
  private async writeOffsets(commits: readonly OffsetCommit[]): Promise<void> {
    await this.db.query(
      `insert into ${this.s}.offsets (group_id, topic, partition, next_offset)
       select group_id, topic, partition, next_offset from json_to_recordset($1::text::json)
         as c(group_id text, topic text, partition integer, next_offset bigint)
       on conflict (group_id, topic, partition) do update set next_offset = excluded.next_offset, committed_at = now()`,
      [
        JSON.stringify(
          commits.map((c) => ({
            group_id: c.groupId,
            topic: c.topic,
            partition: c.partition,
            next_offset: c.nextOffset,
          })),
        ),
      ],
    );
  }

  endOffset(ref: PartitionRef): number {
    return this.nextOffsets.get(slotOf(ref)) ?? 0;
  }

  /** Messages from offset `from` on: from the in-memory tail when it reaches back that far. */
  async fetch(ref: PartitionRef, from: number): Promise<MessageRow[]> {
    const tail = this.tails.get(slotOf(ref));
    const first = tail?.[0]?.offset;
    const entries =
      tail && first !== undefined && first <= from
        ? tail.slice(from - first, from - first + this.batchSize)
        : [];
    // The table is the truth; the tail only answers when it holds `from` itself.
    if (entries[0]?.offset === from) {
      return entries.map((entry) => ({
        topic: ref.topic,
        partition: ref.partition,
        offset: entry.offset,
        key: entry.key,
        envelope: JSON.parse(entry.envelope) as Envelope,
        headers: JSON.parse(entry.headers) as Record<string, string>,
      }));
    }
    return this.db.query<MessageRow>(
      `select topic, partition, "offset", key, envelope, headers from ${this.s}.messages
        where topic = $1 and partition = $2 and "offset" >= $3 order by "offset" limit $4`,
      [ref.topic, ref.partition, from, this.batchSize],
    );
  }

  /**
   * Resolves when something is appended to the partition, the wait elapses, or the signal
   * aborts. The listener is in place before this returns: call it in the same tick as the
   * endOffset check that found nothing new, and no append is missed.
   */
  waitForAppend(ref: PartitionRef, signal: AbortSignal): Promise<void> {
    const slot = slotOf(ref);
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.appended.off(slot, done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, this.idlePollMs);
      this.appended.on(slot, done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  get logger(): Logger {
    return this.log;
  }
}

function toDelivery(row: MessageRow): Delivery {
  return {
    topic: row.topic,
    partition: row.partition,
    offset: String(row.offset),
    key: row.key,
    envelope: row.envelope,
    headers: row.headers ?? {},
  };
}

let memberSeq = 0;

class EmbeddedSubscription implements Subscription, GroupMember {
  readonly id = ++memberSeq;
  readonly topics: readonly string[];
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private readonly readers = new Map<string, PartitionReader>();
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly transport: EmbeddedTransport,
    private readonly group: ConsumerGroup,
    private readonly options: SubscribeOptions,
    private readonly onStopped: () => void,
  ) {
    this.topics = options.topics;
    this.ready = new Promise((resolve) => (this.markReady = resolve));
  }

  async join(): Promise<void> {
    await this.group.join(this);
    this.markReady();
  }

  assignment(): string[] {
    return [...this.readers.keys()].sort();
  }

  async release(keep: readonly PartitionRef[]): Promise<void> {
    const kept = new Set(keep.map(slotOf));
    const lost = [...this.readers].filter(([slot]) => !kept.has(slot));
    await Promise.all(
      lost.map(async ([slot, reader]) => {
        await reader.stop();
        this.readers.delete(slot);
      }),
    );
  }

  async acquire(partitions: readonly PartitionRef[]): Promise<void> {
    if (this.stopping) return;
    for (const ref of partitions) {
      const slot = slotOf(ref);
      if (this.readers.has(slot)) continue;
      const reader = new PartitionReader(this.transport, this.options, ref);
      this.readers.set(slot, reader);
      await reader.start();
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all([...this.readers.values()].map((r) => r.stop()));
      this.readers.clear();
      await this.group.leave(this);
      this.onStopped();
    })();
    return this.stopping;
  }
}

/** Reads one partition for one group member: fetch, hand each message over in order, commit. */
class PartitionReader {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;
  private next = 0;

  constructor(
    private readonly transport: EmbeddedTransport,
    private readonly options: SubscribeOptions,
    private readonly ref: PartitionRef,
  ) {}

  async start(): Promise<void> {
    const committed = await this.transport.committedOffset(this.options.groupId, this.ref);
    this.next = committed ?? (this.options.fromBeginning === false ? this.transport.endOffset(this.ref) : 0);
    this.loop = this.run();
  }

  /** Stops after the message in flight and commits what was handled. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    await this.transport.offsets.flush();
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    let failures = 0;
    while (!signal.aborted) {
      // Caught up: wait for this partition's next append (no query; this process is the writer).
      const end = this.transport.endOffset(this.ref);
      if (this.next >= end) {
        await this.transport.waitForAppend(this.ref, signal);
        continue;
      }
      let rows: MessageRow[];
      try {
        rows = await this.transport.fetch(this.ref, this.next);
      } catch (error) {
        if (signal.aborted) break;
        this.transport.logger.warn({ err: error, ...this.ref }, "embedded log fetch failed");
        await sleep(Math.min(1000 * 2 ** failures++, 10_000), signal);
        continue;
      }
      if (rows.length === 0) {
        // Nothing readable from `next` though the end is past it: never skip; look again on the
        // next append or poll (rows at or after `next` are found whatever retention removed).
        await this.transport.waitForAppend(this.ref, signal);
        continue;
      }
      const before = this.next;
      for (const row of rows) {
        if (signal.aborted) break;
        try {
          await this.options.handler(toDelivery(row));
        } catch (error) {
          // Not handled: keep its offset uncommitted and deliver it again.
          this.transport.logger.warn(
            { err: error, topic: row.topic, partition: row.partition, offset: row.offset },
            "handler failed; the message will be delivered again",
          );
          if (!signal.aborted) await sleep(Math.min(200 * 2 ** failures++, 5_000), signal);
          break;
        }
        failures = 0;
        this.next = Number(row.offset) + 1;
      }
      if (this.next !== before) this.transport.offsets.schedule(this.options.groupId, this.ref, this.next);
    }
  }
}
