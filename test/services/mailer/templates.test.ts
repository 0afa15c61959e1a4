import { describe, expect, it } from "vitest";
import type { SendEmail } from "../../../src/contracts/mailer/index.ts";
import { sendEmailSchema, templateNames } from "../../../src/contracts/mailer/index.ts";
import { extractLinks } from "../../../src/services/mailer/domain/extract-links.ts";
import { activationEmail } from "../../../src/services/mailer/templates/activation.ts";
import { render } from "../../../src/services/mailer/templates/index.ts";
import { escapeHtml, formatInstant } from "../../../src/services/mailer/templates/layout.ts";
import { testSealer } from "../../support/index.ts";

const to = "ada@example.test";
const samples: Record<SendEmail["template"], SendEmail> = {
  activation: {
    to,
    template: "activation",
    data: { link: "https://app.test/activate?token=A1", expiresAt: "2030-01-05T14:00:00Z" },
  },
  "password-reset": {
    to,
    template: "password-reset",
    data: { link: "https://app.test/reset-password?token=R1", expiresAt: "2030-01-05T14:30:00Z" },
  },
  "password-changed": { to, template: "password-changed", data: { at: "2030-01-05T09:15:00Z" } },
  "account-locked": { to, template: "account-locked", data: { until: "2030-01-05T10:00:00Z", failures: 5 } },
  "already-registered": {
    to,
    template: "already-registered",
    data: { loginLink: "https://app.test/login", resetLink: "https://app.test/forgot-password" },
  },
};

const subjects: Record<SendEmail["template"], string> = {
  activation: "Activate your Ledgerline account",
  "password-reset": "Reset your Ledgerline password",
  "password-changed": "Your Ledgerline password was changed",
  "account-locked": "Your Ledgerline account is locked",
  "already-registered": "You already have a Ledgerline account",
};

describe("mail templates", () => {
  it("covers every template the contract names", () => {
    expect([...templateNames].sort()).toEqual(Object.keys(samples).sort());
  });

  it.each(Object.values(samples))("renders $template with a subject, a text and an HTML body", (request) => {
    const mail = render(request);
    expect(mail.subject).toBe(subjects[request.template]);
    expect(mail.text).toContain("Ledgerline");
    expect(mail.html).toMatch(/^<!doctype html>/);
    expect(mail.html).toContain(`<title>${mail.subject}</title>`);
    // The links the data carries, and no others, reach both bodies.
    const links = Object.values(request.data).filter(
      (v): v is string => typeof v === "string" && v.startsWith("http"),
    );
    expect(extractLinks(mail.text, "")).toEqual(links);
    expect(extractLinks("", mail.html)).toEqual(links);
  });

  it("states expiry and lock times in UTC words", () => {
    expect(formatInstant("2030-01-05T14:00:00Z")).toBe("5 January 2030 at 14:00 UTC");
    expect(render(samples.activation).text).toContain("until 5 January 2030 at 14:00 UTC");
    expect(render(samples["account-locked"]).text).toContain("After 5 failed sign-in attempts");
    expect(render(samples["account-locked"]).text).toContain("after 5 January 2030 at 10:00 UTC");
  });

  it("tells a permanently locked user that an administrator must unlock the account", () => {
    const mail = render({ to, template: "account-locked", data: { until: null, failures: 1 } });
    expect(mail.text).toContain("After 1 failed sign-in attempt,");
    expect(mail.text).toContain("An administrator needs to unlock it");
  });

  it("escapes every value it puts into HTML", () => {
    const hostile = `https://app.test/activate?token=a&b="><script>alert('x')</script>`;
    const mail = activationEmail({ link: hostile, expiresAt: "2030-01-05T14:00:00Z" });
    expect(mail.html).not.toContain("<script>");
    expect(mail.html).toContain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    expect(mail.html).toContain('href="https://app.test/activate?token=a&amp;b=&quot;&gt;');
    expect(escapeHtml(`<a href="x">&'`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  });
});

describe("send-email contract", () => {
  /** On the log a token link travels sealed; the samples hold the opened form the templates render. */
  const onTheLog = (sample: SendEmail): SendEmail =>
    "link" in sample.data
      ? ({ ...sample, data: { ...sample.data, link: testSealer.seal(sample.data.link) } } as SendEmail)
      : sample;

  it("accepts each template with its own data, token links sealed", () => {
    for (const sample of Object.values(samples))
      expect(sendEmailSchema.safeParse(onTheLog(sample)).success).toBe(true);
  });

  it("refuses a token link in the clear", () => {
    expect(sendEmailSchema.safeParse(samples.activation).success).toBe(false);
    expect(sendEmailSchema.safeParse(samples["password-reset"]).success).toBe(false);
  });

  it("refuses data of another template, non-web links and unknown templates", () => {
    expect(
      sendEmailSchema.safeParse({ to, template: "activation", data: { at: "2030-01-05T09:15:00Z" } }).success,
    ).toBe(false);
    expect(
      sendEmailSchema.safeParse({
        to,
        template: "activation",
        data: { link: "javascript:alert(1)", expiresAt: "2030-01-05T14:00:00Z" },
      }).success,
    ).toBe(false);
    expect(sendEmailSchema.safeParse({ to, template: "newsletter", data: {} }).success).toBe(false);
    expect(sendEmailSchema.safeParse({ ...samples.activation, to: "not-an-email" }).success).toBe(false);
  });
});

describe("link extraction", () => {
  it("finds text URLs and http(s) hrefs once each, in order, without trailing punctuation", () => {
    const text = "Open https://a.test/x?token=1. Or https://b.test/y, then https://a.test/x?token=1";
    const html = `<a href="https://c.test/z?a=1&amp;b=2">c</a> <a href='mailto:x@y.test'>m</a> <a href="javascript:void(0)">j</a>`;
    expect(extractLinks(text, html)).toEqual([
      "https://a.test/x?token=1",
      "https://b.test/y",
      "https://c.test/z?a=1&b=2",
    ]);
  });
});
