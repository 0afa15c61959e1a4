import type { Executor } from "../../../db/database.ts";
import { ident } from "../../../db/database.ts";
import type { ActivationToken, Registration } from "../domain/activation.ts";

interface RegistrationRow {
  [column: string]: unknown;
  user_id: string;
  email: string;
  registered_at: Date;
  activated_at: Date | null;
  expired_at: Date | null;
}

const toRegistration = (r: RegistrationRow): Registration => ({
  userId: r.user_id,
  email: r.email,
  registeredAt: new Date(r.registered_at),
  activatedAt: r.activated_at && new Date(r.activated_at),
  expiredAt: r.expired_at && new Date(r.expired_at),
});

/**
 * SQL of the activation schema. Writers lock a registration before its tokens (confirm, resend
 * and the sweep alike), so two of them never wait on each other crosswise.
 */
export class ActivationRepository {
  private readonly s: string;

  constructor(schema: string) {
    this.s = ident(schema);
  }

  /** Records a signup once; false when it was already known. */
  async addRegistration(tx: Executor, registration: Registration): Promise<boolean> {
    const rows = await tx.query(
      `insert into ${this.s}.registrations (user_id, email, registered_at) values ($1, $2, $3)
       on conflict (user_id) do nothing returning user_id`,
      [registration.userId, registration.email, registration.registeredAt],
    );
    return rows.length === 1;
  }

  /** The newest registration of an email that is neither activated nor expired, locked. */
  async openRegistrationOf(tx: Executor, email: string): Promise<Registration | undefined> {
    const rows = await tx.query<RegistrationRow>(
      `select * from ${this.s}.registrations
       where email = $1 and activated_at is null and expired_at is null
       order by registered_at desc limit 1 for update`,
      [email],
    );
    return rows[0] && toRegistration(rows[0]);
  }

  async addToken(tx: Executor, token: ActivationToken): Promise<void> {
    await tx.query(
      `insert into ${this.s}.tokens (token_hash, user_id, email, created_at, expires_at) values ($1, $2, $3, $4, $5)`,
      [token.tokenHash, token.userId, token.email, token.createdAt, token.expiresAt],
    );
  }

  /** Voids every unused token of a user (a newer link replaces them, or the signup expired). */
  async voidTokens(tx: Executor, userIds: readonly string[], now: Date): Promise<number> {
    const rows = await tx.query(
      `update ${this.s}.tokens set voided_at = $2
       where user_id = any($1::uuid[]) and used_at is null and voided_at is null returning token_hash`,
      [userIds, now],
    );
    return rows.length;
  }

  /** The user a token was issued to, whatever its state (so the registration can be locked first). */
  async tokenOwner(tx: Executor, tokenHash: string): Promise<string | undefined> {
    const rows = await tx.query<{ user_id: string }>(
      `select user_id from ${this.s}.tokens where token_hash = $1`,
      [tokenHash],
    );
    return rows[0]?.user_id;
  }

  /**
   * Activates a registration if it is still open and its deadline (registered after `cutoff`)
   * has not passed. Conditional: of two concurrent redemptions exactly one gets the row.
   */
  async activate(tx: Executor, userId: string, now: Date, cutoff: Date): Promise<Registration | undefined> {
    const rows = await tx.query<RegistrationRow>(
      `update ${this.s}.registrations set activated_at = $2
       where user_id = $1 and activated_at is null and expired_at is null and registered_at > $3
       returning *`,
      [userId, now, cutoff],
    );
    return rows[0] && toRegistration(rows[0]);
  }

  /** Marks a token used if it is unused, not voided and not expired; false otherwise. */
  async useToken(tx: Executor, tokenHash: string, now: Date): Promise<boolean> {
    const rows = await tx.query(
      `update ${this.s}.tokens set used_at = $2
       where token_hash = $1 and used_at is null and voided_at is null and expires_at > $2
       returning token_hash`,
      [tokenHash, now],
    );
    return rows.length === 1;
  }

  /**
   * Expires up to `limit` open registrations made at or before `cutoff` and returns them. Rows
   * another sweep holds are skipped, so concurrent sweeps (several instances) never overlap.
   */
  async expireDue(tx: Executor, cutoff: Date, now: Date, limit: number): Promise<Registration[]> {
    const rows = await tx.query<RegistrationRow>(
      `update ${this.s}.registrations set expired_at = $2
       where user_id in (
         select user_id from ${this.s}.registrations
         where activated_at is null and expired_at is null and registered_at <= $1
         order by registered_at limit $3 for update skip locked)
         and activated_at is null and expired_at is null
       returning *`,
      [cutoff, now, limit],
    );
    return rows.map(toRegistration);
  }
}
