import type { Database } from "../../../db/database.ts";
import type { SendEmail } from "../../../contracts/mailer/send-email.ts";
import { sealedLinkTemplates, sendEmail, webLink } from "../../../contracts/mailer/send-email.ts";
import type { Sealer } from "../../../platform/secrets.ts";
import { mailerErrors } from "../errors.ts";
import type { Envelope } from "../../../messaging/envelope.ts";
import type { Logger } from "../../../platform/logger.ts";
import type { MailerRepository } from "../db/repository.ts";
import type { MailSender } from "../smtp/sender.ts";
import { classifySmtpError, describeFailure } from "../smtp/sender.ts";
import { render } from "../templates/index.ts";

/** The SMTP Message-ID of the mail a send-email envelope asks for: the same on every attempt. */
export const messageIdFor = (envelopeId: string): string => `<${envelopeId}@ledgerline>`;

/**
 * Sends the mail a send-email envelope asks for, once.
 *
 * The envelope id is the idempotency key. Each step is its own short statement, never one
 * transaction around the SMTP exchange (PGlite has one connection: a transaction held open for a
 * network round trip would stall every service in the process):
 *
 *   1. claim: upsert `outgoing` as `sending` (attempts + 1), committed; a row already `sent`
 *      means a redelivery, which is skipped;
 *   2. send over SMTP with Message-ID `<envelope-id@ledgerline>`;
 *   3. mark the row `sent`.
 *
 * A crash between 2 and 3 leaves the row `sending`, the offset uncommitted, and the envelope is
 * delivered again: the mail is sent again WITH THE SAME Message-ID. The embedded catcher stores
 * one row per Message-ID, so the dev mailbox shows it once. An external SMTP server cannot be
 * asked whether it already has a message, so there a crash in that window (milliseconds, once
 * per crash) can deliver a second copy; receivers that dedupe on Message-ID drop it, others
 * show it twice. That is the honest limit of SMTP, which has no idempotent submit.
 *
 * A transient failure (4xx, connection) leaves the row `sending` and throws a retryable error;
 * a permanent one (5xx) marks it `failed` and throws a non-retryable one, which the consumer
 * parks on `send-email.dlq` (a DLQ replay claims the row again).
 */
export function sendEmailHandler(deps: {
  db: Database;
  repository: MailerRepository;
  sender: MailSender;
  log: Logger;
  sealer: Sealer;
}): (envelope: Envelope) => Promise<void> {
  const { db, repository, log } = deps;
  return async (envelope) => {
    if (envelope.type !== sendEmail.type) return;
    const request = openLinks(envelope.payload as SendEmail, deps.sealer);
    const mail = render(request);
    const messageId = messageIdFor(envelope.id);
    const attempt = await repository.claim(db, {
      envelopeId: envelope.id,
      recipient: request.to.toLowerCase(),
      template: request.template,
      messageId,
    });
    if (attempt === undefined) {
      log.debug(
        { envelopeId: envelope.id, template: request.template },
        "mail already sent; redelivery skipped",
      );
      return;
    }
    let response: string;
    try {
      ({ response } = await deps.sender.send({ messageId, to: request.to, ...mail }));
    } catch (error) {
      const failure = classifySmtpError(error);
      await repository
        .markFailed(db, envelope.id, failure.canRetry ? "sending" : "failed", describeFailure(failure))
        .catch((dbError: unknown) => log.warn({ err: dbError }, "could not record a send failure"));
      log.warn(
        {
          envelopeId: envelope.id,
          template: request.template,
          attempt,
          code: failure.code,
          smtp: failure.details?.[0]?.message,
        },
        "mail not sent",
      );
      throw failure;
    }
    await repository.markSent(db, envelope.id, response);
    log.info({ envelopeId: envelope.id, template: request.template, attempt }, "mail sent");
  };
}

/** Opens a sealed token link just before rendering; the opened link never returns to the log. */
function openLinks(request: SendEmail, sealer: Sealer): SendEmail {
  if (!sealedLinkTemplates.has(request.template) || !("link" in request.data)) return request;
  const link = webLink.safeParse(sealer.unseal(request.data.link));
  if (!link.success)
    throw mailerErrors.MAIL_PERMANENT_FAILURE({ message: "The sealed link is not a web link." });
  return { ...request, data: { ...request.data, link: link.data } } as SendEmail;
}
