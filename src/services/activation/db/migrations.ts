import type { Migration } from "../../../db/migrate.ts";

/**
 * `registrations`: activation's view of signups (from user.registered), PENDING until activated
 * or expired. `tokens`: only the SHA-256 of each token; used or voided at most once.
 */
export const activationMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "registrations-and-tokens",
    up: (s) => `
      create table ${s}.registrations (
        user_id uuid primary key,
        email text not null,
        registered_at timestamptz not null,
        activated_at timestamptz,
        expired_at timestamptz);
      create index registrations_pending on ${s}.registrations (registered_at)
        where activated_at is null and expired_at is null;
      create index registrations_email on ${s}.registrations (email);
      create table ${s}.tokens (
        token_hash text primary key check (token_hash ~ '^[0-9a-f]{64}$'),
        user_id uuid not null references ${s}.registrations (user_id),
        email text not null,
        created_at timestamptz not null,
        expires_at timestamptz not null,
        used_at timestamptz,
        voided_at timestamptz);
      create index tokens_user on ${s}.tokens (user_id);
    `,
  },
];
