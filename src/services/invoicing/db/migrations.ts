import type { Migration } from "../../../db/migrate.ts";

/**
 * `sellers`: invoicing's view of users (from user.changed), for the seller block.
 * `counters`: the last number issued per user and UTC year, bumped in the transaction that
 * inserts the invoice, so numbers have no gaps and never repeat.
 * `invoices`: one row per (user, request id); pending → generated (PDF bytes stored in the same
 * transaction as the status and the outbox event) or failed. Lines are kept as jsonb: an issued
 * invoice never changes. `seller` is the block as printed, frozen at rendering.
 */
export const invoicingMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "sellers-counters-invoices",
    up: (s) => `
      create table ${s}.sellers (
        user_id uuid primary key,
        email text not null,
        full_name text,
        address text,
        status text not null,
        version integer not null,
        updated_at timestamptz not null default now());
      create table ${s}.counters (
        user_id uuid not null,
        year integer not null,
        last_number integer not null check (last_number > 0),
        primary key (user_id, year));
      create table ${s}.invoices (
        id uuid primary key,
        user_id uuid not null,
        request_id uuid not null,
        number text not null,
        year integer not null,
        sequence integer not null,
        status text not null check (status in ('pending', 'generated', 'failed')),
        customer jsonb not null,
        items jsonb not null,
        currency char(3) not null,
        tax_basis_points integer not null check (tax_basis_points between 0 and 10000),
        subtotal_cents bigint not null check (subtotal_cents >= 0),
        tax_cents bigint not null check (tax_cents >= 0),
        total_cents bigint not null check (total_cents = subtotal_cents + tax_cents),
        issue_date date not null,
        due_date date,
        created_at timestamptz not null,
        generated_at timestamptz,
        failure_reason text,
        seller jsonb,
        pdf bytea,
        unique (user_id, request_id),
        unique (user_id, year, sequence),
        check ((status = 'generated') = (pdf is not null)));
      create index invoices_user_created on ${s}.invoices (user_id, created_at desc);
      create index invoices_pending on ${s}.invoices (created_at) where status = 'pending';
    `,
  },
];
