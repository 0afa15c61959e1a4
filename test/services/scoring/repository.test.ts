import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../../src/db/database.ts";
import { openPostgres } from "../../../src/db/database.ts";
import { openPglite } from "../../../src/db/pglite.ts";
import { migrate } from "../../../src/db/migrate.ts";
import { newId } from "../../../src/platform/ids.ts";
import { scoringMigrations } from "../../../src/services/scoring/db/migrations.ts";
import { ScoringRepository } from "../../../src/services/scoring/db/repository.ts";
import { postgresUrl, unique } from "../../support/index.ts";

const DAY_MS = 86_400_000;
const now = new Date("2026-06-30T12:00:00Z");
const ago = (days: number) => new Date(now.getTime() - days * DAY_MS);

function describeInputs(name: string, open: () => Promise<Database>): void {
  describe(`scoring repository: ${name}`, () => {
    let db: Database;
    let repo: ScoringRepository;
    beforeAll(async () => {
      db = await open();
      const schema = unique("scoring");
      await migrate(db, schema, scoringMigrations);
      repo = new ScoringRepository(schema);
    });
    afterAll(async () => {
      await db?.close();
    });

    it("reads a user's inputs within each factor's window, volumes per currency", async () => {
      const userId = newId();
      const other = newId();
      await repo.upsertUser(db, { userId, status: "ACTIVE", createdAt: ago(400), version: 1 });
      const invoice = (user: string, totalCents: number, currency: string, days: number) =>
        repo.addInvoice(db, {
          invoiceId: newId(),
          userId: user,
          totalCents,
          currency,
          generatedAt: ago(days),
        });
      await invoice(userId, 1_000, "EUR", 10);
      await invoice(userId, 2_000, "EUR", 100); // in the 365-day volume, not in the 90-day count
      await invoice(userId, 9_007_199_254_740, "JPY", 200);
      await invoice(userId, 5_000, "EUR", 400); // outside every window
      await invoice(userId, 7_000, "EUR", -1); // after now
      await invoice(other, 50_000, "EUR", 1);
      await repo.addLock(db, { eventId: newId(), userId, lockedAt: ago(30) });
      await repo.addLock(db, { eventId: newId(), userId, lockedAt: ago(366) });
      for (const day of ["2026-06-29", "2026-06-15", "2026-05-01"]) await repo.addLoginDay(db, userId, day);

      const inputs = await repo.inputs(db, userId, now);
      expect({
        ...inputs,
        volumeLast365Days: [...inputs.volumeLast365Days].sort((a, b) => (a.currency < b.currency ? -1 : 1)),
      }).toEqual({
        status: "ACTIVE",
        accountCreatedAt: ago(400),
        invoicesLast90Days: 1,
        volumeLast365Days: [
          { currency: "EUR", totalCents: 3_000 },
          { currency: "JPY", totalCents: 9_007_199_254_740 },
        ],
        loginDaysLast30: 2,
        locksLast365Days: 1,
      });
    });

    it("reads empty inputs for a user it has never heard of", async () => {
      expect(await repo.inputs(db, newId(), now)).toEqual({
        status: null,
        accountCreatedAt: null,
        invoicesLast90Days: 0,
        volumeLast365Days: [],
        loginDaysLast30: 0,
        locksLast365Days: 0,
      });
    });
  });
}

describeInputs("PGlite", () => openPglite());
if (postgresUrl) {
  const url = postgresUrl;
  describeInputs("PostgreSQL", async () => openPostgres(url));
}
