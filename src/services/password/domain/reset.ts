import type { PasswordProblem } from "../../../contracts/accounts/password-policy.ts";
import { checkPassword, passwordProblemMessages } from "../../../contracts/accounts/password-policy.ts";
import type { ErrorDetail } from "../../../platform/errors.ts";

/**
 * The forgotten-password rules, as pure functions over plain values. Only an ACTIVE user gets a
 * link; a link works once, before it expires, unless a newer one voided it.
 */

/** password's view of a user, built from user.changed. */
export interface UserView {
  readonly id: string;
  readonly email: string;
  readonly status: "PENDING" | "ACTIVE" | "SUSPENDED" | "EXPIRED";
  readonly version: number;
}

export interface ResetToken {
  readonly tokenHash: string;
  readonly userId: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly usedAt: Date | null;
  readonly voidedAt: Date | null;
}

export const canRequestReset = (user: UserView | undefined): user is UserView => user?.status === "ACTIVE";

export function issueResetToken(
  user: UserView,
  token: { readonly hash: string },
  now: Date,
  ttlMinutes: number,
): ResetToken {
  return {
    tokenHash: token.hash,
    userId: user.id,
    createdAt: now,
    expiresAt: new Date(now.getTime() + ttlMinutes * 60_000),
    usedAt: null,
    voidedAt: null,
  };
}

/** Unused, not voided, not expired, and its user still ACTIVE. */
export function isRedeemable(token: ResetToken, user: UserView | undefined, now: Date): boolean {
  return (
    token.usedAt === null &&
    token.voidedAt === null &&
    now.getTime() < token.expiresAt.getTime() &&
    user?.id === token.userId &&
    user.status === "ACTIVE"
  );
}

/** The policy's verdict on a new password, as the `details` entry of PASSWORD_TOO_WEAK (path "password"). */
export function weakPasswordDetail(
  password: string,
  email: string,
  minLength: number,
): ErrorDetail | undefined {
  const problem: PasswordProblem | undefined = checkPassword(password, email, minLength);
  return problem && { path: "password", message: passwordProblemMessages[problem](minLength) };
}

/** The page the mail links to; the token is a secret, so the caller seals the whole link. */
export function resetLink(publicUrl: string, token: string): string {
  return `${publicUrl}/reset-password?token=${encodeURIComponent(token)}`;
}
