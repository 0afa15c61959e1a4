/** INV-2026-000123: gap-free per user and UTC calendar year; six digits at least. */
export function invoiceNumber(year: number, sequence: number): string {
  return `INV-${year}-${String(sequence).padStart(6, "0")}`;
}

/** The UTC calendar date of an instant, YYYY-MM-DD. */
export const utcDate = (at: Date): string => at.toISOString().slice(0, 10);
