import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DLQ_HEADERS } from "../../../src/messaging/consumer.ts";
import { dlqTopic } from "../../../src/messaging/transport.ts";
import { sendEmail } from "../../../src/contracts/mailer/index.ts";
import { waitFor } from "../../support/index.ts";
import type { ExternalSmtp, MailerHarness } from "./support.ts";
import { activation, recipient, sendEmailEnvelope, startExternalSmtp, startMailer } from "./support.ts";

describe("mailer with an external SMTP server (SMTP_URL)", () => {
  let external: ExternalSmtp;
  let h: MailerHarness;

  beforeAll(async () => {
    external = await startExternalSmtp();
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

  it("turns the catcher off", async () => {
    expect(h.mailer.catcherAddress()).toBeUndefined();
  });

  it("sends over SMTP to SMTP_URL with the envelope's Message-ID and MAIL_FROM", async () => {
    const to = recipient();
    const envelope = sendEmailEnvelope(activation(to, "ext-token"));
    await h.publish(envelope);
    const [mail] = await waitFor("the external server to receive it", () => {
      const mails = external.receivedBy(to);
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
    expect(external.receivedBy(to)).toHaveLength(1);
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
    expect(external.receivedBy(to)).toHaveLength(0);
  });
});
