import type { SendEmail, TemplateData, TemplateName } from "../../../contracts/mailer/send-email.ts";
import { accountLockedEmail } from "./account-locked.ts";
import { activationEmail } from "./activation.ts";
import { alreadyRegisteredEmail } from "./already-registered.ts";
import type { RenderedEmail } from "./layout.ts";
import { passwordChangedEmail } from "./password-changed.ts";
import { passwordResetEmail } from "./password-reset.ts";

export type { RenderedEmail } from "./layout.ts";

const templates: { readonly [T in TemplateName]: (data: TemplateData<T>) => RenderedEmail } = {
  activation: activationEmail,
  "password-reset": passwordResetEmail,
  "password-changed": passwordChangedEmail,
  "account-locked": accountLockedEmail,
  "already-registered": alreadyRegisteredEmail,
};

/** Renders the template a send-email request names, with its (already validated) data. */
export function render(request: SendEmail): RenderedEmail {
  const template = templates[request.template] as (data: SendEmail["data"]) => RenderedEmail;
  return template(request.data);
}
