/** What every template produces: one subject, a plain-text body and an HTML body. */
export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface Action {
  readonly label: string;
  readonly url: string;
}

/** A template's words; the layout turns them into the text and HTML bodies. */
export interface EmailContent {
  readonly subject: string;
  readonly heading: string;
  /** Plain-text paragraphs before the actions (escaped for HTML here, never by callers). */
  readonly intro: readonly string[];
  readonly actions?: readonly Action[];
  /** Plain-text paragraphs after the actions. */
  readonly outro?: readonly string[];
}

export const PRODUCT = "Ledgerline";

const htmlEscapes: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes a value for HTML text and double- or single-quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => htmlEscapes[c] ?? c);
}

const instantFormat = new Intl.DateTimeFormat("en-GB", {
  dateStyle: "long",
  timeStyle: "short",
  timeZone: "UTC",
});

/** "5 January 2026 at 14:00 UTC": the same words wherever the mailer runs. */
export function formatInstant(iso: string): string {
  return `${instantFormat.format(new Date(iso))} UTC`;
}

const FOOTER = `This is an automatic message from ${PRODUCT}; replies to it are not read.`;

function textBody(content: EmailContent): string {
  const blocks: string[] = [content.heading, ...content.intro];
  for (const action of content.actions ?? []) blocks.push(`${action.label}:\n${action.url}`);
  blocks.push(...(content.outro ?? []), `— The ${PRODUCT} team`, FOOTER);
  return `${blocks.join("\n\n")}\n`;
}

const paragraph = (text: string): string =>
  `<p style="margin:0 0 16px;font-size:15px;line-height:1.5;color:#1f2933">${escapeHtml(text)}</p>`;

function actionHtml(action: Action): string {
  const url = escapeHtml(action.url);
  return [
    `<p style="margin:24px 0 8px"><a href="${url}" style="display:inline-block;padding:10px 18px;`,
    `background:#1d4ed8;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:600">`,
    `${escapeHtml(action.label)}</a></p>`,
    `<p style="margin:0 0 16px;font-size:13px;color:#52606d">Or open this link: `,
    `<a href="${url}" style="color:#1d4ed8;word-break:break-all">${url}</a></p>`,
  ].join("");
}

function htmlBody(content: EmailContent): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${escapeHtml(content.subject)}</title></head>
<body style="margin:0;padding:0;background:#f5f7fa;font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f5f7fa;padding:24px 0">
<tr><td align="center">
<table role="presentation" width="560" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px;padding:32px">
<tr><td>
<p style="margin:0 0 24px;font-size:18px;font-weight:700;color:#1d4ed8">${PRODUCT}</p>
<h1 style="margin:0 0 16px;font-size:22px;color:#1f2933">${escapeHtml(content.heading)}</h1>
${content.intro.map(paragraph).join("\n")}
${(content.actions ?? []).map(actionHtml).join("\n")}
${(content.outro ?? []).map(paragraph).join("\n")}
${paragraph(`— The ${PRODUCT} team`)}
</td></tr>
</table>
<p style="margin:16px 0 0;font-size:12px;color:#7b8794">${escapeHtml(FOOTER)}</p>
</td></tr>
</table>
</body>
</html>
`;
}

/** Builds both bodies from one content, so the text and HTML versions always say the same. */
export function compose(content: EmailContent): RenderedEmail {
  return { subject: content.subject, text: textBody(content), html: htmlBody(content) };
}
