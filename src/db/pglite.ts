import { mkdirSync } from "node:fs";
import type { Results } from "@electric-sql/pglite";
import { Mutex, PGlite, parse, protocol } from "@electric-sql/pglite";
import type { Database, Executor } from "./database.ts";

const { serialize } = protocol;

/** A statement prepared on the instance: its server-side name and its parameters' type OIDs. */
interface Prepared {
  readonly name: string;
  readonly types: readonly number[];
}

/** How many distinct SQL texts stay prepared by default; the oldest is closed when a new one needs room. */
const PREPARED_CAPACITY = 500;

export interface PgliteOptions {
  /** Distinct SQL texts kept prepared (default 500; the services' statements are far fewer). */
  readonly preparedCapacity?: number;
}

/** A transaction's BEGIN, sent ahead of its first statement's bind. */
const BEGIN = serialize.query("begin");

/** SQLSTATE of "cached plan must not change result type": a table changed under a prepared statement. */
const PLAN_CHANGED = "0A000";

/**
 * Opens PGlite (in memory when dataDir is undefined or "memory://", else persisted in dataDir)
 * and runs its statements as named prepared statements, one trip into its WebAssembly each.
 *
 * PGlite's own `query` parses, plans and describes every statement again and crosses into the
 * WebAssembly six times for it (parse, describe, bind, describe, execute, sync). On the embedded
 * defaults every hot path is a handful of statements, so this prepares each distinct SQL text
 * once (its parameter types described once) and then sends bind, describe, execute and sync as
 * one message; PostgreSQL keeps the plan. Measured 2–3× less CPU per statement
 * (docs/decisions/0010-pglite-prepared-statements.md).
 *
 * Only the returned Database may use the instance: it runs one transaction at a time with a
 * mutex of its own, as PGlite's `transaction` does, and each statement under PGlite's
 * `runExclusive`.
 */
export async function openPglite(dataDir?: string, options: PgliteOptions = {}): Promise<Database> {
  const inMemory = dataDir === undefined || dataDir.startsWith("memory://");
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  const pg = await PGlite.create(inMemory ? undefined : dataDir);
  const statements = new PreparedStatements(pg, options.preparedCapacity ?? PREPARED_CAPACITY);
  const transactions = new Mutex();
  let closed = false;

  const query = <T>(text: string, params: readonly unknown[] = []): Promise<T[]> =>
    transactions.runExclusive(async () => {
      const rows = await statements.run<T>(text, params);
      await pg.syncToFs();
      return rows;
    });

  return {
    kind: "pglite",
    query,
    transaction: (fn) =>
      transactions.runExclusive(async () => {
        // BEGIN rides with the transaction's first statement, in the same trip into the
        // WebAssembly; a transaction that runs no statement sends neither BEGIN nor COMMIT.
        let open = true;
        let begun = false;
        const tx: Executor = {
          query: <R>(text: string, params: readonly unknown[] = []) => {
            if (!open) return Promise.reject(new Error("the transaction has ended"));
            if (begun) return statements.run<R>(text, params);
            begun = true;
            return statements.run<R>(text, params, BEGIN);
          },
        };
        let result;
        try {
          result = await fn(tx);
        } catch (error) {
          open = false;
          if (begun) await statements.simple("rollback");
          throw error;
        }
        open = false;
        if (!begun) return result;
        // A statement that failed and was caught leaves the transaction aborted: COMMIT rolls back.
        if ((await statements.simple("commit")) === "ROLLBACK")
          throw new Error("the transaction was rolled back: one of its statements had failed");
        await pg.syncToFs();
        return result;
      }),
    exec: (script) =>
      transactions.runExclusive(async () => {
        await pg.exec(script);
      }),
    // PGlite belongs to one process already (its data directory's lock): always held.
    tryLock: async () => async () => {},
    ping: async () => {
      await query("select 1");
    },
    close: async () => {
      if (closed) return;
      closed = true;
      await pg.close();
    },
  };
}

/** The statements prepared on one PGlite instance, by SQL text. */
class PreparedStatements {
  private readonly prepared = new Map<string, Prepared>();
  /** Close messages for statements pushed out of the cache, sent ahead of the next statement. */
  private evicted: Uint8Array[] = [];
  private seq = 0;

  constructor(
    private readonly pg: PGlite,
    private readonly capacity: number,
  ) {}

  /**
   * One statement, inside whatever transaction is open: one trip once its text is prepared.
   * `before` goes ahead of it in the same trip (a simple query: BEGIN); the result is the last.
   */
  run<T>(text: string, params: readonly unknown[], before?: Uint8Array): Promise<T[]> {
    return this.pg.runExclusive(async () => {
      const prepared = this.prepared.get(text) ?? (await this.prepare(text));
      const values = params.map((value, i) => {
        if (value === null || value === undefined) return null;
        const type = prepared.types[i];
        const serializer = type === undefined ? undefined : this.pg.serializers[type];
        return serializer ? serializer(value) : String(value);
      });
      try {
        const { messages } = await this.pg.execProtocol(
          concat([
            ...(before ? [before] : []),
            ...this.takeEvicted(),
            serialize.bind({ statement: prepared.name, values }),
            serialize.describe({ type: "P" }),
            serialize.execute({}),
            serialize.sync(),
          ]),
          { syncToFs: false },
        );
        return (parse.parseResults(messages, this.pg.parsers).at(-1) as Results<T> | undefined)?.rows ?? [];
      } catch (error) {
        if ((error as { code?: unknown }).code === PLAN_CHANGED) this.forget(text);
        throw withQuery(error, text);
      }
    });
  }

  /** A statement without parameters (begin, commit, rollback): its command tag. */
  simple(text: string): Promise<string | undefined> {
    return this.pg.runExclusive(async () => {
      const { messages } = await this.pg.execProtocol(serialize.query(text), { syncToFs: false });
      const done = messages.find((m) => m.name === "commandComplete") as { text: string } | undefined;
      return done?.text;
    });
  }

  private async prepare(text: string): Promise<Prepared> {
    const name = `ll_${++this.seq}`;
    let types: readonly number[];
    try {
      const { messages } = await this.pg.execProtocol(
        concat([
          ...this.takeEvicted(),
          serialize.parse({ name, text }),
          serialize.describe({ type: "S", name }),
          serialize.sync(),
        ]),
        { syncToFs: false },
      );
      const description = messages.find((m) => m.name === "parameterDescription") as
        { dataTypeIDs: number[] } | undefined;
      types = description?.dataTypeIDs ?? [];
    } catch (error) {
      throw withQuery(error, text);
    }
    if (this.prepared.size >= this.capacity) {
      const oldest = this.prepared.keys().next().value;
      if (oldest !== undefined) this.forget(oldest);
    }
    const prepared = { name, types };
    this.prepared.set(text, prepared);
    return prepared;
  }

  private forget(text: string): void {
    const prepared = this.prepared.get(text);
    if (!prepared) return;
    this.prepared.delete(text);
    this.evicted.push(serialize.close({ type: "S", name: prepared.name }));
  }

  private takeEvicted(): Uint8Array[] {
    if (this.evicted.length === 0) return [];
    const out = this.evicted;
    this.evicted = [];
    return out;
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The SQL that failed, on the error, as PGlite's own `query` does. */
function withQuery(error: unknown, text: string): unknown {
  if (error && typeof error === "object") (error as { query?: string }).query = text;
  return error;
}
