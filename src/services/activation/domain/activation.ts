/**
 * The activation saga's rules, as pure functions over plain values. A registration is PENDING
 * until its owner redeems a token (activated) or the deadline passes (expired: the saga's
 * compensation, which frees the email in accounts).
 */

const HOUR_MS = 3_600_000;

export interface Registration {
  readonly userId: string;
  readonly email: string;
  readonly registeredAt: Date;
  readonly activatedAt: Date | null;
  readonly expiredAt: Date | null;
}

export interface ActivationToken {
  readonly tokenHash: string;
  readonly userId: string;
  readonly email: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
  readonly voidedAt: Date | null;
}

export interface ActivationPolicy {
  /** How long one link works (ACTIVATION_TTL_HOURS). */
  readonly tokenTtlHours: number;
  /** How long a registration may stay unactivated before it expires (ACTIVATION_EXPIRE_HOURS). */
  readonly expireAfterHours: number;
}

/** The instant a registration expires if it is not activated by then. */
export function deadlineOf(registration: Pick<Registration, "registeredAt">, policy: ActivationPolicy): Date {
  return new Date(registration.registeredAt.getTime() + policy.expireAfterHours * HOUR_MS);
}

/** Registrations made at or before this instant are due to expire at `now`. */
export function expiryCutoff(now: Date, policy: ActivationPolicy): Date {
  return new Date(now.getTime() - policy.expireAfterHours * HOUR_MS);
}

/** Neither activated nor expired, and the deadline not yet reached. */
export function isPending(registration: Registration, now: Date, policy: ActivationPolicy): boolean {
  return (
    registration.activatedAt === null &&
    registration.expiredAt === null &&
    now.getTime() < deadlineOf(registration, policy).getTime()
  );
}

/** A token redeems only once, before it expires, if no newer one voided it, for a PENDING registration. */
export function isRedeemable(
  token: ActivationToken,
  registration: Registration,
  now: Date,
  policy: ActivationPolicy,
): boolean {
  return (
    token.userId === registration.userId &&
    token.usedAt === null &&
    token.voidedAt === null &&
    now.getTime() < token.expiresAt.getTime() &&
    isPending(registration, now, policy)
  );
}

/**
 * A new token for a PENDING registration. It never outlives the registration: the link in the
 * mail says when it stops working, and that must be true.
 */
export function issueToken(
  registration: Registration,
  token: { readonly hash: string },
  now: Date,
  policy: ActivationPolicy,
): ActivationToken {
  const ttlEnd = now.getTime() + policy.tokenTtlHours * HOUR_MS;
  return {
    tokenHash: token.hash,
    userId: registration.userId,
    email: registration.email,
    createdAt: now,
    expiresAt: new Date(Math.min(ttlEnd, deadlineOf(registration, policy).getTime())),
    usedAt: null,
    voidedAt: null,
  };
}

/** The page the mail links to; the token is a secret, so the caller seals the whole link. */
export function activationLink(publicUrl: string, token: string): string {
  return `${publicUrl}/activate?token=${encodeURIComponent(token)}`;
}
