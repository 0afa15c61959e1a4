import type { FormEvent } from "react";
import { useState } from "react";
import { api } from "../api/client.ts";
import type { Profile } from "../api/types.ts";
import { TextArea, TextField } from "../components/field.tsx";
import { Card, Page } from "../components/page.tsx";
import { Status } from "../components/status.tsx";
import { useAuth } from "../lib/auth.tsx";
import { formatDate } from "../lib/format.ts";
import { useFormErrors } from "../lib/form-errors.ts";
import { useResource } from "../lib/use-resource.ts";

function ProfileForm({ profile, onSaved }: { readonly profile: Profile; onSaved(): void }) {
  const [fullName, setFullName] = useState(profile.fullName ?? "");
  const [phone, setPhone] = useState(profile.phone ?? "");
  const [address, setAddress] = useState(profile.address ?? "");
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string>();
  const errors = useFormErrors();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setSaved(undefined);
    errors.clear();
    try {
      await api.patch<Profile>("/api/v1/me", {
        fullName: fullName.trim() || null,
        phone: phone.trim() || null,
        address: address.trim() || null,
      });
      setSaved("Your profile was saved.");
      onSaved();
    } catch (error) {
      errors.show(error, (p) => ["fullName", "phone", "address"].includes(p));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate className="form">
      <p className="muted">
        {profile.email} · member since {formatDate(profile.createdAt)}
      </p>
      <TextField
        label="Full name"
        name="fullName"
        autoComplete="name"
        value={fullName}
        onValue={setFullName}
        error={errors.fields.fullName}
      />
      <TextField
        label="Phone"
        name="phone"
        type="tel"
        autoComplete="tel"
        value={phone}
        onValue={setPhone}
        error={errors.fields.phone}
      />
      <TextArea
        label="Address"
        name="address"
        autoComplete="street-address"
        value={address}
        onValue={setAddress}
        error={errors.fields.address}
      />
      <Status kind="error">{errors.form}</Status>
      <Status kind="success">{saved}</Status>
      <button type="submit" className="button button--primary" disabled={busy}>
        {busy ? "Saving…" : "Save profile"}
      </button>
    </form>
  );
}

function ChangePassword() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<string>();
  const errors = useFormErrors();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(undefined);
    const missing: Record<string, string> = {};
    if (!current) missing.currentPassword = "Enter your current password.";
    if (!next) missing.newPassword = "Choose a new password.";
    else if (next !== confirm) missing.confirm = "The two passwords differ.";
    if (Object.keys(missing).length) return errors.set(missing);
    setBusy(true);
    errors.clear();
    try {
      await api.post("/api/v1/password/change", { currentPassword: current, newPassword: next });
      setCurrent("");
      setNext("");
      setConfirm("");
      setDone("Your password was changed. Your other sessions were signed out.");
    } catch (error) {
      if (error instanceof Error && "code" in error && error.code === "INVALID_CREDENTIALS") {
        errors.set({ currentPassword: "This is not your current password." });
      } else errors.show(error, (p) => p === "currentPassword" || p === "newPassword");
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate className="form">
      <TextField
        label="Current password"
        type="password"
        name="currentPassword"
        autoComplete="current-password"
        value={current}
        onValue={setCurrent}
        error={errors.fields.currentPassword}
      />
      <TextField
        label="New password"
        type="password"
        name="newPassword"
        autoComplete="new-password"
        value={next}
        onValue={setNext}
        error={errors.fields.newPassword}
      />
      <TextField
        label="Repeat the new password"
        type="password"
        name="confirm"
        autoComplete="new-password"
        value={confirm}
        onValue={setConfirm}
        error={errors.fields.confirm}
      />
      <Status kind="error">{errors.form}</Status>
      <Status kind="success">{done}</Status>
      <button type="submit" className="button button--primary" disabled={busy}>
        {busy ? "Changing…" : "Change password"}
      </button>
    </form>
  );
}

export function ProfilePage() {
  const { data, error, reload } = useResource<Profile>("/api/v1/me");
  const { refresh } = useAuth();
  return (
    <Page title="Profile">
      <div className="grid-2 grid-2--top">
        <Card title="Your details">
          {error && <Status kind="error">{error}</Status>}
          {data ? (
            <ProfileForm
              key={data.id}
              profile={data}
              onSaved={() => {
                void reload();
                void refresh();
              }}
            />
          ) : (
            <p className="muted">Loading…</p>
          )}
        </Card>
        <Card title="Change password">
          <ChangePassword />
        </Card>
      </div>
    </Page>
  );
}
