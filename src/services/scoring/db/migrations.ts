import type { Migration } from "../../../db/migrate.ts";

/**
 * Scoring's own copies of what it scores on, each fed by another service's events: `users`
 * (user.changed), `invoices` (invoice.generated), `locks` (account.locked), `login_days`
 * (login.succeeded, one row per user and UTC day). `scores` is the history; one row per
 * (user, request id), so a retried request never calculates twice.
 */
export const scoringMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "inputs-and-scores",
    up: (s) => `
      create table ${s}.users (
        user_id uuid primary key,
        status text not null,
        created_at timestamptz not null,
        version integer not null);
      create table ${s}.invoices (
        invoice_id uuid primary key,
        user_id uuid not null,
        total_cents bigint not null,
        currency char(3) not null,
        generated_at timestamptz not null);
      create index invoices_user_time on ${s}.invoices (user_id, generated_at);
      create table ${s}.locks (
        event_id uuid primary key,
        user_id uuid not null,
        locked_at timestamptz not null);
      create index locks_user_time on ${s}.locks (user_id, locked_at);
      create table ${s}.login_days (
        user_id uuid not null,
        day date not null,
        primary key (user_id, day));
      create table ${s}.scores (
        id uuid primary key,
        user_id uuid not null,
        request_id uuid not null,
        trigger text not null,
        score integer not null check (score between 0 and 1000),
        tier text not null,
        factors jsonb not null,
        calculated_at timestamptz not null,
        unique (user_id, request_id));
      create index scores_user_time on ${s}.scores (user_id, calculated_at desc);
    `,
  },
];
