import { randomBytes } from "node:crypto";
import { v7 } from "uuid";

/** Time-ordered UUIDv7: sorts by creation time, so it indexes well and reads in order. */
export function newId(): string {
  return v7();
}

/** A secret token with `bytes` bytes from the CSPRNG, base64url. 32 bytes = 256 bits. */
export function newToken(bytes = 32): string {
  return randomBytes(bytes).toString("base64url");
}
