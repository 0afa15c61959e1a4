import type { TemplateData } from "../../../contracts/mailer/send-email.ts";
import type { RenderedEmail } from "./layout.ts";
import { compose, formatInstant, PRODUCT } from "./layout.ts";

/** Sent when repeated wrong passwords lock the account, for a while or until an admin unlocks it. */
export function accountLockedEmail(data: TemplateData<"account-locked">): RenderedEmail {
  const attempts = `${data.failures} failed sign-in ${data.failures === 1 ? "attempt" : "attempts"}`;
  return compose({
    subject: `Your ${PRODUCT} account is locked`,
    heading: "Your account is locked",
    intro: [
      `After ${attempts}, we locked your ${PRODUCT} account to protect it.`,
      data.until === null
        ? "An administrator needs to unlock it before you can sign in again."
        : `You can sign in again after ${formatInstant(data.until)}.`,
    ],
    outro: ["If these attempts were not yours, choose a new password once you can sign in again."],
  });
}
