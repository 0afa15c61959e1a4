export type { MailboxMessage } from "./list-mailbox.ts";
export { listMailbox, MAILBOX_MAX_LIMIT, mailboxMessageSchema } from "./list-mailbox.ts";
export type { SendEmail, TemplateData, TemplateName } from "./send-email.ts";
export { sendEmail, sendEmailSchema, templateNames } from "./send-email.ts";
