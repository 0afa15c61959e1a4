import { describe, expect, it } from "vitest";
import type { AttemptState, LockoutPolicy } from "../../src/services/login/domain/lockout-policy.ts";
import {
  cleanState,
  lockStatus,
  recordFailure,
  recordSuccess,
} from "../../src/services/login/domain/lockout-policy.ts";
import { rng } from "./support.ts";

const SEED = Number(process.env.SECURITY_SEED ?? 20261121);

/**
 * The lock rule (src/services/login/domain/lockout-policy.ts) as properties over random policies
 * and random attempt sequences (seeded: SECURITY_SEED replays a failure):
 * - a lock happens exactly at `threshold` consecutive failures, never before;
 * - no lock is permanent before `maxTemporary` temporary ones (and none ever with 0);
 * - temporary waits double from `baseSeconds`, capped at `maxSeconds`;
 * - a locked account stays locked until its time (or forever when permanent); a success resets.
 */
describe("lockout policy (pure, property-based)", () => {
  it("holds for 2,000 random policies and attempt sequences", () => {
    const random = rng(SEED);
    const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
    for (let run = 0; run < 2000; run++) {
      const policy: LockoutPolicy = {
        threshold: int(1, 10),
        baseSeconds: int(1, 900),
        maxSeconds: int(1, 86_400),
        maxTemporary: int(0, 6),
      };
      const context = () => `seed ${SEED}, run ${run}, policy ${JSON.stringify(policy)}`;
      let state: AttemptState = cleanState;
      let now = new Date(Date.UTC(2026, 0, 1));
      let consecutive = 0;
      let temporaryLocks = 0;
      const steps = int(1, 80);
      for (let step = 0; step < steps; step++) {
        const status = lockStatus(state, now, policy);
        if (status.locked) {
          // While locked nothing is recorded (login answers 423 without a hash check); time passes.
          expect(status.retryAfterSeconds, context()).toBeGreaterThan(0);
          if (state.permanent) {
            expect(temporaryLocks, context()).toBeGreaterThanOrEqual(policy.maxTemporary);
            expect(policy.maxTemporary, context()).toBeGreaterThan(0);
            // Permanent: no amount of time lifts it.
            expect(lockStatus(state, new Date(now.getTime() + 10 * 365 * 86_400_000), policy).locked).toBe(
              true,
            );
            if (random() < 0.5) {
              state = recordSuccess(); // what an admin unlock does (cleanState)
              consecutive = 0;
              temporaryLocks = 0;
            }
            continue;
          }
          now = new Date(now.getTime() + int(0, 2) * status.retryAfterSeconds * 1000);
          continue;
        }
        if (random() < 0.15) {
          state = recordSuccess();
          consecutive = 0;
          temporaryLocks = 0;
          expect(state).toEqual(cleanState);
          continue;
        }
        const outcome = recordFailure(state, now, policy);
        consecutive++;
        if (consecutive < policy.threshold) {
          expect(outcome.lock, context()).toBeUndefined();
          expect(lockStatus(outcome.state, now, policy).locked, context()).toBe(false);
        } else {
          expect(outcome.lock, `${context()}: no lock at failure ${consecutive}`).toBeDefined();
          consecutive = 0;
          const lock = outcome.lock!;
          if (lock.permanent) {
            expect(policy.maxTemporary, context()).toBeGreaterThan(0);
            expect(temporaryLocks, `${context()}: permanent after ${temporaryLocks} temporary locks`).toBe(
              policy.maxTemporary,
            );
            expect(lock.until).toBeNull();
          } else {
            const expected = Math.min(policy.baseSeconds * 2 ** temporaryLocks, policy.maxSeconds);
            expect((lock.until!.getTime() - now.getTime()) / 1000, context()).toBe(expected);
            temporaryLocks++;
          }
          expect(lockStatus(outcome.state, now, policy).locked, context()).toBe(true);
        }
        state = outcome.state;
        now = new Date(now.getTime() + int(0, 5000));
      }
    }
  });

  it("with LOCKOUT_MAX_TEMPORARY = 0 no number of locks is ever permanent", () => {
    const policy: LockoutPolicy = { threshold: 2, baseSeconds: 1, maxSeconds: 4, maxTemporary: 0 };
    let state: AttemptState = cleanState;
    let now = new Date(0);
    for (let i = 0; i < 1000; i++) {
      const outcome = recordFailure(state, now, policy);
      expect(outcome.lock?.permanent ?? false).toBe(false);
      state = outcome.state;
      now = new Date(now.getTime() + 5000);
    }
    expect(state.lockCount).toBe(500);
  });
});
