import type { FormEvent } from "react";
import { useState } from "react";
import { api } from "../api/client.ts";
import { TextField } from "../components/field.tsx";
import { Card, Page } from "../components/page.tsx";
import { Status } from "../components/status.tsx";
import { useFormErrors } from "../lib/form-errors.ts";
import { Link } from "../lib/router.tsx";

export function ForgotPassword() {
  const [email, setEmail] = useState("");
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string>();
  const errors = useFormErrors();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!email.trim()) return errors.set({ email: "Enter your email address." });
    setBusy(true);
    errors.clear();
    try {
      await api.post("/api/v1/password/forgot", { email: email.trim() });
      setDone(email.trim());
    } catch (error) {
      errors.show(error, (p) => p === "email");
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title="Reset your password" narrow>
      <Card>
        {done ? (
          <>
            <Status kind="success">
              If an account exists for {done}, we emailed it a link to choose a new password.
            </Status>
            <p className="muted">
              Running locally? Open the development <Link to="/mailbox">mailbox</Link>.
            </p>
          </>
        ) : (
          <form onSubmit={(e) => void submit(e)} noValidate className="form">
            <p>Enter your account's email and we will send you a link to choose a new password.</p>
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
            <Status kind="error">{errors.form}</Status>
            <button type="submit" className="button button--primary" disabled={busy}>
              {busy ? "Sending…" : "Send the link"}
            </button>
          </form>
        )}
      </Card>
      <p className="center">
        <Link to="/login">Back to sign in</Link>
      </p>
    </Page>
  );
}
