import { createTransport } from "nodemailer";
import type { AppError } from "../../../platform/errors.ts";
import { mailerErrors } from "../errors.ts";

export interface OutgoingMail {
  /** With angle brackets: `<envelope-id@ledgerline>`. */
  readonly messageId: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface MailSender {
  /** Where mail goes, for logs: host:port, never credentials. */
  readonly target: string;
  /** Resolves with the server's final reply once it accepted the message. */
  send(mail: OutgoingMail): Promise<{ response: string }>;
  close(): void;
}

export type SmtpTarget = { readonly url: string } | { readonly host: string; readonly port: number };

// A consumer waits on each send, so a dead server must fail fast rather than after minutes.
const TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/** A pooled nodemailer transport to an SMTP server (the one in SMTP_URL, or the embedded catcher). */
export function createSender(target: SmtpTarget, from: string): MailSender {
  const transport =
    "url" in target
      ? createTransport({ pool: true, url: target.url, ...TIMEOUTS })
      : // The catcher is plain SMTP on loopback: no TLS, no authentication.
        createTransport({
          pool: true,
          host: target.host,
          port: target.port,
          secure: false,
          ignoreTLS: true,
          ...TIMEOUTS,
        });
  return {
    target: "url" in target ? describeUrl(target.url) : `${target.host}:${target.port}`,
    async send(mail) {
      const info = await transport.sendMail({
        from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        messageId: mail.messageId,
      });
      return { response: info.response };
    },
    close: () => transport.close(),
  };
}

function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return "(unparseable SMTP_URL)";
  }
}

interface SmtpFailure {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  permanent?: unknown;
  command?: unknown;
  message?: unknown;
}

/** Failures with no SMTP reply that no retry of the same message can fix. */
const PERMANENT_CODES = new Set(["EENVELOPE", "ECONFIG", "ENOAUTH", "EMAXRECIPIENTS"]);

/**
 * Turns a nodemailer failure into a mailer error: a 5xx reply (except 503, "bad sequence") is
 * permanent, as is an envelope nodemailer refuses to send; a 4xx reply, a timeout or a broken
 * connection is transient and retried by the consumer.
 */
export function classifySmtpError(error: unknown): AppError {
  const failure = (typeof error === "object" && error !== null ? error : {}) as SmtpFailure;
  const responseCode = typeof failure.responseCode === "number" ? failure.responseCode : undefined;
  const code = typeof failure.code === "string" ? failure.code : undefined;
  const permanent =
    responseCode !== undefined
      ? typeof failure.permanent === "boolean"
        ? failure.permanent
        : responseCode >= 500 && responseCode !== 503
      : code !== undefined && PERMANENT_CODES.has(code);
  const reply = typeof failure.response === "string" ? failure.response : String(failure.message ?? error);
  const details = [
    {
      path: "smtp",
      message: [code, typeof failure.command === "string" ? failure.command : undefined, reply]
        .filter(Boolean)
        .join(" ")
        .slice(0, 500),
    },
  ];
  return permanent
    ? mailerErrors.MAIL_PERMANENT_FAILURE({ details, cause: error })
    : mailerErrors.MAIL_TRANSIENT_FAILURE({ details, cause: error });
}

/** One line for the outgoing table's last_error. */
export function describeFailure(error: AppError): string {
  return `${error.code}: ${error.details?.[0]?.message ?? error.message}`;
}
