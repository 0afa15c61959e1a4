/**
 * The PDF's standard fonts (Helvetica) encode text as WinAnsi: printable ASCII, Latin-1 and a few
 * typographic signs. pdfkit writes any other character as a wrong byte, so text is made safe
 * first: accents that decompose keep their base letter (ő → o), a few letters are transliterated
 * (Ł → L), anything else becomes "?". Fonts covering more scripts are future work.
 */
const extras = new Set("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ");
const transliterated: Readonly<Record<string, string>> = {
  Ł: "L",
  ł: "l",
  Đ: "D",
  đ: "d",
  ı: "i",
  Ħ: "H",
  ħ: "h",
  "\u2212": "-",
  "\u2010": "-",
  "\u2011": "-",
};

const encodable = (c: string): boolean => {
  const code = c.codePointAt(0) ?? 0;
  return (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || extras.has(c);
};

export function winAnsi(text: string): string {
  let out = "";
  for (const c of text.replace(/[\t\r\n]+/g, " ")) {
    if (encodable(c)) out += c;
    else if (transliterated[c] !== undefined) out += transliterated[c];
    else {
      const base = c.normalize("NFKD").replace(/\p{M}/gu, "");
      out += base.length > 0 && [...base].every(encodable) ? base : "?";
    }
  }
  return out;
}

/** Lines of a multi-line field (an address), each made safe, blank ones dropped. */
export function winAnsiLines(text: string | null | undefined): string[] {
  if (!text) return [];
  return text
    .split(/\r?\n|,\s*(?=\S)/)
    .map((l) => winAnsi(l.trim()))
    .filter((l) => l.length > 0);
}
