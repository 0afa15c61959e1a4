import type { FormEvent } from "react";
import { useState } from "react";
import { api, messageOf } from "../api/client.ts";
import { TextField } from "../components/field.tsx";
import { Card, Page } from "../components/page.tsx";
import { Status } from "../components/status.tsx";
import { useFormErrors } from "../lib/form-errors.ts";
import { Link } from "../lib/router.tsx";

const FIELDS = new Set(["email", "password", "fullName", "phone", "address"]);

export function Signup() {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [fullName, setFullName] = useState("");
  const [busy, setBusy] = useState(false);
  const [sentTo, setSentTo] = useState<string>();
  const [resent, setResent] = useState<string>();
  const errors = useFormErrors();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing: Record<string, string> = {};
    if (!email.trim()) missing.email = "Enter your email address.";
    if (!password) missing.password = "Choose a password.";
    if (Object.keys(missing).length) return errors.set(missing, "Please correct the marked fields.");
    setBusy(true);
    errors.clear();
    try {
      await api.post("/api/v1/signup", {
        email: email.trim(),
        password,
        ...(fullName.trim() ? { fullName: fullName.trim() } : {}),
      });
      setSentTo(email.trim());
    } catch (error) {
      errors.show(error, (p) => FIELDS.has(p));
    } finally {
      setBusy(false);
    }
  };

  const resend = async () => {
    try {
      await api.post("/api/v1/activation/resend", { email: sentTo });
      setResent("We sent the link again.");
    } catch (error) {
      setResent(messageOf(error));
    }
  };

  if (sentTo) {
    return (
      <Page title="Check your email" narrow>
        <Card>
          <p>
            We sent an activation link to <strong>{sentTo}</strong>. Open it to activate your account, then
            sign in.
          </p>
          <p className="muted">
            Running locally? Mail is caught by the development <Link to="/mailbox">mailbox</Link>.
          </p>
          <p className="row">
            <button type="button" className="button" onClick={() => void resend()}>
              Send the link again
            </button>
            <Link to="/login" className="button button--primary">
              Go to sign in
            </Link>
          </p>
          <Status>{resent}</Status>
        </Card>
      </Page>
    );
  }

  return (
    <Page title="Create your account" narrow>
      <Card>
        <form onSubmit={(e) => void submit(e)} noValidate className="form">
          <TextField
            label="Email"
            type="email"
            name="email"
            autoComplete="email"
            required
            value={email}
            onValue={setEmail}
            error={errors.fields.email}
          />
          <TextField
            label="Password"
            type="password"
            name="password"
            autoComplete="new-password"
            required
            value={password}
            onValue={setPassword}
            error={errors.fields.password}
            hint="Long and hard to guess: a phrase of a few unrelated words works well."
          />
          <TextField
            label="Full name (optional)"
            name="fullName"
            autoComplete="name"
            value={fullName}
            onValue={setFullName}
            error={errors.fields.fullName}
          />
          <Status kind="error">{errors.form}</Status>
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? "Creating…" : "Create account"}
          </button>
        </form>
      </Card>
      <p className="center">
        Already have an account? <Link to="/login">Sign in</Link>
      </p>
    </Page>
  );
}
