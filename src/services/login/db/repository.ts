import type { Executor } from "../../../db/database.ts";
import { ident } from "../../../db/database.ts";
import type { InboxKey } from "../../../messaging/inbox.ts";
import { inboxHolds } from "../../../messaging/inbox.ts";
import type { AttemptState } from "../domain/lockout-policy.ts";
import { cleanState } from "../domain/lockout-policy.ts";

export interface Credentials {
  userId: string;
  email: string;
  role: "user" | "admin";
  status: "PENDING" | "ACTIVE" | "SUSPENDED" | "EXPIRED";
  fullName: string | null;
  passwordHash: string;
  version: number;
}

export interface SessionRow {
  id: string;
  userId: string;
  tokenHash: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  ip: string;
  userAgent: string;
}

const CREDENTIALS_COLUMNS = `user_id as "userId", email, role, status, full_name as "fullName",
  password_hash as "passwordHash", version`;
const ATTEMPT_COLUMNS = "failures, lock_count, locked_until, permanent";

interface AttemptRow {
  failures: number;
  lock_count: number;
  locked_until: Date | null;
  permanent: boolean;
}

/** The counters of an attempts row; no row is a clean state. */
function attemptState(row: AttemptRow | undefined): AttemptState {
  if (!row) return cleanState;
  return {
    failures: row.failures,
    lockCount: row.lock_count,
    lockedUntil: row.locked_until,
    permanent: row.permanent,
  };
}

/** login's tables: its credentials view, attempt counters, sessions and history. */
export class LoginRepository {
  private readonly s: string;

  constructor(private readonly schema: string) {
    this.s = ident(schema);
  }

  async credentialsByEmail(db: Executor, email: string): Promise<Credentials | undefined> {
    const rows = await db.query<Credentials>(
      `select ${CREDENTIALS_COLUMNS} from ${this.s}.credentials where email = $1`,
      [email],
    );
    return rows[0];
  }

  async credentialsById(db: Executor, userId: string): Promise<Credentials | undefined> {
    const rows = await db.query<Credentials>(
      `select ${CREDENTIALS_COLUMNS} from ${this.s}.credentials where user_id = $1`,
      [userId],
    );
    return rows[0];
  }

  /** Applies a credentials event if it is newer than what the view holds. */
  async upsertCredentials(db: Executor, c: Credentials): Promise<boolean> {
    // An email freed by an expired signup may be taken by a new user id.
    await db.query(`delete from ${this.s}.credentials where email = $1 and user_id <> $2`, [
      c.email,
      c.userId,
    ]);
    const rows = await db.query(
      `insert into ${this.s}.credentials (user_id, email, role, status, full_name, password_hash, version)
       values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (user_id) do update set email = excluded.email, role = excluded.role, status = excluded.status,
         full_name = excluded.full_name, password_hash = excluded.password_hash, version = excluded.version
         where ${this.s}.credentials.version < excluded.version
       returning user_id`,
      [c.userId, c.email, c.role, c.status, c.fullName, c.passwordHash, c.version],
    );
    return rows.length === 1;
  }

  /** An email's attempt counters and credentials, in one statement (what a login reads first). */
  /**
   * The email's attempt counters and credentials, and whether the inbox holds the login command
   * already (a redelivery), in one statement: the check costs no statement of its own.
   */
  async attemptsAndCredentials(
    db: Executor,
    email: string,
    inbox: InboxKey,
  ): Promise<{ attempts: AttemptState; user: Credentials | undefined; handled: boolean }> {
    // `using (email)` merges the email columns, so the column lists below stay unqualified. A
    // side the left joins found no row for reads as nulls (the row type says what a found row holds).
    const rows = await db.query<AttemptRow & Credentials & { handled: boolean }>(
      `select ${ATTEMPT_COLUMNS}, ${CREDENTIALS_COLUMNS},
              ${inboxHolds(this.schema, 2, 3)} as handled
         from (select $1::text as email) k
         left join ${this.s}.attempts using (email)
         left join ${this.s}.credentials using (email)`,
      [email, inbox.consumer, inbox.messageId],
    );
    const { failures, lock_count, locked_until, permanent, handled, ...user } = rows[0]!;
    return {
      attempts: attemptState(
        failures === null ? undefined : { failures, lock_count, locked_until, permanent },
      ),
      user: user.userId === null ? undefined : user,
      handled,
    };
  }

  async attempts(db: Executor, email: string): Promise<AttemptState> {
    const rows = await db.query<AttemptRow>(
      `select ${ATTEMPT_COLUMNS} from ${this.s}.attempts where email = $1`,
      [email],
    );
    return attemptState(rows[0]);
  }

  async saveAttempts(db: Executor, email: string, state: AttemptState): Promise<void> {
    await db.query(
      `insert into ${this.s}.attempts (email, failures, lock_count, locked_until, permanent, updated_at)
       values ($1, $2, $3, $4, $5, now())
       on conflict (email) do update set failures = excluded.failures, lock_count = excluded.lock_count,
         locked_until = excluded.locked_until, permanent = excluded.permanent, updated_at = now()`,
      [email, state.failures, state.lockCount, state.lockedUntil, state.permanent],
    );
  }

  /**
   * A new session and the successful login it records in the history (at the session's creation,
   * from its client), in one statement: a data-modifying WITH runs whether or not it is read.
   */
  async openSession(db: Executor, session: SessionRow): Promise<void> {
    await db.query(
      `with session as (
         insert into ${this.s}.sessions (id, user_id, token_hash, created_at, last_seen_at, expires_at, ip, user_agent)
         values ($1, $2, $3, $4, $5, $6, $7, $8))
       insert into ${this.s}.history (user_id, at, ip, user_agent, outcome) values ($2, $4, $7, $8, 'success')`,
      [
        session.id,
        session.userId,
        session.tokenHash,
        session.createdAt,
        session.lastSeenAt,
        session.expiresAt,
        session.ip,
        session.userAgent,
      ],
    );
  }

  /** A live session by token hash, its last-seen time moved to now. */
  async touchSession(
    db: Executor,
    tokenHash: string,
    now: Date,
    idleSince: Date,
  ): Promise<SessionRow | undefined> {
    const rows = await db.query<SessionRow>(
      `update ${this.s}.sessions set last_seen_at = $2
        where token_hash = $1 and revoked_at is null and expires_at > $2 and last_seen_at > $3
        returning id, user_id as "userId", token_hash as "tokenHash", created_at as "createdAt",
          last_seen_at as "lastSeenAt", expires_at as "expiresAt", ip, user_agent as "userAgent"`,
      [tokenHash, now, idleSince],
    );
    return rows[0];
  }

  async liveSessions(db: Executor, userId: string, now: Date): Promise<SessionRow[]> {
    return db.query<SessionRow>(
      `select id, user_id as "userId", token_hash as "tokenHash", created_at as "createdAt",
          last_seen_at as "lastSeenAt", expires_at as "expiresAt", ip, user_agent as "userAgent"
         from ${this.s}.sessions where user_id = $1 and revoked_at is null and expires_at > $2
        order by created_at desc`,
      [userId, now],
    );
  }

  /** Revokes the user's live sessions (one, or all but one, or all); returns those revoked. */
  async revoke(
    db: Executor,
    userId: string,
    which: { only?: string; except?: string },
    reason: string,
    now: Date,
  ): Promise<{ id: string; tokenHash: string }[]> {
    return db.query<{ id: string; tokenHash: string }>(
      `update ${this.s}.sessions set revoked_at = $2, revoked_reason = $3
        where user_id = $1 and revoked_at is null
          and ($4::uuid is null or id = $4::uuid) and ($5::uuid is null or id <> $5::uuid)
        returning id, token_hash as "tokenHash"`,
      [userId, now, reason, which.only ?? null, which.except ?? null],
    );
  }

  async addHistory(
    db: Executor,
    entry: { userId: string; at: Date; ip: string; userAgent: string; outcome: string },
  ): Promise<void> {
    await db.query(
      `insert into ${this.s}.history (user_id, at, ip, user_agent, outcome) values ($1, $2, $3, $4, $5)`,
      [entry.userId, entry.at, entry.ip, entry.userAgent, entry.outcome],
    );
  }

  async history(db: Executor, userId: string, limit: number) {
    return db.query<{ at: Date; ip: string; userAgent: string; outcome: string }>(
      `select at, ip, user_agent as "userAgent", outcome from ${this.s}.history where user_id = $1
        order by at desc, id desc limit $2`,
      [userId, limit],
    );
  }
}
