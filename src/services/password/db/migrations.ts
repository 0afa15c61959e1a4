import type { Migration } from "../../../db/migrate.ts";

/**
 * `users`: password's view of accounts (from user.changed; highest version wins). `reset_tokens`:
 * only the SHA-256 of each token; used or voided at most once.
 */
export const passwordMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "users-view-and-reset-tokens",
    up: (s) => `
      create table ${s}.users (
        id uuid primary key,
        email text not null,
        status text not null,
        version integer not null);
      create index users_email on ${s}.users (email);
      create table ${s}.reset_tokens (
        token_hash text primary key check (token_hash ~ '^[0-9a-f]{64}$'),
        user_id uuid not null,
        created_at timestamptz not null,
        expires_at timestamptz not null,
        used_at timestamptz,
        voided_at timestamptz);
      create index reset_tokens_user on ${s}.reset_tokens (user_id);
    `,
  },
];
