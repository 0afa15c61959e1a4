import type { Migration } from "../../db/migrate.ts";

export const logMigrations: Migration[] = [
  {
    version: 1,
    name: "log",
    up: (s) => `
      create table ${s}.topics (
        topic text primary key,
        partitions integer not null check (partitions > 0),
        created_at timestamptz not null default now());
      create table ${s}.messages (
        topic text not null,
        partition integer not null,
        "offset" bigint not null,
        key text not null,
        envelope jsonb not null,
        headers jsonb not null default '{}',
        appended_at timestamptz not null default now(),
        primary key (topic, partition, "offset"));
      create index messages_appended_at on ${s}.messages (appended_at);
      create table ${s}.offsets (
        group_id text not null,
        topic text not null,
        partition integer not null,
        next_offset bigint not null,
        committed_at timestamptz not null default now(),
        primary key (group_id, topic, partition));
    `,
  },
  {
    version: 2,
    name: "writer-epoch",
    // The fencing token of the log's writer on PostgreSQL: each writer that starts raises it, and
    // every append checks it still holds the one it raised (EmbeddedTransport.insert).
    up: (s) => `
      create table ${s}.writer (
        id boolean primary key default true check (id),
        epoch bigint not null);
      insert into ${s}.writer (id, epoch) values (true, 0);
    `,
  },
];
