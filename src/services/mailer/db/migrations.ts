import type { Migration } from "../../../db/migrate.ts";

/**
 * `outgoing`: one row per send-email envelope (its id is the idempotency key), written before the
 * SMTP exchange and marked sent after it. `mailbox`: what the embedded SMTP catcher received, one
 * row per message and recipient; the unique Message-ID makes a resent message land once.
 */
export const mailerMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "outgoing-and-mailbox",
    up: (s) => `
      create table ${s}.outgoing (
        envelope_id uuid primary key,
        recipient text not null,
        template text not null,
        message_id text not null,
        status text not null check (status in ('sending', 'sent', 'failed')),
        attempts integer not null default 0,
        last_error text,
        smtp_response text,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        sent_at timestamptz);
      create table ${s}.mailbox (
        id uuid primary key,
        message_id text not null,
        recipient text not null,
        subject text not null,
        text_body text not null,
        html_body text not null,
        links text[] not null,
        received_at timestamptz not null default now(),
        unique (message_id, recipient));
      create index mailbox_recipient_received on ${s}.mailbox (recipient, received_at desc);
      create index mailbox_received on ${s}.mailbox (received_at desc);
    `,
  },
];
