import type { FormEvent } from "react";
import { useState } from "react";
import { api, ApiError } from "../api/client.ts";
import { TextField } from "../components/field.tsx";
import { Card, Page } from "../components/page.tsx";
import { Status } from "../components/status.tsx";
import { useFormErrors } from "../lib/form-errors.ts";
import { Link, navigate, useLocation } from "../lib/router.tsx";

export function ResetPassword() {
  const { query } = useLocation();
  const token = query.get("token") ?? "";
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [busy, setBusy] = useState(false);
  const errors = useFormErrors();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!password) return errors.set({ password: "Choose a new password." });
    if (password !== confirm) return errors.set({ confirm: "The two passwords differ." });
    setBusy(true);
    errors.clear();
    try {
      await api.post("/api/v1/password/reset", { token, password });
      navigate("/login?reset=1", { replace: true });
    } catch (error) {
      if (
        error instanceof ApiError &&
        (error.code === "TOKEN_INVALID" || error.details.some((d) => d.path === "token"))
      ) {
        errors.set({}, "This reset link is not valid: it may have been used already or have expired.");
      } else errors.show(error, (p) => p === "password");
    } finally {
      setBusy(false);
    }
  };

  if (!token) {
    return (
      <Page title="Choose a new password" narrow>
        <Status kind="error">This link has no reset token.</Status>
        <p>
          <Link to="/forgot-password">Ask for a new link</Link>
        </p>
      </Page>
    );
  }

  return (
    <Page title="Choose a new password" narrow>
      <Card>
        <form onSubmit={(e) => void submit(e)} noValidate className="form">
          <TextField
            label="New password"
            type="password"
            name="password"
            autoComplete="new-password"
            required
            value={password}
            onValue={setPassword}
            error={errors.fields.password}
          />
          <TextField
            label="Repeat the new password"
            type="password"
            name="confirm"
            autoComplete="new-password"
            required
            value={confirm}
            onValue={setConfirm}
            error={errors.fields.confirm}
          />
          <Status kind="error">{errors.form}</Status>
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? "Saving…" : "Set the new password"}
          </button>
        </form>
      </Card>
      <p className="center">
        Every session of your account ends with the reset. <Link to="/forgot-password">Need a new link?</Link>
      </p>
    </Page>
  );
}
