import { useState } from "react";
import { api, messageOf } from "../api/client.ts";
import type { LoginRecord, Session } from "../api/types.ts";
import { Card, Page } from "../components/page.tsx";
import { Status } from "../components/status.tsx";
import { useAuth } from "../lib/auth.tsx";
import { useServerEvent } from "../lib/events.tsx";
import { formatDateTime, shortAgent } from "../lib/format.ts";
import { useResource } from "../lib/use-resource.ts";

function outcomeLabel(outcome: string): string {
  const words = outcome.replace(/[_-]+/g, " ").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function SessionList() {
  const { data, error, reload } = useResource<{ sessions: Session[] }>("/api/v1/me/sessions");
  const { signOut } = useAuth();
  const [status, setStatus] = useState<{ kind: "success" | "error"; text: string }>();
  const [busy, setBusy] = useState<string>();
  const sessions = data?.sessions ?? [];
  const others = sessions.filter((s) => !s.current).length;
  useServerEvent("session.revoked", () => void reload());

  const run = async (id: string, action: () => Promise<unknown>, done: string) => {
    setBusy(id);
    try {
      await action();
      setStatus({ kind: "success", text: done });
      await reload();
    } catch (e) {
      setStatus({ kind: "error", text: messageOf(e) });
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <Card
      title="Signed-in devices"
      actions={
        <button
          type="button"
          className="button"
          disabled={others === 0 || busy !== undefined}
          onClick={() =>
            void run("all", () => api.delete("/api/v1/me/sessions"), "Every other session was signed out.")
          }
        >
          Sign out everywhere else
        </button>
      }
    >
      <Status kind={status?.kind}>{status?.text}</Status>
      {error && <Status kind="error">{error}</Status>}
      <ul className="list">
        {sessions.map((s) => (
          <li key={s.id} className="list__item">
            <div>
              <strong>{shortAgent(s.userAgent)}</strong>
              {s.current && <span className="badge badge--generated">This device</span>}
              <div className="muted small">
                {s.ip || "unknown address"} · signed in {formatDateTime(s.createdAt)} · last seen{" "}
                {formatDateTime(s.lastSeenAt)}
              </div>
            </div>
            {s.current ? (
              <button type="button" className="button button--small" onClick={() => void signOut()}>
                Sign out
              </button>
            ) : (
              <button
                type="button"
                className="button button--small"
                disabled={busy !== undefined}
                aria-label={`Sign out ${shortAgent(s.userAgent)} from ${s.ip || "unknown address"}`}
                onClick={() =>
                  void run(
                    s.id,
                    () => api.delete(`/api/v1/me/sessions/${s.id}`),
                    "That session was signed out.",
                  )
                }
              >
                Revoke
              </button>
            )}
          </li>
        ))}
      </ul>
    </Card>
  );
}

function LoginHistory() {
  const { data, error } = useResource<{ logins: LoginRecord[] }>("/api/v1/me/logins");
  return (
    <Card title="Login history">
      {error && <Status kind="error">{error}</Status>}
      {data && data.logins.length === 0 && <p className="empty">No logins recorded yet.</p>}
      {data && data.logins.length > 0 && (
        <table className="table table--stack">
          <caption className="sr-only">Recent sign-in attempts, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Outcome</th>
              <th scope="col">Address</th>
              <th scope="col">Device</th>
            </tr>
          </thead>
          <tbody>
            {data.logins.map((l, i) => (
              <tr key={`${l.at}-${i}`}>
                <td data-label="When">{formatDateTime(l.at)}</td>
                <td data-label="Outcome">
                  <span className={`badge badge--${/succe/i.test(l.outcome) ? "generated" : "failed"}`}>
                    {outcomeLabel(l.outcome)}
                  </span>
                </td>
                <td data-label="Address">{l.ip || "—"}</td>
                <td data-label="Device">{shortAgent(l.userAgent)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

export function Sessions() {
  return (
    <Page title="Sessions">
      <SessionList />
      <LoginHistory />
    </Page>
  );
}
