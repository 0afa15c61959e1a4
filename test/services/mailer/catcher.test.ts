import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installErrorHandling } from "../../../src/gateway/error-handler.ts";
import { devMailboxRoutes } from "../../../src/gateway/routes/dev-mailbox.ts";
import { messageIdFor } from "../../../src/services/mailer/commands/send-email.ts";
import { waitFor } from "../../support/index.ts";
import type { MailerHarness } from "./support.ts";
import { activation, recipient, sendEmailEnvelope, startMailer } from "./support.ts";

describe("mailer with the embedded SMTP catcher", () => {
  let h: MailerHarness;

  beforeAll(async () => {
    h = await startMailer();
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** Waits until a later message for the same key is in the mailbox: everything before it was handled. */
  async function drain(to: string): Promise<void> {
    const marker = sendEmailEnvelope({
      to,
      template: "password-changed",
      data: { at: "2030-01-01T00:00:00.000Z" },
    });
    await h.publish(marker);
    await waitFor("the marker mail", async () =>
      (await h.mailbox(to)).some((m) => m.subject.includes("password was changed")),
    );
  }

  it("starts the catcher on loopback", () => {
    expect(h.mailer.catcherAddress()).toMatchObject({ host: "127.0.0.1", port: expect.any(Number) });
  });

  it("delivers a send-email over SMTP into the mailbox, with its link extracted", async () => {
    const to = recipient();
    const request = activation(to, "tok123");
    await h.publish(sendEmailEnvelope(request));
    const [mail] = await waitFor("the activation mail", async () => {
      const messages = await h.mailbox(to);
      return messages.length > 0 ? messages : undefined;
    });
    expect(mail).toMatchObject({ to, subject: "Activate your Ledgerline account" });
    expect(mail?.links).toEqual(["http://127.0.0.1:3000/activate?token=tok123"]);
    expect(mail?.text).toContain("http://127.0.0.1:3000/activate?token=tok123");
    expect(mail?.html).toContain('href="http://127.0.0.1:3000/activate?token=tok123"');
    expect(Number.isNaN(Date.parse(mail?.receivedAt ?? ""))).toBe(false);
  });

  it("sends one mail when the same envelope is delivered twice", async () => {
    const to = recipient();
    const envelope = sendEmailEnvelope(activation(to));
    await h.publish(envelope);
    await h.publish(envelope);
    await drain(to);
    const activations = (await h.mailbox(to)).filter((m) => m.subject.startsWith("Activate"));
    expect(activations).toHaveLength(1);
    expect(await h.outgoing(envelope.id)).toMatchObject({ status: "sent", attempts: 1 });
  });

  it("shows one mail when the mailer crashed after sending and before recording it", async () => {
    const to = recipient();
    const envelope = sendEmailEnvelope(activation(to));
    await h.publish(envelope);
    await waitFor("the first send", async () => (await h.outgoing(envelope.id))?.status === "sent");
    // What a crash between the SMTP exchange and the "sent" update leaves behind.
    await h.db.query(`update ${h.schema}.outgoing set status = 'sending' where envelope_id = $1`, [
      envelope.id,
    ]);
    await h.publish(envelope);
    await drain(to);
    expect(await h.outgoing(envelope.id)).toMatchObject({ status: "sent", attempts: 2 });
    const caught = await h.db.query<{ n: number }>(
      `select count(*)::int as n from ${h.schema}.mailbox where message_id = $1`,
      [messageIdFor(envelope.id)],
    );
    expect(caught[0]?.n).toBe(1);
    expect((await h.mailbox(to)).filter((m) => m.subject.startsWith("Activate"))).toHaveLength(1);
  });

  it("serves the mailbox over HTTP, filtered by recipient, and refuses a bad query", async () => {
    const to = recipient();
    await h.publish(sendEmailEnvelope(activation(to)));
    await waitFor("the mail", async () => (await h.mailbox(to)).length === 1);
    const app = Fastify();
    installErrorHandling(app);
    const requester = h.platform.requester;
    if (!requester) throw new Error("no requester");
    devMailboxRoutes(app, { requester });
    try {
      const ok = await app.inject({
        method: "GET",
        url: `/api/v1/dev/mailbox?to=${encodeURIComponent(to.toUpperCase())}`,
      });
      expect(ok.statusCode).toBe(200);
      const body = ok.json<{ messages: { to: string; subject: string }[] }>();
      expect(body.messages).toHaveLength(1);
      expect(body.messages[0]).toMatchObject({ to, subject: "Activate your Ledgerline account" });
      const bad = await app.inject({ method: "GET", url: "/api/v1/dev/mailbox?to=not-an-email" });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ error: { code: "VALIDATION_FAILED", details: [{ path: "to" }] } });
    } finally {
      await app.close();
    }
  });
});

describe("mailer mailbox on disk", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ledgerline-mailer-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps the caught mail across a restart", async () => {
    const to = recipient();
    const first = await startMailer({ env: { DATA_DIR: dir }, inMemory: false });
    try {
      await first.publish(sendEmailEnvelope(activation(to)));
      await waitFor("the mail", async () => (await first.mailbox(to)).length === 1);
    } finally {
      await first.stop();
    }
    const second = await startMailer({ env: { DATA_DIR: dir }, inMemory: false });
    try {
      const messages = await second.mailbox(to);
      expect(messages.map((m) => m.subject)).toEqual(["Activate your Ledgerline account"]);
    } finally {
      await second.stop();
    }
  });
});
