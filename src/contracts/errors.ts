import { defineErrors } from "../platform/errors.ts";

/**
 * Error codes that cross service boundaries in replies and reach HTTP clients. The catalog in
 * docs/errors.md lists these with the platform's and each service's own; a test keeps them equal.
 */
export const accountErrors = defineErrors("accounts-api", {
  INVALID_CREDENTIALS: { status: 401, message: "The email or password is wrong." },
  ACCOUNT_LOCKED: { status: 423, message: "Too many failed attempts; the account is locked for now." },
  ACCOUNT_NOT_ACTIVE: { status: 403, message: "Activate the account from the email we sent first." },
  ACCOUNT_SUSPENDED: { status: 403, message: "This account is suspended." },
  PASSWORD_TOO_WEAK: { status: 400, message: "Choose a stronger password." },
  TOKEN_INVALID: { status: 400, message: "This link is invalid, used or expired." },
  USER_NOT_FOUND: { status: 404, message: "No such user." },
  SESSION_NOT_FOUND: { status: 404, message: "No such session." },
});
