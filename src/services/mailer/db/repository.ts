import type { Executor } from "../../../db/database.ts";
import { ident } from "../../../db/database.ts";
import type { MailboxMessage } from "../../../contracts/mailer/list-mailbox.ts";
import { newId } from "../../../platform/ids.ts";

/** The mailer's tables, for one schema. Every method is one statement: none holds a transaction open. */
export class MailerRepository {
  private readonly s: string;

  constructor(schema: string) {
    this.s = ident(schema);
  }

  /**
   * Records the intent to send (status `sending`, one more attempt) and returns the attempt
   * number, or undefined when this envelope's mail was already sent (a redelivery: skip it).
   * A `failed` row (permanent rejection, then a DLQ replay) is tried again.
   */
  async claim(
    db: Executor,
    mail: { envelopeId: string; recipient: string; template: string; messageId: string },
  ): Promise<number | undefined> {
    const rows = await db.query<{ attempts: number }>(
      `insert into ${this.s}.outgoing as o (envelope_id, recipient, template, message_id, status, attempts)
       values ($1, $2, $3, $4, 'sending', 1)
       on conflict (envelope_id) do update set status = 'sending', attempts = o.attempts + 1, updated_at = now()
         where o.status <> 'sent'
       returning attempts`,
      [mail.envelopeId, mail.recipient, mail.template, mail.messageId],
    );
    return rows[0]?.attempts;
  }

  async markSent(db: Executor, envelopeId: string, smtpResponse: string): Promise<void> {
    await db.query(
      `update ${this.s}.outgoing set status = 'sent', smtp_response = $2, last_error = null,
         sent_at = now(), updated_at = now() where envelope_id = $1`,
      [envelopeId, smtpResponse.slice(0, 1000)],
    );
  }

  /** Keeps the last error; `failed` for a permanent rejection, `sending` while a retry may help. */
  async markFailed(
    db: Executor,
    envelopeId: string,
    status: "sending" | "failed",
    error: string,
  ): Promise<void> {
    await db.query(
      `update ${this.s}.outgoing set status = $2, last_error = $3, updated_at = now() where envelope_id = $1`,
      [envelopeId, status, error.slice(0, 1000)],
    );
  }

  async outgoing(
    db: Executor,
    envelopeId: string,
  ): Promise<{ status: string; attempts: number; lastError: string | null } | undefined> {
    const rows = await db.query<{ status: string; attempts: number; last_error: string | null }>(
      `select status, attempts, last_error from ${this.s}.outgoing where envelope_id = $1`,
      [envelopeId],
    );
    const row = rows[0];
    return row && { status: row.status, attempts: row.attempts, lastError: row.last_error };
  }

  /** Stores a caught message once per (Message-ID, recipient): a resend of the same message is absorbed. */
  async storeCaught(
    db: Executor,
    mail: {
      messageId: string;
      recipients: readonly string[];
      subject: string;
      text: string;
      html: string;
      links: readonly string[];
    },
  ): Promise<number> {
    let stored = 0;
    for (const recipient of mail.recipients) {
      const rows = await db.query(
        `insert into ${this.s}.mailbox (id, message_id, recipient, subject, text_body, html_body, links)
         values ($1, $2, $3, $4, $5, $6, $7::text[])
         on conflict (message_id, recipient) do nothing
         returning id`,
        [newId(), mail.messageId, recipient, mail.subject, mail.text, mail.html, [...mail.links]],
      );
      stored += rows.length;
    }
    return stored;
  }

  async listCaught(
    db: Executor,
    filter: { to?: string | undefined; limit: number },
  ): Promise<MailboxMessage[]> {
    const rows = await db.query<{
      id: string;
      recipient: string;
      subject: string;
      text_body: string;
      html_body: string;
      links: string[];
      received_at: Date | string;
    }>(
      `select id, recipient, subject, text_body, html_body, links, received_at from ${this.s}.mailbox
       where $1::text is null or recipient = $1
       order by received_at desc, id desc limit $2`,
      [filter.to?.toLowerCase() ?? null, filter.limit],
    );
    return rows.map((r) => ({
      id: r.id,
      to: r.recipient,
      subject: r.subject,
      text: r.text_body,
      html: r.html_body,
      links: r.links,
      receivedAt: new Date(r.received_at).toISOString(),
    }));
  }
}
