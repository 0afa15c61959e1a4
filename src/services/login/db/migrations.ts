import type { Migration } from "../../../db/migrate.ts";

export const loginMigrations: Migration[] = [
  {
    version: 1,
    name: "credentials-sessions-attempts-history",
    up: (s) => `
      create table ${s}.credentials (
        user_id uuid primary key,
        email text not null unique,
        role text not null,
        status text not null,
        full_name text,
        password_hash text not null,
        version integer not null);
      create table ${s}.attempts (
        email text primary key,
        failures integer not null default 0,
        lock_count integer not null default 0,
        locked_until timestamptz,
        permanent boolean not null default false,
        updated_at timestamptz not null default now());
      create table ${s}.sessions (
        id uuid primary key,
        user_id uuid not null,
        token_hash text not null unique,
        created_at timestamptz not null,
        last_seen_at timestamptz not null,
        expires_at timestamptz not null,
        ip text not null,
        user_agent text not null,
        revoked_at timestamptz,
        revoked_reason text);
      create index sessions_user on ${s}.sessions (user_id) where revoked_at is null;
      create table ${s}.history (
        id bigserial primary key,
        user_id uuid not null,
        at timestamptz not null,
        ip text not null,
        user_agent text not null,
        outcome text not null);
      create index history_user on ${s}.history (user_id, at desc);
    `,
  },
];
