import type { AddressInfo } from "node:net";
import type { ParsedMail } from "mailparser";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DLQ_HEADERS } from "../../../src/messaging/consumer.ts";
import { dlqTopic } from "../../../src/messaging/transport.ts";
import { sendEmail } from "../../../src/contracts/mailer/index.ts";
import { waitFor } from "../../support/index.ts";
import type { MailerHarness } from "./support.ts";
import { activation, recipient, sendEmailEnvelope, startMailer } from "./support.ts";

/**
 * A stand-in for an external SMTP server (a relay or Mailpit): it refuses recipients named
 * `reject-…` with 550 for good, defers `flaky-…` recipients once with 451, and keeps the rest.
 */
async function startExternalServer(): Promise<{
  port: number;
  received: ParsedMail[];
  close(): Promise<void>;
}> {
  const received: ParsedMail[] = [];
  const deferred = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    logger: false,
    onRcptTo(address, _session, callback) {
      const rcpt = address.address.toLowerCase();
      if (rcpt.startsWith("reject")) {
        return callback(Object.assign(new Error("5.1.1 No such mailbox"), { responseCode: 550 }));
      }
      if (rcpt.startsWith("flaky") && !deferred.has(rcpt)) {
        deferred.add(rcpt);
        return callback(Object.assign(new Error("4.7.1 Greylisted, try again"), { responseCode: 451 }));
      }
      callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(mail);
          callback();
        },
        (error: unknown) => callback(error as Error),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  return {
    port: (server.server.address() as AddressInfo).port,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe("mailer with an external SMTP server (SMTP_URL)", () => {
  let external: Awaited<ReturnType<typeof startExternalServer>>;
  let h: MailerHarness;

  beforeAll(async () => {
    external = await startExternalServer();
    h = await startMailer({
      env: {
        SMTP_URL: `smtp://127.0.0.1:${external.port}`,
        MAIL_FROM: "Ledgerline <no-reply@ledgerline.test>",
      },
    });
  });
  afterAll(async () => {
    await h?.stop();
    await external?.close();
  });

  const receivedBy = (to: string): ParsedMail[] =>
    external.received.filter((m) =>
      (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).some((a) => a.text.includes(to)),
    );

  it("turns the catcher off", async () => {
    expect(h.mailer.catcherAddress()).toBeUndefined();
  });

  it("sends over SMTP to SMTP_URL with the envelope's Message-ID and MAIL_FROM", async () => {
    const to = recipient();
    const envelope = sendEmailEnvelope(activation(to, "ext-token"));
    await h.publish(envelope);
    const [mail] = await waitFor("the external server to receive it", () => {
      const mails = receivedBy(to);
      return mails.length > 0 ? mails : undefined;
    });
    expect(mail?.messageId).toBe(`<${envelope.id}@ledgerline>`);
    expect(mail?.subject).toBe("Activate your Ledgerline account");
    expect(mail?.from?.text).toContain("no-reply@ledgerline.test");
    expect(mail?.text).toContain("http://127.0.0.1:3000/activate?token=ext-token");
    expect(await h.outgoing(envelope.id)).toMatchObject({ status: "sent", attempts: 1 });
    const caught = await h.db.query<{ n: number }>(`select count(*)::int as n from ${h.schema}.mailbox`);
    expect(caught[0]?.n).toBe(0);
  });

  it("retries a 4xx deferral and then sends once", async () => {
    const to = recipient("flaky");
    const envelope = sendEmailEnvelope(activation(to));
    await h.publish(envelope);
    await waitFor("the sent mark", async () => (await h.outgoing(envelope.id))?.status === "sent");
    expect(receivedBy(to)).toHaveLength(1);
    expect(await h.outgoing(envelope.id)).toMatchObject({ attempts: 2 });
  });

  it("parks a permanently refused mail (550) on send-email.dlq without retrying", async () => {
    const to = recipient("reject");
    const envelope = sendEmailEnvelope(activation(to));
    await h.publish(envelope);
    const dead = await waitFor("the dead letter", async () =>
      (await h.platform.transport.read(dlqTopic(sendEmail.topic))).find((d) => d.envelope.id === envelope.id),
    );
    expect(dlqTopic(sendEmail.topic)).toBe("send-email.dlq");
    expect(dead.headers[DLQ_HEADERS.attempts]).toBe("1");
    const error = JSON.parse(dead.headers[DLQ_HEADERS.error] ?? "{}") as {
      code?: string;
      canRetry?: boolean;
    };
    expect(error).toMatchObject({ code: "MAIL_PERMANENT_FAILURE", canRetry: false });
    expect(await h.outgoing(envelope.id)).toMatchObject({ status: "failed", attempts: 1 });
    expect((await h.outgoing(envelope.id))?.lastError).toContain("550");
    expect(receivedBy(to)).toHaveLength(0);
  });
});
