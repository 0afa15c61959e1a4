/**
 * The lock rule, pure: `threshold` consecutive failures lock an account for `baseSeconds`;
 * each further lock doubles the wait up to `maxSeconds`; after `maxTemporary` temporary locks
 * the next one is permanent until an admin lifts it (0: never permanent). A success resets it.
 */
export interface LockoutPolicy {
  readonly threshold: number;
  readonly baseSeconds: number;
  readonly maxSeconds: number;
  readonly maxTemporary: number;
}

export interface AttemptState {
  readonly failures: number;
  readonly lockCount: number;
  readonly lockedUntil: Date | null;
  readonly permanent: boolean;
}

export const cleanState: AttemptState = { failures: 0, lockCount: 0, lockedUntil: null, permanent: false };

export interface LockStatus {
  readonly locked: boolean;
  /** Seconds until the lock ends; for a permanent lock, the policy's longest wait. */
  readonly retryAfterSeconds: number;
}

export function lockStatus(state: AttemptState, now: Date, policy: LockoutPolicy): LockStatus {
  if (state.permanent) return { locked: true, retryAfterSeconds: policy.maxSeconds };
  if (state.lockedUntil && state.lockedUntil > now) {
    return {
      locked: true,
      retryAfterSeconds: Math.ceil((state.lockedUntil.getTime() - now.getTime()) / 1000),
    };
  }
  return { locked: false, retryAfterSeconds: 0 };
}

export interface FailureOutcome {
  readonly state: AttemptState;
  /** Set when this failure locked the account. */
  readonly lock?: { readonly until: Date | null; readonly permanent: boolean; readonly failures: number };
}

export function recordFailure(state: AttemptState, now: Date, policy: LockoutPolicy): FailureOutcome {
  const failures = state.failures + 1;
  if (failures < policy.threshold) return { state: { ...state, failures } };
  const lockCount = state.lockCount + 1;
  const permanent = policy.maxTemporary > 0 && lockCount > policy.maxTemporary;
  const seconds = Math.min(policy.baseSeconds * 2 ** (lockCount - 1), policy.maxSeconds);
  const until = permanent ? null : new Date(now.getTime() + seconds * 1000);
  return {
    // Failures count anew once the lock ends.
    state: { failures: 0, lockCount, lockedUntil: until, permanent },
    lock: { until, permanent, failures },
  };
}

export function recordSuccess(): AttemptState {
  return cleanState;
}
