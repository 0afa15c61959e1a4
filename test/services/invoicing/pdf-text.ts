import { inflateSync } from "node:zlib";

/**
 * The text a PDF shows, for assertions: every stream (inflated when compressed), every hex string
 * of its TJ/Tj operators decoded as WinAnsi ≈ Latin-1, one line per operator. Enough for pdfkit's
 * output with standard fonts; not a general PDF parser. A stream is read by its dictionary's
 * `/Length`, never by looking for `endstream`: compressed bytes may end in a carriage return,
 * which a search would take for the line break before `endstream`.
 */
export function pdfText(pdf: Buffer): string {
  const raw = pdf.toString("latin1");
  const lines: string[] = [];
  const streams = /\/Length (\d+)\b[^>]*>>\s*stream\r?\n/g;
  for (let m = streams.exec(raw); m; m = streams.exec(raw)) {
    const start = m.index + m[0].length;
    const body = pdf.subarray(start, start + Number(m[1]));
    let content: string;
    try {
      content = inflateSync(body).toString("latin1");
    } catch {
      content = body.toString("latin1");
    }
    for (const op of content.matchAll(/\[((?:<[0-9a-fA-F]*>|[^\]])*)\]\s*TJ|(<[0-9a-fA-F]*>)\s*Tj/g)) {
      const hex = [...(op[1] ?? op[2] ?? "").matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => h[1] ?? "").join("");
      lines.push(Buffer.from(hex, "hex").toString("latin1"));
    }
  }
  return lines.join("\n");
}

export function isPdf(pdf: Buffer): boolean {
  return (
    pdf.subarray(0, 5).toString("latin1") === "%PDF-" && pdf.subarray(-8).toString("latin1").includes("%%EOF")
  );
}
