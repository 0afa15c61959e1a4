import { dictionary } from "@zxcvbn-ts/language-common";

/**
 * The password rules of the register-user and password contracts (NIST SP 800-63B, OWASP
 * ASVS 6.2): length 8..128 (minimum configurable, 15 recommended), no composition rules,
 * rejected when among the most common passwords or containing the email's local part.
 */
export const PASSWORD_MAX_LENGTH = 128;

const common: ReadonlySet<string> = new Set(
  (dictionary["passwords-common"] as readonly string[]).map((p) => p.toLowerCase()),
);

export const commonPasswordCount = common.size;

export type PasswordProblem = "too_short" | "too_long" | "too_common" | "contains_email";

export function checkPassword(
  password: string,
  email: string,
  minLength: number,
): PasswordProblem | undefined {
  const length = [...password].length;
  if (length < minLength) return "too_short";
  if (length > PASSWORD_MAX_LENGTH) return "too_long";
  const lower = password.toLowerCase();
  if (common.has(lower)) return "too_common";
  const local = email.split("@")[0]?.toLowerCase() ?? "";
  if (local.length >= 3 && lower.includes(local)) return "contains_email";
  return undefined;
}

export const passwordProblemMessages: Record<PasswordProblem, (min: number) => string> = {
  too_short: (min) => `Use at least ${min} characters (15 or more is better).`,
  too_long: () => `Use at most ${PASSWORD_MAX_LENGTH} characters.`,
  too_common: () => "This password is among the most common ones; choose another.",
  contains_email: () => "The password must not contain your email address.",
};

/** Emails are stored and compared normalised: trimmed and lower-cased. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
