import postgres from "postgres";

export type Row = Record<string, unknown>;

/** What a repository needs: parameterised SQL in, rows out. Both drivers speak the same dialect. */
export interface Executor {
  query<T = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
}

export interface Database extends Executor {
  readonly kind: "pglite" | "postgres";
  /** Runs fn in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Executor) => Promise<T>): Promise<T>;
  /** Several statements, no parameters (migrations). */
  exec(script: string): Promise<void>;
  /**
   * Takes a lock only one process may hold (a PostgreSQL session advisory lock on a connection
   * of its own, kept until released or the connection ends): its release, or undefined when
   * another session holds it. PGlite belongs to one process already (its data directory's lock),
   * so there it always succeeds.
   */
  tryLock(name: string): Promise<(() => Promise<void>) | undefined>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Opens a postgres.js pool. Multi-host URLs and target_session_attrs make failover config-free. */
export function openPostgres(
  url: string,
  options: { max?: number; applicationName?: string } = {},
): Database {
  const clientOptions = {
    onnotice: () => {},
    connect_timeout: 5,
    backoff: reconnectDelaySeconds,
    connection: { application_name: options.applicationName ?? "ledgerline" },
    types: {
      // int8 as a JS number: counters and offsets stay far below 2^53.
      bigint: {
        to: 20,
        from: [20],
        parse: (value: string) => Number(value),
        serialize: (value: number) => String(value),
      },
    },
  };
  const sql = postgres(url, { ...clientOptions, max: options.max ?? 10, idle_timeout: 30 });
  const run = async <T>(
    target: postgres.Sql | postgres.TransactionSql,
    text: string,
    params?: readonly unknown[],
  ): Promise<T[]> =>
    (await target.unsafe(text, (params ?? []) as postgres.ParameterOrJSON<never>[])) as unknown as T[];
  return {
    kind: "postgres",
    query: (text, params) => run(sql, text, params),
    transaction: async (fn) => {
      // postgres.js 3.4.9 writes to a lost connection's null socket and throws an uncatchable
      // TypeError from a timer, taking the process down (porsager/postgres#1154, #1208), when a
      // transaction goes on after its connection closed: fn's next query, or the COMMIT or
      // ROLLBACK that begin sends once fn settles. So once the loss is seen (a query of fn failed
      // with the socket gone, or begin rejected, as it does at once when the connection closes),
      // fn's further queries reject here with that error, and fn's outcome is not handed back to
      // begin, which has nothing to commit or roll back on a connection that is gone (the server
      // rolled it back) and has already rejected with the loss.
      let lost: unknown;
      const begun = sql.begin(
        (tx) =>
          new Promise((resolve, reject) => {
            const guarded: Executor = {
              query: async (text, params) => {
                if (lost) throw lost;
                try {
                  return await run(tx, text, params);
                } catch (error) {
                  if (socketGone(error)) lost ??= error;
                  throw error;
                }
              },
            };
            fn(guarded).then(
              (value) => lost === undefined && resolve(value),
              (error: unknown) => lost === undefined && reject(error),
            );
          }),
      );
      begun.catch((error: unknown) => {
        lost ??= error;
      });
      return (await begun) as never;
    },
    exec: async (script) => {
      await sql.unsafe(script);
    },
    tryLock: async (name) => {
      // The lock's session is a client of its own with one connection that is never closed for
      // idleness or age, not a connection reserved from the pool: postgres.js 3.4.9 throws an
      // uncatchable TypeError (a write to a null socket) on the next query of a reserved
      // connection whose backend went away (porsager/postgres#1208), which would take the
      // process down when it releases the lock after a database restart. A client's own
      // connection reconnects instead (in a new session, without the lock: the log's writer epoch
      // covers that, see EmbeddedTransport). Two 32-bit keys: the namespace and the name, so
      // unrelated advisory locks do not collide.
      const session = postgres(url, { ...clientOptions, max: 1, idle_timeout: 0, max_lifetime: 0 }); // 0: never
      try {
        const [row] = await session<{ ok: boolean }[]>`
          select pg_try_advisory_lock(hashtext('ledgerline'), hashtext(${name})) as ok`;
        if (!row?.ok) {
          await session.end({ timeout: 5 });
          return undefined;
        }
      } catch (error) {
        await session.end({ timeout: 5 });
        throw error;
      }
      return async () => {
        try {
          await session`select pg_advisory_unlock(hashtext('ledgerline'), hashtext(${name}))`;
        } finally {
          await session.end({ timeout: 5 });
        }
      };
    },
    ping: async () => {
      await sql`select 1`;
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

/**
 * Seconds a pooled connection waits before reconnecting after the database went away: doubling
 * from 50 ms, jittered, capped at 1 s. postgres.js's default grows 3^n/100 s up to 20 s on a
 * failure count shared by the whole pool, so ten connections failing through a 10 s outage left
 * queries queued for up to 20 s after the database was back.
 */
export function reconnectDelaySeconds(failures: number): number {
  return Math.min(0.05 * 2 ** failures, 1) * (0.5 + Math.random() / 2);
}

/** Quotes an SQL identifier (schema and table names built from configuration or tests). */
export function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`not a safe SQL identifier: ${name}`);
  return `"${name}"`;
}

/** Error codes of a database that cannot be reached right now (network, restart, failover). */
/** postgres.js's and the socket's own codes for a connection that is gone (no SQLSTATE: the server said nothing). */
const SOCKET_GONE = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_DESTROYED",
  "CONNECTION_ENDED",
  "ECONNRESET",
  "EPIPE",
]);

const UNAVAILABLE_CODES = new Set([
  ...SOCKET_GONE,
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  // postgres.js
  "CONNECT_TIMEOUT",
  // SQLSTATE: too many connections, shutting down, cannot connect now, read-only after a failover
  "53300",
  "57P01",
  "57P02",
  "57P03",
  "25006",
]);

function socketGone(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && SOCKET_GONE.has(code);
}

/**
 * Whether an error says the database is unreachable rather than that the work is wrong: the same
 * work will succeed once it is back, however long that takes (so it must not use up a message's
 * tries). SQLSTATE class 08 is "connection exception".
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)))
      return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
