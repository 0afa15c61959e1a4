import type { Migration } from "../../../db/migrate.ts";

/**
 * `users`: the source of truth. An email is held by at most one row that is not EXPIRED (an
 * expired signup frees it); times are stored with millisecond precision (the list cursor relies
 * on it).
 */
export const accountsMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "users",
    up: (s) => `
      create table ${s}.users (
        id uuid primary key,
        email text not null check (email = lower(btrim(email))),
        password_hash text not null,
        role text not null check (role in ('user', 'admin')),
        status text not null check (status in ('PENDING', 'ACTIVE', 'SUSPENDED', 'EXPIRED')),
        full_name text,
        phone text,
        address text,
        suspended_reason text,
        version integer not null check (version > 0),
        created_at timestamptz not null,
        updated_at timestamptz not null);
      create unique index users_email_live on ${s}.users (email) where status <> 'EXPIRED';
      create index users_newest on ${s}.users (created_at desc, id desc);
    `,
  },
];
