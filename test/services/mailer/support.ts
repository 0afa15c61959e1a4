import type { AddressInfo } from "node:net";
import type { ParsedMail } from "mailparser";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import type { MailboxMessage, SendEmail } from "../../../src/contracts/mailer/index.ts";
import { listMailbox, sendEmail } from "../../../src/contracts/mailer/index.ts";
import type { Database } from "../../../src/db/database.ts";
import type { Envelope } from "../../../src/messaging/envelope.ts";
import { createEnvelope } from "../../../src/messaging/envelope.ts";
import { Platform } from "../../../src/runtime/platform.ts";
import { MailerRepository } from "../../../src/services/mailer/db/repository.ts";
import type { MailerService } from "../../../src/services/mailer/service.ts";
import { createMailerService } from "../../../src/services/mailer/service.ts";
import { testConfig, testSealer, unique } from "../../support/index.ts";

/** A platform running only the mailer, with a requester (as the gateway has) and its database. */
export interface MailerHarness {
  readonly platform: Platform;
  readonly mailer: MailerService;
  readonly db: Database;
  /** The mailer's schema (a plain SQL identifier). */
  readonly schema: string;
  /** Publishes a send-email envelope on the log as another service's outbox relay would. */
  publish(envelope: Envelope<SendEmail>): Promise<void>;
  mailbox(to?: string): Promise<MailboxMessage[]>;
  outgoing(
    envelopeId: string,
  ): Promise<{ status: string; attempts: number; lastError: string | null } | undefined>;
  stop(): Promise<void>;
}

export function sendEmailEnvelope(payload: SendEmail): Envelope<SendEmail> {
  return createEnvelope({
    type: sendEmail.type,
    version: sendEmail.version,
    key: payload.to,
    payload,
    source: "test",
  });
}

/** A recipient address no other test uses. */
export const recipient = (prefix = "user"): string => `${unique(prefix)}@example.test`;

export const activationLink = (token: string): string => `http://127.0.0.1:3000/activate?token=${token}`;

export function activation(to: string, token = unique("token")): SendEmail {
  return {
    to,
    template: "activation",
    data: { link: testSealer.seal(activationLink(token)), expiresAt: "2030-01-05T14:00:00.000Z" },
  };
}

export async function startMailer(
  options: { env?: Record<string, string>; inMemory?: boolean } = {},
): Promise<MailerHarness> {
  const mailer = createMailerService();
  const platform = new Platform({
    config: testConfig(options.env),
    services: [mailer],
    inMemory: options.inMemory ?? true,
    requester: true,
  });
  await platform.start();
  const db = await platform.databases.forService("mailer");
  const schema = platform.schemaOf("mailer");
  const repository = new MailerRepository(schema);
  return {
    platform,
    mailer,
    db,
    schema,
    publish: (envelope) =>
      platform.transport.publish([{ topic: sendEmail.topic, key: envelope.key, envelope }]),
    mailbox: async (to) => {
      if (!platform.requester) throw new Error("no requester");
      const { messages } = await platform.requester.request(listMailbox, "mailbox", to ? { to } : {});
      return messages;
    },
    outgoing: (envelopeId) => repository.outgoing(db, envelopeId),
    stop: () => platform.stop(),
  };
}

/** A stand-in for an external SMTP server (a relay or Mailpit), and what it kept. */
export interface ExternalSmtp {
  readonly port: number;
  readonly received: ParsedMail[];
  /** While true (at first), recipients named `reject-…` are refused with 550, for good. */
  refusing: boolean;
  receivedBy(to: string): ParsedMail[];
  close(): Promise<void>;
}

/**
 * An SMTP server on 127.0.0.1: it refuses recipients named `reject-…` with 550 while `refusing`,
 * defers `flaky-…` recipients once with 451, and keeps the rest.
 */
export async function startExternalSmtp(): Promise<ExternalSmtp> {
  const received: ParsedMail[] = [];
  const deferred = new Set<string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    logger: false,
    onRcptTo(address, _session, callback) {
      const rcpt = address.address.toLowerCase();
      if (external.refusing && rcpt.startsWith("reject")) {
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
  const external: ExternalSmtp = {
    port: (server.server.address() as AddressInfo).port,
    received,
    refusing: true,
    receivedBy: (to) =>
      received.filter((m) =>
        (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).some((a) => a.text.includes(to)),
      ),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return external;
}
