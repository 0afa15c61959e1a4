import { z } from "zod";
import { defineContract } from "../../messaging/contracts.ts";

/** Only web links go into emails: never javascript:, data: or mailto: targets. */
const link = z.url({ protocol: /^https?$/, message: "expected an http(s) URL" });
const instant = z.iso.datetime({ offset: true });
const email = z.email({ message: "expected an email address" }).max(254);
/**
 * A link that carries a token is a secret: it crosses the log sealed (src/platform/secrets.ts)
 * and the mailer opens it just before rendering.
 */
const sealedLink = z.string().regex(/^v1\.[\w-]+\.[\w-]*\.[\w-]+$/, "expected a sealed link");

/** One schema per template, so the data each template needs is typed where it is emitted. */
const activation = z.object({
  to: email,
  template: z.literal("activation"),
  data: z.object({ link: sealedLink, expiresAt: instant }),
});
const passwordReset = z.object({
  to: email,
  template: z.literal("password-reset"),
  data: z.object({ link: sealedLink, expiresAt: instant }),
});
const passwordChanged = z.object({
  to: email,
  template: z.literal("password-changed"),
  data: z.object({ at: instant }),
});
const accountLocked = z.object({
  to: email,
  template: z.literal("account-locked"),
  /** `until` is null for a lock that only an administrator can lift. */
  data: z.object({ until: instant.nullable(), failures: z.number().int().min(0) }),
});
const alreadyRegistered = z.object({
  to: email,
  template: z.literal("already-registered"),
  data: z.object({ loginLink: link, resetLink: link }),
});

export const sendEmailSchema = z.discriminatedUnion("template", [
  activation,
  passwordReset,
  passwordChanged,
  accountLocked,
  alreadyRegistered,
]);

export type SendEmail = z.infer<typeof sendEmailSchema>;
export type TemplateName = SendEmail["template"];
/** The data one template needs: `TemplateData<"activation">` is `{ link, expiresAt }`. */
export type TemplateData<T extends TemplateName> = Extract<SendEmail, { template: T }>["data"];

export const templateNames = sendEmailSchema.options.map(
  (o) => o.shape.template.value,
) as readonly TemplateName[];

/**
 * Asks the mailer to render one template and send it to one recipient. Fire-and-forget: the
 * mailer sends each requested email once (the envelope id is its idempotency key). Emit it with
 * `tx.emit(sendEmail, to, { to, template, data })` so it commits with the change that caused it.
 */
export const sendEmail = defineContract({
  type: "send-email",
  topic: "send-email",
  kind: "command",
  schema: sendEmailSchema,
  description: "Render a mail template and send it to one recipient, once per envelope id.",
});

/** The templates whose `link` travels sealed. */
export const sealedLinkTemplates: ReadonlySet<TemplateName> = new Set(["activation", "password-reset"]);

/** Checks an opened link: only web links go into emails. */
export const webLink = link;
