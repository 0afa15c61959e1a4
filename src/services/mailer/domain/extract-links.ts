const TEXT_URL = /https?:\/\/[^\s<>"'()[\]{}]+/gi;
const HREF = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)')/gi;
const TRAILING_PUNCTUATION = /[.,;:!?]+$/;

const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Decodes the character references an href attribute may hold (`&amp;` between query parameters). */
function decodeEntities(value: string): string {
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref.startsWith("#x") || ref.startsWith("#X"))
      return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith("#")) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return named[ref.toLowerCase()] ?? whole;
  });
}

/**
 * The web links of a message, in order of first appearance, each once: the URLs written in the
 * text body and the http(s) hrefs of the HTML body. The dev mailbox shows them so a person (or a
 * test) can follow an activation or reset link without reading the whole mail.
 */
export function extractLinks(text: string, html: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(TEXT_URL)) found.add(match[0].replace(TRAILING_PUNCTUATION, ""));
  for (const match of html.matchAll(HREF)) {
    const href = decodeEntities((match[1] ?? match[2] ?? "").trim());
    if (/^https?:\/\//i.test(href)) found.add(href);
  }
  return [...found];
}
