import type { TemplateData } from "../../../contracts/mailer/send-email.ts";
import type { RenderedEmail } from "./layout.ts";
import { compose, PRODUCT } from "./layout.ts";

/**
 * Sent instead of an activation email when someone signs up with an address that already has an
 * account: the signup answer stays the same for both, and only the owner of the inbox learns more.
 */
export function alreadyRegisteredEmail(data: TemplateData<"already-registered">): RenderedEmail {
  return compose({
    subject: `You already have a ${PRODUCT} account`,
    heading: "You already have an account",
    intro: [
      `Someone, probably you, tried to sign up for ${PRODUCT} with this email address, which already has an account.`,
    ],
    actions: [
      { label: "Sign in", url: data.loginLink },
      { label: "Reset my password", url: data.resetLink },
    ],
    outro: ["If it was not you, ignore this email: nothing has changed."],
  });
}
