import { describe, expect, it } from "vitest";
import { classifySmtpError } from "../../../src/services/mailer/smtp/sender.ts";

const smtpFailure = (fields: Record<string, unknown>): Error =>
  Object.assign(new Error("smtp failure"), fields);

describe("SMTP failure classification", () => {
  it("treats a 5xx reply as permanent", () => {
    const error = classifySmtpError(
      smtpFailure({
        code: "EENVELOPE",
        responseCode: 550,
        permanent: true,
        command: "RCPT TO",
        response: "550 5.1.1 No such mailbox",
      }),
    );
    expect(error).toMatchObject({ code: "MAIL_PERMANENT_FAILURE", canRetry: false });
    expect(error.details?.[0]?.message).toContain("550 5.1.1");
  });

  it("treats 4xx replies, 503 and broken connections as transient", () => {
    expect(
      classifySmtpError(smtpFailure({ code: "EENVELOPE", responseCode: 451, permanent: false })),
    ).toMatchObject({
      code: "MAIL_TRANSIENT_FAILURE",
      canRetry: true,
    });
    expect(classifySmtpError(smtpFailure({ code: "EPROTOCOL", responseCode: 503 })).canRetry).toBe(true);
    expect(classifySmtpError(smtpFailure({ code: "ECONNECTION" })).canRetry).toBe(true);
    expect(classifySmtpError(smtpFailure({ code: "ETIMEDOUT" })).canRetry).toBe(true);
    expect(classifySmtpError(new Error("socket hang up")).canRetry).toBe(true);
  });

  it("treats an envelope refused before any reply as permanent", () => {
    expect(classifySmtpError(smtpFailure({ code: "EENVELOPE" })).canRetry).toBe(false);
  });
});
