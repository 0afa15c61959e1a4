import type { Database, Executor } from "../../src/db/database.ts";
import { DatabaseProvider } from "../../src/db/provider.ts";
import type { ServiceName } from "../../src/platform/config.ts";

/** What the platform asked of its databases, by kind of statement. */
export interface StatementCounts {
  statements: number;
  transactions: number;
  byKind: Record<string, number>;
}

/** A statement's kind from its first words: the log's own traffic apart from the services'. */
export function kindOf(sql: string): string {
  const head = sql.slice(0, 160).replace(/\s+/g, " ").trim().toLowerCase();
  if (/^select .* from "[^"]+"\.messages where topic = \$1 and partition = \$2/.test(head))
    return "log fetch";
  if (/^insert into "[^"]+"\.messages/.test(head)) return "log append";
  if (/^insert into "[^"]+"\.offsets/.test(head)) return "log offset commit";
  if (/outbox_lease/.test(head)) return "outbox lease";
  if (/^select seq, topic, key, envelope, headers from "[^"]+"\.outbox/.test(head))
    return "outbox relay select";
  if (/^delete from "[^"]+"\.outbox where seq/.test(head)) return "outbox relay delete";
  if (/^insert into "[^"]+"\.outbox /.test(head)) return "outbox write";
  if (/^insert into "[^"]+"\.inbox/.test(head)) return "inbox";
  return "service";
}

/**
 * The platform's DatabaseProvider, counting statements while `counting` is on: how much
 * database work one login, one read or one idle second costs does not depend on how busy the
 * machine is, unlike their timings.
 */
export class CountingProvider extends DatabaseProvider {
  counting = false;
  readonly counts: StatementCounts = { statements: 0, transactions: 0, byKind: {} };
  private readonly wrapped = new WeakMap<Database, Database>();

  override async forService(service: ServiceName | "log"): Promise<Database> {
    const db = await super.forService(service);
    let w = this.wrapped.get(db);
    if (!w) {
      w = this.wrap(db);
      this.wrapped.set(db, w);
    }
    return w;
  }

  snapshot(): StatementCounts {
    return { ...this.counts, byKind: { ...this.counts.byKind } };
  }

  private count(sql: string): void {
    if (!this.counting) return;
    this.counts.statements++;
    const kind = kindOf(sql);
    this.counts.byKind[kind] = (this.counts.byKind[kind] ?? 0) + 1;
  }

  private wrap(db: Database): Database {
    const executor = (inner: Executor): Executor => ({
      query: (text, params) => {
        this.count(text);
        return inner.query(text, params);
      },
    });
    return {
      kind: db.kind,
      query: (text, params) => {
        this.count(text);
        return db.query(text, params);
      },
      transaction: (fn) => {
        if (this.counting) this.counts.transactions++;
        return db.transaction((tx) => fn(executor(tx)));
      },
      exec: (script) => db.exec(script),
      tryLock: (name) => db.tryLock(name),
      ping: () => db.ping(),
      close: () => db.close(),
    };
  }
}
