import { defineErrors } from "../../platform/errors.ts";

/**
 * The mailer's codes. They travel in dead letters (send-email is fire-and-forget, so no client
 * sees them over HTTP); `canRetry` is what decides between a retry and the DLQ.
 */
export const mailerErrors = defineErrors("mailer", {
  MAIL_TRANSIENT_FAILURE: {
    status: 503,
    message:
      "The mail server could not take the message now (4xx reply or connection failure); it will be retried.",
    canRetry: true,
  },
  MAIL_PERMANENT_FAILURE: {
    status: 422,
    message:
      "The mail server refused the message for good (5xx reply); retrying the same message cannot help.",
  },
});
