import type { FormEvent } from "react";
import { useCallback, useEffect, useState } from "react";
import { api, messageOf } from "../../api/client.ts";
import type { Profile, UserStatus } from "../../api/types.ts";
import { SelectField, TextField } from "../../components/field.tsx";
import { Card } from "../../components/page.tsx";
import { Status } from "../../components/status.tsx";
import { formatDate } from "../../lib/format.ts";

const STATUSES = [
  ["", "Any status"],
  ["ACTIVE", "Active"],
  ["PENDING", "Pending"],
  ["SUSPENDED", "Suspended"],
  ["EXPIRED", "Expired"],
] as const;

const STATUS_LABEL: Record<UserStatus, string> = {
  ACTIVE: "Active",
  PENDING: "Pending",
  SUSPENDED: "Suspended",
  EXPIRED: "Expired",
};

function SuspendForm({
  user,
  onDone,
  onCancel,
}: {
  readonly user: Profile;
  onDone(text: string): void;
  onCancel(): void;
}) {
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!reason.trim()) return setError("Say why: the reason is kept with the suspension.");
    try {
      await api.post(`/api/v1/admin/users/${user.id}/suspend`, { reason: reason.trim() });
      onDone(`${user.email} is suspended; their sessions ended.`);
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return (
    <form className="inline-form" onSubmit={(e) => void submit(e)} noValidate>
      <TextField
        label={`Reason for suspending ${user.email}`}
        value={reason}
        onValue={setReason}
        error={error}
        autoFocus
      />
      <div className="row">
        <button type="submit" className="button button--danger button--small">
          Suspend
        </button>
        <button type="button" className="button button--quiet button--small" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function Users() {
  const [query, setQuery] = useState("");
  const [status, setStatus] = useState("");
  const [users, setUsers] = useState<Profile[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [message, setMessage] = useState<{ kind: "success" | "error"; text: string }>();
  const [suspending, setSuspending] = useState<string>();

  const load = useCallback(
    async (more?: string) => {
      const params = new URLSearchParams();
      if (query.trim()) params.set("query", query.trim());
      if (status) params.set("status", status);
      if (more) params.set("cursor", more);
      try {
        const page = await api.get<{ users: Profile[]; nextCursor: string | null }>(
          `/api/v1/admin/users?${params}`,
        );
        setUsers((prev) => (more ? [...prev, ...page.users] : page.users));
        setCursor(page.nextCursor);
        setLoaded(true);
      } catch (e) {
        setMessage({ kind: "error", text: messageOf(e) });
      }
    },
    [query, status],
  );

  useEffect(() => {
    const id = window.setTimeout(() => void load(), 250);
    return () => window.clearTimeout(id);
  }, [load]);

  const unsuspend = async (user: Profile) => {
    try {
      await api.post(`/api/v1/admin/users/${user.id}/unsuspend`);
      setMessage({ kind: "success", text: `${user.email} is active again.` });
      await load();
    } catch (e) {
      setMessage({ kind: "error", text: messageOf(e) });
    }
  };

  return (
    <Card title="Users">
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <TextField label="Search by email or name" type="search" value={query} onValue={setQuery} />
        <SelectField
          label="Status"
          value={status}
          onValue={(v) => setStatus(v as UserStatus | "")}
          options={STATUSES}
        />
      </form>
      <Status kind={message?.kind}>{message?.text}</Status>
      {!loaded ? (
        <p className="muted">Loading users…</p>
      ) : users.length === 0 ? (
        <p className="empty">No users match.</p>
      ) : (
        <ul className="list">
          {users.map((u) => (
            <li key={u.id} className="list__item list__item--wrap" data-user-email={u.email}>
              <div>
                <strong>{u.email}</strong>{" "}
                <span className={`badge badge--${u.status.toLowerCase()}`}>{STATUS_LABEL[u.status]}</span>
                {u.role === "admin" && <span className="badge">admin</span>}
                <div className="muted small">
                  {u.fullName ?? "No name"} · joined {formatDate(u.createdAt)}
                </div>
              </div>
              {u.status === "SUSPENDED" ? (
                <button type="button" className="button button--small" onClick={() => void unsuspend(u)}>
                  Unsuspend<span className="sr-only"> {u.email}</span>
                </button>
              ) : suspending === u.id ? (
                <SuspendForm
                  user={u}
                  onCancel={() => setSuspending(undefined)}
                  onDone={(text) => {
                    setSuspending(undefined);
                    setMessage({ kind: "success", text });
                    void load();
                  }}
                />
              ) : (
                u.role !== "admin" && (
                  <button type="button" className="button button--small" onClick={() => setSuspending(u.id)}>
                    Suspend<span className="sr-only"> {u.email}</span>
                  </button>
                )
              )}
            </li>
          ))}
        </ul>
      )}
      {cursor && (
        <button type="button" className="button" onClick={() => void load(cursor)}>
          Load more
        </button>
      )}
    </Card>
  );
}
