import type { Executor } from "../../../db/database.ts";
import { ident } from "../../../db/database.ts";
import type { ResetToken, UserView } from "../domain/reset.ts";

interface TokenRow {
  [column: string]: unknown;
  token_hash: string;
  user_id: string;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
  voided_at: Date | null;
}

const toToken = (r: TokenRow): ResetToken => ({
  tokenHash: r.token_hash,
  userId: r.user_id,
  createdAt: new Date(r.created_at),
  expiresAt: new Date(r.expires_at),
  usedAt: r.used_at && new Date(r.used_at),
  voidedAt: r.voided_at && new Date(r.voided_at),
});

type UserRow = UserView & { [column: string]: unknown };

/**
 * SQL of the password schema. Writers lock the user's view row before touching its tokens, so
 * changes to one user's tokens happen one at a time.
 */
export class PasswordRepository {
  private readonly s: string;

  constructor(schema: string) {
    this.s = ident(schema);
  }

  /** Stores a user's state if it is newer than the one kept; false when it was not. */
  async saveUser(tx: Executor, user: UserView): Promise<boolean> {
    const rows = await tx.query(
      `insert into ${this.s}.users as u (id, email, status, version) values ($1, $2, $3, $4)
       on conflict (id) do update set email = excluded.email, status = excluded.status, version = excluded.version
         where u.version < excluded.version
       returning id`,
      [user.id, user.email, user.status, user.version],
    );
    return rows.length === 1;
  }

  async lockUser(tx: Executor, id: string): Promise<UserView | undefined> {
    const rows = await tx.query<UserRow>(
      `select id, email, status, version from ${this.s}.users where id = $1 for update`,
      [id],
    );
    return rows[0];
  }

  /** The ACTIVE user with this email, locked (an email may also sit on EXPIRED rows). */
  async lockActiveUserByEmail(tx: Executor, email: string): Promise<UserView | undefined> {
    const rows = await tx.query<UserRow>(
      `select id, email, status, version from ${this.s}.users where email = $1 and status = 'ACTIVE' for update`,
      [email],
    );
    return rows[0];
  }

  async token(tx: Executor, tokenHash: string): Promise<ResetToken | undefined> {
    const rows = await tx.query<TokenRow>(`select * from ${this.s}.reset_tokens where token_hash = $1`, [
      tokenHash,
    ]);
    return rows[0] && toToken(rows[0]);
  }

  async addToken(tx: Executor, token: ResetToken): Promise<void> {
    await tx.query(
      `insert into ${this.s}.reset_tokens (token_hash, user_id, created_at, expires_at) values ($1, $2, $3, $4)`,
      [token.tokenHash, token.userId, token.createdAt, token.expiresAt],
    );
  }

  /** Voids a user's unused tokens (a newer link, a redeemed one, or the user is no longer ACTIVE). */
  async voidTokens(tx: Executor, userId: string, now: Date): Promise<number> {
    const rows = await tx.query(
      `update ${this.s}.reset_tokens set voided_at = $2
       where user_id = $1 and used_at is null and voided_at is null returning token_hash`,
      [userId, now],
    );
    return rows.length;
  }

  /** Marks a token used if it still is unused, not voided and not expired: of concurrent redemptions one wins. */
  async useToken(tx: Executor, tokenHash: string, now: Date): Promise<boolean> {
    const rows = await tx.query(
      `update ${this.s}.reset_tokens set used_at = $2
       where token_hash = $1 and used_at is null and voided_at is null and expires_at > $2
       returning token_hash`,
      [tokenHash, now],
    );
    return rows.length === 1;
  }
}
