import type { z } from "zod";
import { ident } from "../../db/database.ts";
import { accountLocked } from "../../contracts/login/index.ts";
import { accountUnlocked, listBlocked, unblockAccount } from "../../contracts/lockout/index.ts";
import { sendEmail } from "../../contracts/mailer/index.ts";
import type { ServiceDefinition } from "../../runtime/platform.ts";
import { lockoutMigrations } from "./db/migrations.ts";

type Locked = z.infer<typeof accountLocked.schema>;

/**
 * lockout: the blocked-users list built from login's lock events, the owner's "your account
 * was locked" email, and the admin's unblock, which tells login to reset its counter.
 */
export const lockoutService: ServiceDefinition = {
  name: "lockout",
  migrations: lockoutMigrations,
  async start(ctx) {
    const s = ident(ctx.schema);

    // The list shows locks in force (permanent, or until a time still to come), so an expired
    // lock needs no event to leave it: a login cannot succeed before its lock ends, and an
    // admin's unblock deletes the row. Rows of expired locks, which locks on unknown emails also
    // leave, go when the next lock is recorded, so the table holds about what is in force.
    await ctx.on(accountLocked, "on-account-locked", async (envelope, tx) => {
      const lock = envelope.payload as Locked;
      await tx.query(
        `delete from ${s}.blocked where not permanent and locked_until < now() - interval '1 hour'`,
      );
      await tx.query(
        `insert into ${s}.blocked (email, user_id, locked_at, locked_until, failures, permanent, lock_count)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (email) do update set user_id = excluded.user_id, locked_at = excluded.locked_at,
           locked_until = excluded.locked_until, failures = excluded.failures, permanent = excluded.permanent,
           lock_count = excluded.lock_count`,
        [
          lock.email,
          lock.userId,
          lock.lockedAt,
          lock.lockedUntil,
          lock.failures,
          lock.permanent,
          lock.lockCount,
        ],
      );
      // Only a real account's owner is told; locks on unknown emails stay silent.
      if (lock.userId) {
        tx.emit(
          sendEmail,
          lock.email,
          {
            to: lock.email,
            template: "account-locked",
            data: { until: lock.lockedUntil, failures: lock.failures },
          },
          envelope,
        );
      }
    });

    await ctx.query(listBlocked, async (_payload, _envelope, tx) => {
      const rows = await tx.query<{
        email: string;
        user_id: string | null;
        locked_at: Date;
        locked_until: Date | null;
        failures: number;
        permanent: boolean;
        lock_count: number;
      }>(`select * from ${s}.blocked where permanent or locked_until > now() order by locked_at desc`);
      return {
        blocked: rows.map((r) => ({
          email: r.email,
          userId: r.user_id,
          lockedAt: r.locked_at.toISOString(),
          lockedUntil: r.locked_until?.toISOString() ?? null,
          failures: r.failures,
          reason: r.permanent
            ? `permanent after ${r.lock_count - 1} temporary locks`
            : `${r.failures} consecutive failed logins (lock ${r.lock_count})`,
        })),
      };
    });

    await ctx.serve(unblockAccount, async ({ email, by }, envelope, tx) => {
      const removed = await tx.query(`delete from ${s}.blocked where email = $1 returning email`, [email]);
      // Reset login's counter even when the list had no entry (an admin can always unlock).
      tx.emit(accountUnlocked, email, { email, by, at: new Date().toISOString() }, envelope);
      return { unblocked: removed.length > 0 };
    });
  },
};
