import type { Executor } from "../../../db/database.ts";
import { ident } from "../../../db/database.ts";
import type { Keyset } from "../domain/cursor.ts";
import type { Status, User } from "../domain/user.ts";

interface UserRow {
  [column: string]: unknown;
  id: string;
  email: string;
  password_hash: string;
  role: User["role"];
  status: Status;
  full_name: string | null;
  phone: string | null;
  address: string | null;
  suspended_reason: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const toUser = (r: UserRow): User => ({
  id: r.id,
  email: r.email,
  passwordHash: r.password_hash,
  role: r.role,
  status: r.status,
  fullName: r.full_name,
  phone: r.phone,
  address: r.address,
  suspendedReason: r.suspended_reason,
  version: r.version,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

/** A user-typed text as a LIKE pattern matching it anywhere, wildcards taken literally. */
export const containsPattern = (text: string): string => `%${text.replace(/[\\%_]/g, "\\$&")}%`;

/** SQL of the accounts schema. Every method runs in the caller's transaction. */
export class UsersRepository {
  private readonly s: string;

  constructor(schema: string) {
    this.s = ident(schema);
  }

  /** One user; `forUpdate` locks the row until the transaction ends (one change at a time). */
  async byId(tx: Executor, id: string, forUpdate = false): Promise<User | undefined> {
    const rows = await tx.query<UserRow>(
      `select * from ${this.s}.users where id = $1${forUpdate ? " for update" : ""}`,
      [id],
    );
    return rows[0] && toUser(rows[0]);
  }

  /** The row holding an email (any status but EXPIRED), locked. */
  async holderOf(tx: Executor, email: string): Promise<User | undefined> {
    const rows = await tx.query<UserRow>(
      `select * from ${this.s}.users where email = $1 and status <> 'EXPIRED' for update`,
      [email],
    );
    return rows[0] && toUser(rows[0]);
  }

  /** Inserts a new user; false when another row took the email meanwhile (nothing written). */
  async insert(tx: Executor, user: User): Promise<boolean> {
    const rows = await tx.query(
      `insert into ${this.s}.users (id, email, password_hash, role, status, full_name, phone, address,
         suspended_reason, version, created_at, updated_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       on conflict (email) where status <> 'EXPIRED' do nothing
       returning id`,
      [
        user.id,
        user.email,
        user.passwordHash,
        user.role,
        user.status,
        user.fullName,
        user.phone,
        user.address,
        user.suspendedReason,
        user.version,
        user.createdAt,
        user.updatedAt,
      ],
    );
    return rows.length === 1;
  }

  /** Writes a new version of a user; throws (retryable) if the stored one is not the one before it. */
  async update(tx: Executor, user: User): Promise<void> {
    const rows = await tx.query(
      `update ${this.s}.users set password_hash = $3, role = $4, status = $5, full_name = $6, phone = $7,
         address = $8, suspended_reason = $9, version = $2, updated_at = $10
       where id = $1 and version = $2 - 1
       returning id`,
      [
        user.id,
        user.version,
        user.passwordHash,
        user.role,
        user.status,
        user.fullName,
        user.phone,
        user.address,
        user.suspendedReason,
        user.updatedAt,
      ],
    );
    if (rows.length !== 1)
      throw new Error(`user ${user.id} changed concurrently (expected version ${user.version - 1})`);
  }

  /** Newest first; `query` matches email or full name anywhere, case-insensitively. */
  async list(
    tx: Executor,
    filter: {
      query?: string | undefined;
      status?: Status | undefined;
      after?: Keyset | undefined;
      limit: number;
    },
  ): Promise<User[]> {
    const query = filter.query?.trim();
    const rows = await tx.query<UserRow>(
      `select * from ${this.s}.users
       where ($1::text is null or email ilike $1 or full_name ilike $1)
         and ($2::text is null or status = $2)
         and ($3::timestamptz is null or (created_at, id) < ($3::timestamptz, $4::uuid))
       order by created_at desc, id desc
       limit $5`,
      [
        query ? containsPattern(query) : null,
        filter.status ?? null,
        filter.after?.createdAt ?? null,
        filter.after?.id ?? null,
        filter.limit,
      ],
    );
    return rows.map(toUser);
  }
}
