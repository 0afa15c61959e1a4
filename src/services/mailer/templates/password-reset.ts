import type { TemplateData } from "../../../contracts/mailer/send-email.ts";
import type { RenderedEmail } from "./layout.ts";
import { compose, formatInstant, PRODUCT } from "./layout.ts";

/** Sent on "forgot password": the link to choose a new one. */
export function passwordResetEmail(data: TemplateData<"password-reset">): RenderedEmail {
  return compose({
    subject: `Reset your ${PRODUCT} password`,
    heading: "Reset your password",
    intro: [`We received a request to reset the password of your ${PRODUCT} account.`],
    actions: [{ label: "Choose a new password", url: data.link }],
    outro: [
      `This link works once, until ${formatInstant(data.expiresAt)}.`,
      "If you did not ask for this, ignore this email: your password stays as it is.",
    ],
  });
}
