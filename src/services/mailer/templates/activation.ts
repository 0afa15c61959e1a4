import type { TemplateData } from "../../../contracts/mailer/send-email.ts";
import type { RenderedEmail } from "./layout.ts";
import { compose, formatInstant, PRODUCT } from "./layout.ts";

/** Sent at signup (and on resend): the link that activates the account. */
export function activationEmail(data: TemplateData<"activation">): RenderedEmail {
  return compose({
    subject: `Activate your ${PRODUCT} account`,
    heading: `Welcome to ${PRODUCT}`,
    intro: ["Confirm your email address to activate your account."],
    actions: [{ label: "Activate my account", url: data.link }],
    outro: [
      `This link works once, until ${formatInstant(data.expiresAt)}.`,
      `If you did not sign up for ${PRODUCT}, ignore this email: no account will be activated.`,
    ],
  });
}
