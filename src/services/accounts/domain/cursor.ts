import { decodeCursor as decodeKeyset, encodeCursor as encodeKeyset } from "../../../platform/cursor.ts";

/** The cursor of list-users: the last row's (created_at, id), the keyset the list is ordered by (newest first). */
export interface Keyset {
  readonly createdAt: Date;
  readonly id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isUuid = (value: unknown): value is string => typeof value === "string" && UUID.test(value);

export function encodeCursor(keyset: Keyset): string {
  return encodeKeyset([keyset.createdAt, keyset.id]);
}

/** The keyset a cursor holds, or undefined for anything this service did not hand out. */
export function decodeCursor(cursor: string): Keyset | undefined {
  const keyset = decodeKeyset(cursor, isUuid);
  return keyset && { createdAt: keyset[0], id: keyset[1] };
}
