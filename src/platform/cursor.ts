/**
 * Opaque page cursors. A list ordered newest first by (created_at, a tie-breaker) hands out, with
 * a page that has more rows after it, the keyset of its last row: base64url of the JSON
 * `[createdAt ISO, tie-breaker]`. created_at is stored with millisecond precision, so the ISO
 * form round-trips exactly.
 */
export type Keyset<T extends string | number> = readonly [createdAt: Date, tieBreaker: T];

export function encodeCursor<T extends string | number>([createdAt, tie]: Keyset<T>): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), tie])).toString("base64url");
}

/** The keyset a cursor holds, when `isTie` accepts its tie-breaker; undefined for anything this did not hand out. */
export function decodeCursor<T extends string | number>(
  cursor: string,
  isTie: (value: unknown) => value is T,
): Keyset<T> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [at, tie] = value as unknown[];
    if (typeof at !== "string" || !isTie(tie)) return undefined;
    const createdAt = new Date(at);
    if (Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== at) return undefined;
    return [createdAt, tie];
  } catch {
    return undefined;
  }
}
