import { z } from "zod";
import { defineCommand } from "../../messaging/request-reply.ts";

export const mailboxMessageSchema = z.object({
  id: z.string(),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  html: z.string(),
  links: z.array(z.string()),
  receivedAt: z.iso.datetime({ offset: true }),
});
export type MailboxMessage = z.infer<typeof mailboxMessageSchema>;

export const MAILBOX_MAX_LIMIT = 200;

/**
 * Lists what the embedded SMTP catcher received, newest first (development only: served by the
 * mailer while the catcher is on, i.e. while SMTP_URL is unset).
 */
export const listMailbox = defineCommand({
  type: "list-mailbox",
  request: z.object({
    to: z.email().max(254).optional(),
    limit: z.number().int().min(1).max(MAILBOX_MAX_LIMIT).optional(),
  }),
  result: z.object({ messages: z.array(mailboxMessageSchema) }),
  description: "List the mail caught by the embedded SMTP catcher, newest first.",
});
