import type { Migration } from "../../../db/migrate.ts";

export const lockoutMigrations: Migration[] = [
  {
    version: 1,
    name: "blocked",
    up: (s) => `
      create table ${s}.blocked (
        email text primary key,
        user_id uuid,
        locked_at timestamptz not null,
        locked_until timestamptz,
        failures integer not null,
        permanent boolean not null,
        lock_count integer not null);
    `,
  },
];
