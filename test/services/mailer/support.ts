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
