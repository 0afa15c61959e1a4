import { listMailbox } from "../../contracts/mailer/list-mailbox.ts";
import { sendEmail } from "../../contracts/mailer/send-email.ts";
import type { ServiceDefinition } from "../../runtime/platform.ts";
import type { ServiceContext } from "../../runtime/service-context.ts";
import { listMailboxHandler } from "./commands/list-mailbox.ts";
import { sendEmailHandler } from "./commands/send-email.ts";
import { mailerMigrations } from "./db/migrations.ts";
import { MailerRepository } from "./db/repository.ts";
import type { Catcher } from "./smtp/catcher.ts";
import { startCatcher } from "./smtp/catcher.ts";
import type { MailSender } from "./smtp/sender.ts";
import { createSender } from "./smtp/sender.ts";

export interface MailerService extends ServiceDefinition {
  /** Where the embedded SMTP catcher listens while it runs; undefined when SMTP_URL is set. */
  catcherAddress(): { host: string; port: number } | undefined;
}

/**
 * The mailer: renders every email and sends it over SMTP, once per send-email envelope. With
 * SMTP_URL unset it starts the embedded SMTP catcher and sends to it, and serves list-mailbox so
 * the dev mailbox can show what was "sent".
 */
export function createMailerService(): MailerService {
  let catcher: Catcher | undefined;
  let sender: MailSender | undefined;

  async function stop(): Promise<void> {
    // The pool first: its connections to the catcher close, so the catcher closes at once.
    sender?.close();
    sender = undefined;
    const closing = catcher;
    catcher = undefined;
    await closing?.close();
  }

  async function start(ctx: ServiceContext): Promise<void> {
    const { config, db } = ctx;
    const repository = new MailerRepository(ctx.schema);
    try {
      if (config.SMTP_URL) {
        sender = createSender({ url: config.SMTP_URL }, config.MAIL_FROM);
      } else {
        catcher = await startCatcher({ db, repository, log: ctx.log.child({ part: "smtp-catcher" }) });
        sender = createSender({ host: catcher.host, port: catcher.port }, config.MAIL_FROM);
      }
      await ctx.subscribe(
        `${ctx.name}.send-email`,
        [sendEmail.topic],
        sendEmailHandler({ db, repository, sender, log: ctx.log, sealer: ctx.sealer }),
      );
      if (catcher) {
        const list = listMailboxHandler(repository);
        await ctx.query(listMailbox, (payload, _envelope, tx) => list(payload, tx));
      }
    } catch (error) {
      await stop();
      throw error;
    }
    ctx.log.info({ smtp: sender.target, catcher: catcher ? "on" : "off" }, "mailer started");
  }

  return {
    name: "mailer",
    migrations: mailerMigrations,
    start,
    stop,
    catcherAddress: () => (catcher ? { host: catcher.host, port: catcher.port } : undefined),
  };
}

/** The mailer of `npm start` and `ledgerline start --service mailer`. */
export const mailerService: MailerService = createMailerService();
