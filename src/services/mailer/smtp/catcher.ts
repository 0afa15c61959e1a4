import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import type { SMTPServerDataStream, SMTPServerSession } from "smtp-server";
import type { Executor } from "../../../db/database.ts";
import { newId } from "../../../platform/ids.ts";
import type { Logger } from "../../../platform/logger.ts";
import type { MailerRepository } from "../db/repository.ts";
import { extractLinks } from "../domain/extract-links.ts";

export interface Catcher {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

/** An SMTP error whose reply code the client sees (4xx: try again later; 5xx: give up). */
function smtpError(responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode });
}

/**
 * The embedded SMTP catcher: a real SMTP server on loopback, on a port the OS picks, that keeps
 * every message it receives in the mailer's `mailbox` table instead of delivering it. It answers
 * 250 only after the message is stored, so a client that saw "accepted" can count on the row; a
 * message that comes again with the same Message-ID is stored once.
 */
export async function startCatcher(options: {
  db: Executor;
  repository: MailerRepository;
  log: Logger;
  host?: string;
}): Promise<Catcher> {
  const { db, repository, log } = options;
  const host = options.host ?? "127.0.0.1";

  async function store(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<void> {
    const parsed = await simpleParser(stream);
    if (stream.sizeExceeded) throw smtpError(552, "Message exceeds the maximum size");
    const text = parsed.text ?? "";
    const html = parsed.html || "";
    const stored = await repository.storeCaught(db, {
      messageId: parsed.messageId ?? `<${newId()}@catcher.ledgerline>`,
      recipients: session.envelope.rcptTo.map((r) => r.address.trim().toLowerCase()),
      subject: parsed.subject ?? "",
      text,
      html,
      links: extractLinks(text, html),
    });
    log.debug({ messageId: parsed.messageId, stored }, "caught a message");
  }

  const server = new SMTPServer({
    name: "ledgerline-catcher",
    banner: "Ledgerline dev mailbox",
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    size: MAX_MESSAGE_BYTES,
    logger: false,
    onData(stream, session, callback) {
      store(stream, session).then(
        () => callback(null, "Message stored"),
        (error: unknown) => {
          const code = (error as { responseCode?: unknown }).responseCode;
          if (typeof code === "number") return callback(error as Error);
          log.warn({ err: error }, "could not store a caught message; the sender will retry");
          stream.resume(); // drain whatever the parser left, so the connection can answer
          callback(smtpError(451, "Message not stored; try again later"));
        },
      );
    },
  });
  server.on("error", (error) => log.warn({ err: error }, "SMTP catcher connection error"));

  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(0, host, () => {
      server.server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    host,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
