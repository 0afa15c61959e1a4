import type { z } from "zod";
import type { Database, Executor } from "../db/database.ts";
import { isDatabaseUnavailable } from "../db/database.ts";
import type { Config } from "../platform/config.ts";
import type { AppError } from "../platform/errors.ts";
import { canRetry } from "../platform/errors.ts";
import type { Logger } from "../platform/logger.ts";
import type { Metrics } from "../platform/metrics.ts";
import type { PasswordHasher } from "../platform/password-hashing.ts";
import type { Sealer } from "../platform/secrets.ts";
import type { Contract } from "../messaging/contracts.ts";
import { checkPayload } from "../messaging/contracts.ts";
import type { Envelope } from "../messaging/envelope.ts";
import { causedBy, createEnvelope } from "../messaging/envelope.ts";
import { createConsumer } from "../messaging/consumer.ts";
import type { InboxKey } from "../messaging/inbox.ts";
import { handleOnce } from "../messaging/inbox.ts";
import type { OutboxRelay } from "../messaging/outbox.ts";
import { addToOutbox } from "../messaging/outbox.ts";
import type { CommandContract } from "../messaging/request-reply.ts";
import { deadlinePassed, replyTo } from "../messaging/request-reply.ts";
import type {
  AppendingTransaction,
  OutgoingMessage,
  Subscription,
  Transport,
} from "../messaging/transport.ts";

/** A transaction that can also emit messages: they commit with it (into the outbox, or the log itself). */
export interface Tx extends Executor {
  emit<S extends z.ZodType>(contract: Contract<S>, key: string, payload: z.infer<S>, cause?: Envelope): void;
}

/** Returned by a command handler to reply with an error while still committing its effects. */
export class Rejection {
  constructor(readonly error: AppError) {}
}
export const reject = (error: AppError): Rejection => new Rejection(error);

/** Answered by a command's prepare step that found the command in the inbox: serve does nothing more. */
export const HANDLED: unique symbol = Symbol("handled");

/** A transaction of the service's database and where what it emits goes: its outbox or the log. */
interface SendingTx extends Executor {
  send(messages: readonly OutgoingMessage[]): Promise<void>;
}

/**
 * What a service is given: its database and schema, the transport, and helpers that make
 * the outbox and inbox the easy path. Every state change and the messages it causes commit
 * in one transaction; every consumed message takes effect once.
 */
export class ServiceContext {
  private readonly subscriptions: { readonly group: string; readonly subscription: Subscription }[] = [];
  private readonly abort = new AbortController();
  /** Event consumers holding a message they could not apply because the database was unreachable. */
  private readonly waitingOnDatabase = new Set<string>();
  /** The log's own transactions, when it lives in this service's database (embedded, PGlite). */
  private readonly appendingTransaction: AppendingTransaction | undefined;
  /** Transactions in which what is emitted is sent, for handleOnce. */
  private readonly sending = {
    transaction: <T>(fn: (tx: SendingTx) => Promise<T>) => this.inTransaction(fn),
  };

  constructor(
    readonly name: string,
    /** Unquoted schema name this service owns. */
    readonly schema: string,
    readonly db: Database,
    readonly transport: Transport,
    readonly config: Readonly<Config>,
    readonly log: Logger,
    readonly metrics: Metrics,
    private readonly relay: OutboxRelay,
    /** Opens and seals secrets carried in messages (passwords, links). */
    readonly sealer: Sealer,
    readonly hasher: PasswordHasher,
  ) {
    this.appendingTransaction = transport.transactionIn?.(db);
  }

  /** Whether what this service emits goes through its outbox (false: straight into the log). */
  get usesOutbox(): boolean {
    return this.appendingTransaction === undefined;
  }

  /** Runs fn in a transaction; what it emits is sent (to the outbox or the log) before the commit. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.inTransaction(async (raw) => {
      const { tx, flush } = this.wrap(raw);
      const value = await fn(tx);
      await flush();
      return value;
    });
  }

  /**
   * One transaction of this service's database whose `send` commits messages with it: straight
   * into the log when the log shares the database and offers that (no outbox row, no relay),
   * else into the outbox, whose relay is asked to look once the transaction committed.
   */
  private async inTransaction<T>(fn: (tx: SendingTx) => Promise<T>): Promise<T> {
    const direct = this.appendingTransaction;
    if (direct) {
      return direct((raw, append) =>
        fn({
          query: (text, params) => raw.query(text, params),
          send: (messages) => {
            for (const m of messages) checkPayload(m.envelope);
            return append(messages);
          },
        }),
      );
    }
    let sent = false;
    const value = await this.db.transaction((raw) =>
      fn({
        query: (text, params) => raw.query(text, params),
        send: (messages) => {
          sent ||= messages.length > 0;
          return addToOutbox(raw, this.schema, messages);
        },
      }),
    );
    if (sent) this.relay.kick();
    return value;
  }

  /** Builds one outgoing message for a contract (for publishing outside a transaction). */
  message<S extends z.ZodType>(
    contract: Contract<S>,
    key: string,
    payload: z.infer<S>,
    cause?: Envelope,
  ): OutgoingMessage {
    return {
      topic: contract.topic,
      key,
      envelope: createEnvelope({
        type: contract.type,
        version: contract.version,
        key,
        payload,
        source: this.name,
        ...(cause ? causedBy(cause) : {}),
      }),
    };
  }

  /**
   * Handles an event (or several types on their topics) once per message: the inbox row, the
   * handler's writes and what it emits commit together. Group `<service>.<name>`.
   */
  on(
    contracts: Contract | readonly Contract[],
    name: string,
    handler: (envelope: Envelope, tx: Tx) => Promise<void>,
  ): Promise<Subscription> {
    return this.view(contracts, name, (envelope, consumer) =>
      handleOnce(this.sending, this.schema, consumer, envelope.id, async (raw) => {
        const { tx, flush } = this.wrap(raw);
        await handler(envelope, tx);
        await flush();
      }),
    );
  }

  /**
   * Applies an event whose effect is idempotent by construction (an insert that ignores a
   * conflict, an upsert of a set): applied twice, it leaves what applying it once left, and it
   * emits nothing. So it needs no inbox row and no transaction of its own, only its statement
   * (on PGlite the inbox would add its insert and the transaction's COMMIT). Group
   * `<service>.<name>`, tracked for `isBehind` as `on` is.
   */
  apply(
    contracts: Contract | readonly Contract[],
    name: string,
    handler: (envelope: Envelope, db: Executor) => Promise<void>,
  ): Promise<Subscription> {
    return this.view(contracts, name, (envelope) => handler(envelope, this.db));
  }

  /**
   * Subscribes group `<service>.<name>` to the contracts' topics and hands their messages to
   * `apply`, remembering whether the database kept it from applying one (`isBehind`).
   */
  private view(
    contracts: Contract | readonly Contract[],
    name: string,
    apply: (envelope: Envelope, consumer: string) => Promise<unknown>,
  ): Promise<Subscription> {
    const list = Array.isArray(contracts) ? contracts : [contracts as Contract];
    const types = new Set(list.map((c) => c.type));
    const consumer = `${this.name}.${name}`;
    return this.subscribe(consumer, [...new Set(list.map((c) => c.topic))], async (envelope) => {
      if (!types.has(envelope.type)) return;
      try {
        await apply(envelope, consumer);
      } catch (error) {
        if (isDatabaseUnavailable(error)) this.waitingOnDatabase.add(consumer);
        throw error;
      }
      this.waitingOnDatabase.delete(consumer);
    });
  }

  /**
   * Whether the view an event handler (`on(…, name, …)`) keeps is known to be behind: it holds a
   * message it could not apply because the database was unreachable, and has not applied it
   * since. A command that judges by that view should answer UNAVAILABLE rather than judge by
   * stale data. It knows only this instance's handler, which holds some of the partitions.
   */
  isBehind(name: string): boolean {
    return this.waitingOnDatabase.has(`${this.name}.${name}`);
  }

  /**
   * Serves a command: honours its deadline (a request whose requester gave up is skipped),
   * handles it once, and writes the reply to the outbox in the handler's transaction.
   */
  async serve<Req extends z.ZodType, Res extends z.ZodType, P = undefined>(
    command: CommandContract<Req, Res>,
    handler: (
      payload: z.infer<Req>,
      envelope: Envelope<z.infer<Req>>,
      tx: Tx,
      prepared: P,
    ) => Promise<z.infer<Res> | Rejection>,
    options: {
      /**
       * Slow work done before the transaction opens (e.g. a password hash check), so the
       * database is not held during it. Messages of one key still run one at a time. A
       * redelivered command that was handled skips it: the step answers HANDLED when the inbox
       * holds `inbox` — read with inboxHolds() as a column of the step's own first read, so it
       * costs no statement — and nothing else happens (a login delivered twice verifies its
       * password once). A step that did not look would only do its work again: handleOnce
       * still skips the effect.
       */
      prepare?: (payload: z.infer<Req>, inbox: InboxKey) => Promise<P | typeof HANDLED>;
    } = {},
  ): Promise<Subscription> {
    const consumer = `${this.name}.${command.request.type}`;
    return this.subscribe(consumer, [command.request.topic], async (envelope) => {
      if (envelope.type !== command.request.type) return;
      if (this.expired(consumer, envelope)) return;
      const pushReply = (
        push: (message: OutgoingMessage) => void,
        outcome: { result: z.infer<Res> } | { error: unknown },
      ) => {
        const message = replyTo(command, envelope, outcome);
        if (message) push(message);
      };
      try {
        const payload = envelope.payload as z.infer<Req>;
        const prepared = options.prepare
          ? await options.prepare(payload, { consumer, messageId: envelope.id })
          : (undefined as P);
        if (prepared === HANDLED) return;
        await handleOnce(this.sending, this.schema, consumer, envelope.id, async (raw) => {
          const { tx, push, flush } = this.wrap(raw);
          const outcome = await handler(payload, envelope as Envelope<z.infer<Req>>, tx, prepared);
          // The reply commits with the handler's own writes and events, in one append: all or none.
          pushReply(push, outcome instanceof Rejection ? { error: outcome.error } : { result: outcome });
          await flush();
        });
      } catch (error) {
        // A retryable failure is retried by the consumer. Any other is the answer: the
        // handler's writes rolled back, and the error reply is recorded once.
        if (canRetry(error)) throw error;
        await handleOnce(this.sending, this.schema, consumer, envelope.id, (raw) => {
          const { push, flush } = this.wrap(raw);
          pushReply(push, { error });
          return flush();
        });
      }
    });
  }

  /**
   * Serves a read-only command: the handler reads through the database and cannot emit, so there
   * is no effect to make once and no inbox row or outbox write to pay for. The reply goes straight
   * to the log; if that publish fails, the request is delivered again and answered then.
   */
  async query<Req extends z.ZodType, Res extends z.ZodType>(
    command: CommandContract<Req, Res>,
    handler: (
      payload: z.infer<Req>,
      envelope: Envelope<z.infer<Req>>,
      db: Executor,
    ) => Promise<z.infer<Res> | Rejection>,
  ): Promise<Subscription> {
    const consumer = `${this.name}.${command.request.type}`;
    return this.subscribe(consumer, [command.request.topic], async (envelope) => {
      if (envelope.type !== command.request.type) return;
      if (this.expired(consumer, envelope)) return;
      let outcome: { result: z.infer<Res> } | { error: unknown };
      try {
        const result = await handler(
          envelope.payload as z.infer<Req>,
          envelope as Envelope<z.infer<Req>>,
          this.db,
        );
        outcome = result instanceof Rejection ? { error: result.error } : { result };
      } catch (error) {
        if (canRetry(error)) throw error;
        outcome = { error };
      }
      const message = replyTo(command, envelope, outcome);
      if (!message) return;
      checkPayload(message.envelope);
      await this.transport.publish([message]);
    });
  }

  /** A raw subscription with contract checks, retries and DLQ, but no inbox. */
  async subscribe(
    consumer: string,
    topics: readonly string[],
    handle: (envelope: Envelope) => Promise<void>,
  ): Promise<Subscription> {
    const subscription = await this.transport.subscribe({
      groupId: consumer,
      topics,
      handler: createConsumer({
        name: consumer,
        transport: this.transport,
        log: this.log,
        metrics: this.metrics,
        retry: {
          maxAttempts: this.config.CONSUMER_MAX_ATTEMPTS,
          baseDelayMs: this.config.CONSUMER_RETRY_BASE_MS,
        },
        signal: this.abort.signal,
        handle,
      }),
    });
    this.subscriptions.push({ group: consumer, subscription });
    return subscription;
  }

  /** The partitions this instance holds now, as "topic:partition". */
  assignment(): string[] {
    return this.subscriptions.flatMap((s) => s.subscription.assignment());
  }

  /** How many partitions this instance holds now, per consumer group (metrics). */
  held(): { group: string; partitions: number }[] {
    return this.subscriptions.map((s) => ({
      group: s.group,
      partitions: s.subscription.assignment().length,
    }));
  }

  /** Stops every subscription of this service (after the message in flight). */
  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all(this.subscriptions.map((s) => s.subscription.stop()));
    this.subscriptions.length = 0;
  }

  /** A request whose requester gave up: skipped (and counted), its work would be waste. */
  private expired(consumer: string, envelope: Envelope): boolean {
    if (!deadlinePassed(envelope)) return false;
    this.metrics.handled.inc({ consumer, type: envelope.type, outcome: "expired" });
    return true;
  }

  private wrap(raw: SendingTx): {
    tx: Tx;
    flush: () => Promise<void>;
    push: (message: OutgoingMessage) => void;
  } {
    const outgoing: OutgoingMessage[] = [];
    const tx: Tx = {
      query: (text, params) => raw.query(text, params),
      emit: (contract, key, payload, cause) => {
        outgoing.push(this.message(contract, key, payload, cause));
      },
    };
    return {
      tx,
      push: (message) => outgoing.push(message),
      flush: () => raw.send(outgoing.splice(0)),
    };
  }
}
