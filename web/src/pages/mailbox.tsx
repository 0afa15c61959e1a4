import { useState } from "react";
import type { MailboxMessage } from "../api/types.ts";
import { TextField } from "../components/field.tsx";
import { Card, Page } from "../components/page.tsx";
import { Status } from "../components/status.tsx";
import { formatDateTime } from "../lib/format.ts";
import { appPath, Link, useLocation } from "../lib/router.tsx";
import { useInterval, useResource } from "../lib/use-resource.ts";

function MailView({ mail }: { readonly mail: MailboxMessage }) {
  const [plain, setPlain] = useState(false);
  return (
    <article className="mail" aria-labelledby="mail-subject">
      <h2 id="mail-subject">{mail.subject}</h2>
      <p className="muted small">
        To {mail.to} · {formatDateTime(mail.receivedAt)}
      </p>
      {mail.links.length > 0 && (
        <div className="mail__links">
          <h3>Links in this message</h3>
          <ul>
            {mail.links.map((href) => (
              <li key={href}>
                {appPath(href) !== undefined ? (
                  <Link to={href}>{href}</Link>
                ) : (
                  <a href={href} target="_blank" rel="noopener noreferrer">
                    {href}
                  </a>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="row">
        <button
          type="button"
          className="button button--small"
          aria-pressed={plain}
          onClick={() => setPlain((p) => !p)}
        >
          {plain ? "Show HTML" : "Show plain text"}
        </button>
      </div>
      {plain || !mail.html ? (
        <pre className="mail__text">{mail.text}</pre>
      ) : (
        <>
          <p className="muted small">Shown with scripts and links disabled: follow the links listed above.</p>
          {/* Anything on this machine can send mail to the catcher: render it with no rights at all. */}
          <iframe className="mail__html" title={`Message: ${mail.subject}`} sandbox="" srcDoc={mail.html} />
        </>
      )}
    </article>
  );
}

/** The development mailbox: what the embedded SMTP catcher received, newest first. */
export function Mailbox() {
  const { query } = useLocation();
  const [to, setTo] = useState(query.get("to") ?? "");
  const [selected, setSelected] = useState<string>();
  const filter = /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(to.trim()) ? `?to=${encodeURIComponent(to.trim())}` : "";
  const { data, error, errorStatus, reload } = useResource<{ messages: MailboxMessage[] }>(
    `/api/v1/dev/mailbox${filter}`,
  );
  useInterval(() => void reload(), 3000);
  const messages = data?.messages ?? [];
  const mail = messages.find((m) => m.id === selected);
  const off = errorStatus === 404;

  return (
    <Page title="Mailbox">
      <p className="muted">
        Development only: every email the platform sends is caught here instead of being delivered.
      </p>
      <div className="mailbox">
        <Card className="mailbox__list">
          <TextField
            label="Recipient"
            type="email"
            placeholder="Everyone"
            value={to}
            onValue={setTo}
            hint="Filter by the exact address."
          />
          {off ? (
            <Status kind="error">
              The development mailbox is off: mail goes to a real SMTP server (SMTP_URL is set).
            </Status>
          ) : (
            error && <Status kind="error">{error}</Status>
          )}
          <Status plain>
            {data ? `${messages.length} message${messages.length === 1 ? "" : "s"}` : undefined}
          </Status>
          <ul className="maillist">
            {messages.map((m) => (
              <li key={m.id}>
                <button
                  type="button"
                  className={`maillist__item${m.id === selected ? " maillist__item--selected" : ""}`}
                  aria-current={m.id === selected ? "true" : undefined}
                  onClick={() => setSelected(m.id)}
                >
                  <span className="maillist__subject">{m.subject}</span>
                  <span className="maillist__meta">
                    {m.to} · {formatDateTime(m.receivedAt)}
                  </span>
                </button>
              </li>
            ))}
          </ul>
          {data && messages.length === 0 && <p className="empty">No mail yet.</p>}
        </Card>
        <Card className="mailbox__view">
          {mail ? (
            <MailView key={mail.id} mail={mail} />
          ) : (
            <p className="empty">Choose a message to read it.</p>
          )}
        </Card>
      </div>
    </Page>
  );
}
