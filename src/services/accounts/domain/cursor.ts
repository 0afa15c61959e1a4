/**
 * The opaque cursor of list-users: base64url of the last row's (created_at, id), the keyset the
 * list is ordered by (newest first). created_at is stored with millisecond precision, so the
 * ISO form round-trips exactly.
 */
export interface Keyset {
  readonly createdAt: Date;
  readonly id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeCursor(keyset: Keyset): string {
  return Buffer.from(JSON.stringify([keyset.createdAt.toISOString(), keyset.id])).toString("base64url");
}

/** The keyset a cursor holds, or undefined for anything this service did not hand out. */
export function decodeCursor(cursor: string): Keyset | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [at, id] = value as unknown[];
    if (typeof at !== "string" || typeof id !== "string" || !UUID.test(id)) return undefined;
    const createdAt = new Date(at);
    if (Number.isNaN(createdAt.getTime()) || createdAt.toISOString() !== at) return undefined;
    return { createdAt, id };
  } catch {
    return undefined;
  }
}
