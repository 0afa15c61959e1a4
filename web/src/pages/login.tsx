import type { FormEvent } from "react";
import { useState } from "react";
import { api, ApiError, messageOf } from "../api/client.ts";
import type { LoginAnswer } from "../api/types.ts";
import { TextField } from "../components/field.tsx";
import { Card, Page } from "../components/page.tsx";
import { Status } from "../components/status.tsx";
import { useAuth } from "../lib/auth.tsx";
import { formatWait } from "../lib/format.ts";
import { useFormErrors } from "../lib/form-errors.ts";
import { Link, navigate, useLocation } from "../lib/router.tsx";

const NOTICES: Record<string, string> = {
  ended: "Your session has ended. Please sign in again.",
  reset: "Your password was changed. Sign in with the new one.",
  activated: "Your account is active. Sign in to continue.",
};

/** Only same-origin paths: never an open redirect. */
function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/dashboard";
}

function explain(error: unknown): string {
  if (!(error instanceof ApiError)) return messageOf(error);
  switch (error.code) {
    case "INVALID_CREDENTIALS":
      return "The email or password is not right.";
    case "ACCOUNT_LOCKED":
      return error.retryAfter
        ? `This account is locked after too many failed attempts. Try again in ${formatWait(error.retryAfter)}, or reset your password.`
        : "This account is locked after too many failed attempts. An administrator can unlock it.";
    case "ACCOUNT_NOT_ACTIVE":
      return "This account is not active yet: open the activation link we emailed you.";
    case "ACCOUNT_SUSPENDED":
      return "This account is suspended. Contact support.";
    default:
      return error.message;
  }
}

export function Login() {
  const { query } = useLocation();
  const { signedIn } = useAuth();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [code, setCode] = useState<string>();
  const [resent, setResent] = useState<string>();
  const errors = useFormErrors();
  const notice = [...query.keys()].map((k) => NOTICES[k]).find(Boolean);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing: Record<string, string> = {};
    if (!email.trim()) missing.email = "Enter your email address.";
    if (!password) missing.password = "Enter your password.";
    if (Object.keys(missing).length) return errors.set(missing, "Please correct the marked fields.");
    setBusy(true);
    errors.clear();
    setCode(undefined);
    try {
      const answer = await api.post<LoginAnswer>(
        "/api/v1/login",
        { email: email.trim(), password },
        { quiet401: true },
      );
      signedIn(answer.user);
      navigate(safeNext(query.get("next")), { replace: true });
    } catch (error) {
      if (error instanceof ApiError && error.details.length === 0) {
        setCode(error.code);
        errors.set({}, explain(error));
      } else errors.show(error, (p) => p === "email" || p === "password");
      setPassword("");
    } finally {
      setBusy(false);
    }
  };

  const resend = async () => {
    try {
      await api.post("/api/v1/activation/resend", { email: email.trim() });
      setResent("We sent a new activation link.");
    } catch (error) {
      setResent(messageOf(error));
    }
  };

  return (
    <Page title="Sign in" narrow>
      <Status kind="info">{notice}</Status>
      <Card>
        <form onSubmit={(e) => void submit(e)} noValidate className="form">
          <TextField
            label="Email"
            type="email"
            name="email"
            autoComplete="username"
            required
            value={email}
            onValue={setEmail}
            error={errors.fields.email}
          />
          <TextField
            label="Password"
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onValue={setPassword}
            error={errors.fields.password}
          />
          <Status kind="error">{errors.form}</Status>
          {code === "ACCOUNT_NOT_ACTIVE" && (
            <p>
              <button type="button" className="button" onClick={() => void resend()}>
                Send the activation link again
              </button>
              <Status>{resent}</Status>
            </p>
          )}
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </form>
      </Card>
      <p className="center">
        <Link to="/forgot-password">Forgot your password?</Link> · <Link to="/signup">Create an account</Link>
      </p>
    </Page>
  );
}
