import { useState } from "react";
import { api, messageOf } from "../../api/client.ts";
import type { BlockedEntry } from "../../api/types.ts";
import { Card } from "../../components/page.tsx";
import { Status } from "../../components/status.tsx";
import { formatDateTime } from "../../lib/format.ts";
import { useInterval, useResource } from "../../lib/use-resource.ts";

export function Blocked() {
  const { data, error, reload } = useResource<{ blocked: BlockedEntry[] }>("/api/v1/admin/blocked");
  const [message, setMessage] = useState<{ kind: "success" | "error"; text: string }>();
  useInterval(() => void reload(), 10_000);

  const unblock = async (entry: BlockedEntry) => {
    try {
      await api.delete(`/api/v1/admin/blocked/${encodeURIComponent(entry.email)}`);
      setMessage({ kind: "success", text: `${entry.email} is unlocked; its failure count is reset.` });
      await reload();
    } catch (e) {
      setMessage({ kind: "error", text: messageOf(e) });
    }
  };

  return (
    <Card
      title="Locked accounts"
      actions={
        <button type="button" className="button button--small" onClick={() => void reload()}>
          Refresh
        </button>
      }
    >
      <Status kind={message?.kind}>{message?.text}</Status>
      {error && <Status kind="error">{error}</Status>}
      {data && data.blocked.length === 0 && <p className="empty">No account is locked.</p>}
      {data && data.blocked.length > 0 && (
        <ul className="list">
          {data.blocked.map((b) => (
            <li key={b.email} className="list__item" data-blocked-email={b.email}>
              <div>
                <strong>{b.email}</strong>
                <div className="muted small">
                  {b.failures} failed attempts · locked {formatDateTime(b.lockedAt)} ·{" "}
                  {b.lockedUntil ? `until ${formatDateTime(b.lockedUntil)}` : "until unlocked"} · {b.reason}
                </div>
              </div>
              <button type="button" className="button button--small" onClick={() => void unblock(b)}>
                Unblock<span className="sr-only"> {b.email}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
