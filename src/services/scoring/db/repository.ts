import type { Executor } from "../../../db/database.ts";
import { ident } from "../../../db/database.ts";
import type { ScoreFactor, ScoreTier } from "../../../contracts/scoring/index.ts";
import type { ScoreInputs } from "../domain/score.ts";

export interface StoredScore {
  readonly score: number;
  readonly tier: ScoreTier;
  readonly factors: ScoreFactor[];
  readonly calculatedAt: Date;
}

const DAY_MS = 86_400_000;
const daysBefore = (now: Date, days: number): Date => new Date(now.getTime() - days * DAY_MS);

/** SQL of the scoring schema: the input copies and the score history. */
export class ScoringRepository {
  private readonly s: string;

  constructor(schema: string) {
    this.s = ident(schema);
  }

  /** Applies a user.changed state if it is newer than the one held. */
  async upsertUser(
    tx: Executor,
    u: { userId: string; status: string; createdAt: Date; version: number },
  ): Promise<void> {
    await tx.query(
      `insert into ${this.s}.users (user_id, status, created_at, version) values ($1, $2, $3, $4)
       on conflict (user_id) do update set status = excluded.status, created_at = excluded.created_at, version = excluded.version
       where ${this.s}.users.version < excluded.version`,
      [u.userId, u.status, u.createdAt, u.version],
    );
  }

  async addInvoice(
    tx: Executor,
    i: { invoiceId: string; userId: string; totalCents: number; currency: string; generatedAt: Date },
  ): Promise<void> {
    await tx.query(
      `insert into ${this.s}.invoices (invoice_id, user_id, total_cents, currency, generated_at) values ($1, $2, $3, $4, $5)
       on conflict (invoice_id) do nothing`,
      [i.invoiceId, i.userId, i.totalCents, i.currency, i.generatedAt],
    );
  }

  async addLock(tx: Executor, l: { eventId: string; userId: string; lockedAt: Date }): Promise<void> {
    await tx.query(
      `insert into ${this.s}.locks (event_id, user_id, locked_at) values ($1, $2, $3) on conflict do nothing`,
      [l.eventId, l.userId, l.lockedAt],
    );
  }

  async addLoginDay(tx: Executor, userId: string, day: string): Promise<void> {
    await tx.query(`insert into ${this.s}.login_days (user_id, day) values ($1, $2) on conflict do nothing`, [
      userId,
      day,
    ]);
  }

  /** Everything computeScore needs about one user, as of `now`, in one read. */
  async inputs(db: Executor, userId: string, now: Date): Promise<ScoreInputs> {
    const [row] = await db.query<{
      status: ScoreInputs["status"];
      created_at: Date | null;
      invoices: number | string;
      locks: number | string;
      login_days: number | string;
      volumes: { currency: string; total: number | string }[];
    }>(
      `select u.status, u.created_at,
         (select count(*) from ${this.s}.invoices where user_id = $1 and generated_at > $2 and generated_at <= $5) as invoices,
         (select count(*) from ${this.s}.locks where user_id = $1 and locked_at > $3 and locked_at <= $5) as locks,
         (select count(*) from ${this.s}.login_days where user_id = $1 and day > $4::date and day <= $5::date) as login_days,
         (select coalesce(json_agg(json_build_object('currency', currency, 'total', total::text)), '[]'::json)
            from (select currency, sum(total_cents) as total from ${this.s}.invoices
                  where user_id = $1 and generated_at > $3 and generated_at <= $5 group by currency) v) as volumes
       from (select) one left join ${this.s}.users u on u.user_id = $1`,
      [
        userId,
        daysBefore(now, 90),
        daysBefore(now, 365),
        daysBefore(now, 30).toISOString().slice(0, 10),
        now,
      ],
    );
    return {
      status: row?.status ?? null,
      accountCreatedAt: row?.created_at ? new Date(row.created_at) : null,
      invoicesLast90Days: Number(row?.invoices ?? 0),
      volumeLast365Days: (row?.volumes ?? []).map((v) => ({
        currency: v.currency,
        totalCents: Number(v.total),
      })),
      loginDaysLast30: Number(row?.login_days ?? 0),
      locksLast365Days: Number(row?.locks ?? 0),
    };
  }

  /** Stores a calculation; false when one with this request id exists already. */
  async addScore(
    tx: Executor,
    s: StoredScore & { id: string; userId: string; requestId: string; trigger: string },
  ): Promise<boolean> {
    const rows = await tx.query(
      `insert into ${this.s}.scores (id, user_id, request_id, trigger, score, tier, factors, calculated_at)
       values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) on conflict (user_id, request_id) do nothing returning id`,
      [s.id, s.userId, s.requestId, s.trigger, s.score, s.tier, s.factors, s.calculatedAt],
    );
    return rows.length === 1;
  }

  /** The last `limit` calculations, newest first. */
  async history(db: Executor, userId: string, limit: number): Promise<StoredScore[]> {
    const rows = await db.query<{
      score: number;
      tier: ScoreTier;
      factors: ScoreFactor[];
      calculated_at: Date;
    }>(
      `select score, tier, factors, calculated_at from ${this.s}.scores where user_id = $1
       order by calculated_at desc, id desc limit $2`,
      [userId, limit],
    );
    return rows.map((r) => ({
      score: r.score,
      tier: r.tier,
      factors: r.factors,
      calculatedAt: new Date(r.calculated_at),
    }));
  }
}
