/** Money in integer minor units ("cents") of an ISO 4217 currency, and dates, for display. */

export function minorDigits(currency: string): number {
  try {
    return (
      new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ??
      2
    );
  } catch {
    return 2;
  }
}

/** 123456 EUR → "€1,234.56"; exact for any safe integer (no float division). */
export function formatMoney(cents: number, currency: string): string {
  const digits = minorDigits(currency);
  const negative = cents < 0;
  const s = String(Math.abs(cents)).padStart(digits + 1, "0");
  const whole = digits === 0 ? s : s.slice(0, -digits);
  const fraction = digits === 0 ? "" : s.slice(-digits);
  try {
    const format = new Intl.NumberFormat(undefined, {
      style: "currency",
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    // Format the integer part as a string decimal to keep every digit.
    const parts = format.formatToParts(negative ? -1.5 : 1.5);
    const grouped = new Intl.NumberFormat(undefined, { useGrouping: true }).format(BigInt(whole));
    return parts
      .map((p) => (p.type === "integer" ? grouped : p.type === "fraction" ? fraction : p.value))
      .join("");
  } catch {
    return `${negative ? "-" : ""}${currency} ${whole}${digits ? "." + fraction : ""}`;
  }
}

/** "12.5" EUR → 1250; undefined for anything but a plain non-negative amount with ≤ the currency's digits. */
export function parseAmount(text: string, currency: string): number | undefined {
  const digits = minorDigits(currency);
  const match = /^\s*(\d{1,13})(?:[.,](\d*))?\s*$/.exec(text);
  if (!match) return undefined;
  const fraction = match[2] ?? "";
  if (fraction.length > digits) return undefined;
  return Number(match[1]) * 10 ** digits + Number(fraction.padEnd(digits, "0") || "0");
}

/** Adds "cents" as BigInt to stay exact, then back to a number when safe. */
export function lineCents(quantity: number, unitPriceCents: number): number {
  return Number(BigInt(quantity) * BigInt(unitPriceCents));
}

/** Tax on the subtotal, rounded half away from zero, as the invoicing service does. */
export function taxCents(subtotalCents: number, ratePercent: number): number {
  const bp = BigInt(Math.round(ratePercent * 100));
  return Number((BigInt(subtotalCents) * bp + 5_000n) / 10_000n);
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const date = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : dateTime.format(d);
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : date.format(d);
}

/** "in 14 minutes" for a number of seconds. */
export function formatWait(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} seconds`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} minutes`;
  return `${Math.round(seconds / 3600)} hours`;
}

export function shortAgent(userAgent: string): string {
  if (!userAgent) return "Unknown device";
  const browser = /(Firefox|Edg|Chrome|Safari)\/[\d.]+/.exec(userAgent)?.[0]?.split("/")[0] ?? "";
  const os = /(Windows|Mac OS X|Android|iPhone|Linux)/.exec(userAgent)?.[0] ?? "";
  const name = { Edg: "Edge" }[browser] ?? browser;
  return [name, os].filter(Boolean).join(" on ") || userAgent.slice(0, 60);
}
