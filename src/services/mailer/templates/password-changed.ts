import type { TemplateData } from "../../../contracts/mailer/send-email.ts";
import type { RenderedEmail } from "./layout.ts";
import { compose, formatInstant, PRODUCT } from "./layout.ts";

/** Sent after a reset or a change: tells the owner, in case it was not them. */
export function passwordChangedEmail(data: TemplateData<"password-changed">): RenderedEmail {
  return compose({
    subject: `Your ${PRODUCT} password was changed`,
    heading: "Your password was changed",
    intro: [
      `The password of your ${PRODUCT} account was changed on ${formatInstant(data.at)}.`,
      "For your security, your other sessions were signed out.",
    ],
    outro: ["If you did not do this, reset your password right away from the sign-in page."],
  });
}
