import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateInvoice, invoiceGenerated } from "../../../src/contracts/invoicing/index.ts";
import { accountLocked, loginSucceeded } from "../../../src/contracts/login/index.ts";
import { calculateScore, getScore, scoreCalculated } from "../../../src/contracts/scoring/index.ts";
import { createEnvelope } from "../../../src/messaging/envelope.ts";
import { newId } from "../../../src/platform/ids.ts";
import { waitFor } from "../../support/index.ts";
import { draft } from "../invoicing/flow.ts";
import type { FlowHarness } from "../invoicing/harness.ts";

/** What scoring must do on any transport, fed by real invoicing and by events published as login would. */
export function describeScoring(name: string, make: () => Promise<FlowHarness>, timeoutMs: number): void {
  describe(`scoring: ${name}`, { timeout: timeoutMs }, () => {
    let h: FlowHarness;
    beforeAll(async () => {
      h = await make();
    }, timeoutMs * 2);
    afterAll(async () => {
      await h?.close();
    });

    const calculate = async (userId: string) => {
      const requestId = newId();
      expect(await h.requester.request(calculateScore, userId, { userId, requestId })).toEqual({ requestId });
      return h.event(scoreCalculated, (p) => p.requestId === requestId, `score.calculated for ${requestId}`);
    };

    it("has no score before the first calculation", async () => {
      const userId = await h.newUser();
      expect(await h.requester.request(getScore, userId, { userId })).toEqual({
        score: null,
        tier: null,
        factors: [],
        calculatedAt: null,
        history: [],
      });
    });

    it("calculates on request, announces score.calculated and serves it", async () => {
      const userId = await h.newUser();
      const event = await calculate(userId);
      // Active (150) and 100 days old (0.274 × 200 = 54.8): 205, nothing else yet.
      expect(event.payload).toMatchObject({ userId, trigger: "request", score: 205, tier: "Starter" });
      expect(event.key).toBe(userId);
      const score = await h.requester.request(getScore, userId, { userId });
      expect(score).toMatchObject({ score: 205, tier: "Starter", calculatedAt: event.payload.calculatedAt });
      expect(score.factors).toEqual(event.payload.factors);
      expect(score.history).toEqual([
        { score: 205, tier: "Starter", calculatedAt: event.payload.calculatedAt },
      ]);
    });

    it("recalculates by itself when an invoice is generated, keeping the history", async () => {
      const userId = await h.newUser();
      const before = await calculate(userId);
      const { id } = await h.requester.request(generateInvoice, userId, {
        ...draft(),
        userId,
        requestId: newId(),
      });
      const generated = await h.event(invoiceGenerated, (p) => p.invoiceId === id);
      const after = await h.event(scoreCalculated, (p) => p.requestId === generated.id, "the recalculation");
      expect(after.payload.trigger).toBe("invoice.generated");
      expect(after.payload.score).toBeGreaterThan(before.payload.score);
      const recent = after.payload.factors.find((f) => f.name === "recentInvoices");
      expect(recent).toEqual({ name: "recentInvoices", value: 0.05, weight: 250 });

      const { history } = await h.requester.request(getScore, userId, { userId });
      expect(history.map((s) => s.score)).toEqual([after.payload.score, before.payload.score]);
    });

    it("calculates a repeated request once", async () => {
      const userId = await h.newUser();
      const requestId = newId();
      await h.requester.request(calculateScore, userId, { userId, requestId });
      await h.requester.request(calculateScore, userId, { userId, requestId });
      const later = await calculate(userId);
      expect(h.events(scoreCalculated, (p) => p.requestId === requestId)).toHaveLength(1);
      expect((await h.requester.request(getScore, userId, { userId })).history).toHaveLength(2);
      expect(later.payload.requestId).not.toBe(requestId);
    });

    it("counts lockouts against and logins for the score", async () => {
      const userId = await h.newUser();
      const at = new Date().toISOString();
      await h.publish(
        accountLocked.topic,
        createEnvelope({
          type: accountLocked.type,
          key: "someone@example.test",
          payload: {
            email: "someone@example.test",
            userId,
            lockedAt: at,
            lockedUntil: null,
            failures: 5,
            lockCount: 1,
            permanent: false,
          },
        }),
      );
      await h.publish(
        loginSucceeded.topic,
        createEnvelope({
          type: loginSucceeded.type,
          key: "someone@example.test",
          payload: {
            userId,
            email: "someone@example.test",
            sessionId: newId(),
            at,
            ip: "127.0.0.1",
            userAgent: "test",
          },
        }),
      );
      const event = await waitFor(
        "both facts in a calculation",
        async () => {
          const e = await calculate(userId);
          const value = (name: string) => e.payload.factors.find((f) => f.name === name)?.value ?? 0;
          return value("accountLocks") > 0 && value("loginActivity") > 0 ? e : undefined;
        },
        h.waitMs,
      );
      const factors = Object.fromEntries(event.payload.factors.map((f) => [f.name, f.value]));
      expect(factors).toMatchObject({ accountLocks: 0.2, loginActivity: 0.1 });
      // 205 − 0.2 × 300 + 0.1 × 150 = 160.
      expect(event.payload.score).toBe(160);
    });
  });
}
